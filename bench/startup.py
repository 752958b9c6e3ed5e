"""How long the app takes to start, against the framework's floor: `python bench/startup.py`.

Times `python -c "import wsgi"` (the app's code imported and `create_app()` run, what gunicorn
does in each worker and `flask --app wsgi ...` in each command) `--runs` times, each beside the
floor `python -c "import flask"`, runs interleaved so both see the same load on the machine, with
an SQLite database of its own. Printed: the median wall time and CPU time of each, and the target
(the app's median wall time <= 0.6 s). The machine's load average is printed beside the figures:
on a shared machine they move with it. With PYTHONDONTWRITEBYTECODE set, Python compiles the
app's modules on every start (no .pyc is kept), which the output says, as it costs about 0.1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.6
PROGRAMS = {"import wsgi": "import wsgi", "import flask (floor)": "import flask"}


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def start(code: str, environment: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one `python -c code`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(directory) / 'startup.db'}",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "startup-bench"),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        # One start of each first, untimed: it fills the OS's file cache (and writes the .pyc
        # files, where Python keeps them), as a deployed worker finds them.
        for code in PROGRAMS.values():
            start(code, environment)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in PROGRAMS}
        for _ in range(arguments.runs):
            for name, code in PROGRAMS.items():
                times[name].append(start(code, environment))

    print(load_average())
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("PYTHONDONTWRITEBYTECODE is set: the app's modules are compiled on every start")
    for name, runs in times.items():
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        print(f"{name:<22} median of {len(runs)}: wall {wall:.3f} s, CPU {cpu:.3f} s")
    app_wall = statistics.median(run[0] for run in times["import wsgi"])
    verdict = "met" if app_wall <= TARGET_SECONDS else "NOT met"
    print(f"target: import wsgi <= {TARGET_SECONDS} s wall: {verdict} ({app_wall:.3f} s)")
    print(load_average())


if __name__ == "__main__":
    main()
