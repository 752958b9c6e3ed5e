"""Heavy work that gives way to interactive requests: a cold calibration report runs at a lower
CPU priority than the pages served beside it.

A cold report at 20,000 loops is most of a second of CPU. On a server with as many busy workers as
cores, it takes a core from the pages other people are loading; niced, it takes what they leave.
On a quiet server it runs as fast as ever: priority only matters when there is a queue.

Linux keeps a nice value per thread, and a thread may only raise its own. So the work runs in a
new thread that lowers its priority and ends with the work, while the request's thread waits for
it (holding no GIL, taking no CPU) and goes on at its own priority. The thread runs in a copy of
the request's context: the same app, request and database session, used by one thread at a time.
Threads the work starts (the report's readers) inherit the lower priority."""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_low_priority(work: Callable[[], T], *, niceness: int) -> T:
    """`work()` run `niceness` steps below the caller's CPU priority (0: simply run). Its result
    is returned and its exception raised, as if called directly."""
    if niceness <= 0 or not hasattr(os, "setpriority"):
        return work()
    context = contextvars.copy_context()
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            thread = threading.get_native_id()
            current = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(current + niceness, 19))
            result.append(context.run(work))
        except BaseException as error:  # raised again in the caller's thread
            failure.append(error)

    worker = threading.Thread(target=run, name="barraiser-low-priority", daemon=True)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
    return result[0]
