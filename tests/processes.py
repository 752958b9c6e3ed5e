"""Run the real `flask` command line in processes of their own, started together.

The processes are forked from the test's (which has already imported the app's code), so each
starts in milliseconds instead of the seconds a fresh interpreter takes to import it; each then
runs Flask's own command-line entry point, builds its own app from `wsgi` and the environment, and
talks to the database over connections of its own, exactly as `flask --app wsgi ...` would."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Finished:
    exit_code: int | None
    output: str


def _run(args: list[str], environment: dict[str, str], output: str, start) -> None:
    code = 1
    try:
        sink = open(output, "w", buffering=1)  # noqa: SIM115 - open until os._exit
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        sys.stdout = sys.stderr = sink
        # A fresh process has no logging set up (the test runner's capture is not the child's).
        for handler in list(logging.root.handlers):
            logging.root.removeHandler(handler)
        os.environ.update(environment)
        os.chdir(ROOT)
        sys.argv = ["flask", "--app", "wsgi", *args]
        from flask.cli import main

        start.wait()
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # reported through the exit code and the output
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # Skip the interpreter's shutdown: it would close connections inherited from the test.
        os._exit(code)


def run_together(
    commands: list[tuple[list[str], dict[str, str]]], tmp_path: Path, timeout: float = 120
) -> list[Finished]:
    """Run each of `commands` — (arguments of `flask --app wsgi`, environment to add) — at the
    same moment, each in its own process; returns their exit codes and output, in order."""
    context = multiprocessing.get_context("fork")
    start = context.Event()
    outputs = [tmp_path / f"process-{index}.out" for index in range(len(commands))]
    processes = [
        context.Process(target=_run, args=(args, environment, str(output), start))
        for (args, environment), output in zip(commands, outputs, strict=True)
    ]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
    return [
        Finished(process.exitcode, output.read_text() if output.exists() else "")
        for process, output in zip(processes, outputs, strict=True)
    ]


@dataclass
class Running:
    """A `flask` command running in a process of its own."""

    process: multiprocessing.process.BaseProcess
    output_path: Path

    @property
    def output(self) -> str:
        return self.output_path.read_text() if self.output_path.exists() else ""

    def finish(self, timeout: float = 60) -> int | None:
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        return self.process.exitcode


def start(args: list[str], environment: dict[str, str], tmp_path: Path) -> Running:
    """Start `flask --app wsgi <args>` in a process of its own, with `environment` added."""
    context = multiprocessing.get_context("fork")
    go = context.Event()
    go.set()
    output = tmp_path / f"{args[0]}-{os.getpid()}-{len(list(tmp_path.iterdir()))}.out"
    process = context.Process(target=_run, args=(args, environment, str(output), go))
    process.start()
    return Running(process, output)


def wait_for(condition: Callable[[], bool], timeout: float = 90) -> bool:
    """Whether `condition` came true within `timeout` seconds (asked every tenth of a second), as
    another process or thread goes about its work."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
