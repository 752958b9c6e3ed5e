"""The benchmarks in bench/ run: each is started as a user would start it, at a size small enough
for the suite, and must finish and print its figures. (Their timings are never asserted: speed is
what they print, beside the machine's load.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize(
    ("script", "arguments", "printed"),
    [
        ("calibration.py", ["--loops", "30", "--repeat", "1"], ("cache hit:", "model fit:")),
        ("import_history.py", ["--loops", "30"], "imported in:"),
        ("calibration_page.py", ["--loops", "30", "--repeat", "1"], "busiest interviewer:"),
        ("pages.py", ["--quick"], "/floor"),
        ("startup.py", ["--runs", "1"], "import flask (floor)"),
        ("pages.py", ["--quick", "--demo-size", "--only", "loop list"], ("interleaved",)),
    ],
)
def test_a_benchmark_runs_and_prints_its_figures(script, arguments, printed):
    finished = subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    for figure in (printed,) if isinstance(printed, str) else printed:
        assert figure in finished.stdout
    assert "load average:" in finished.stdout or "rows/s:" in finished.stdout
