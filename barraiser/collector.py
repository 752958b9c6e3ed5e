"""Holding Python's cyclic garbage collector while a long piece of work makes a great many
objects that hold no cycles (a report's rows, an import's records).

The collector runs whenever enough objects have been made, and each run walks every object still
alive: work that builds hundreds of thousands of rows pays for walking them again and again,
finding nothing to free (a fifth to a third of its time). Reference counting still frees each
object when its last reference goes; only cycles wait until the collector resumes.

The collector is one per process, so the hold is counted: it resumes when the last of the
threads holding it lets go, never under another thread still at work."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_held() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
