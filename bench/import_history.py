"""Time the history import on a generated file: `python bench/import_history.py --loops 20000
[--database-url postgresql://...]`.

Generates the CSV into a temporary directory, then imports it into a fresh SQLite database there
and, with --database-url (which must point at an EMPTY database), into that one too. Each import
runs in a process of its own, started for it, so that its peak memory is its own: the figures
are the seconds (and this process's CPU seconds), loops and rows per second, and the peak memory
growth (the process's peak resident size during the import, less its size when the import
began) against the file's size, each beside its target (at most 8 s, at most 3 times the file).
The floor, measured in the same run, is reading the file's rows with the csv module and nothing
else. The load average is printed with the figures: on a shared machine wall times swing.

`time_import` is reusable by other benchmarks (bench/calibration.py): it imports in-process.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: `barraiser` without installing it

from barraiser import create_app  # noqa: E402
from barraiser.cli import upgrade_and_seed  # noqa: E402
from barraiser.clock import system_now  # noqa: E402
from barraiser.demo.synthetic_history import write_history_csv  # noqa: E402
from barraiser.extensions import db  # noqa: E402
from barraiser.history.services import import_history  # noqa: E402

TARGET_SECONDS = 8.0
TARGET_MEMORY_RATIO = 3.0


@dataclass(frozen=True)
class ImportTiming:
    loops: int
    rows: int
    generate_seconds: float
    import_seconds: float
    import_cpu_seconds: float
    """This process's CPU time during the import: steadier than the wall clock on a busy machine
    (the database is SQLite in-process; a PostgreSQL server's own work is not counted)."""
    memory_growth_bytes: int = 0
    file_bytes: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.import_seconds if self.import_seconds else 0.0

    @property
    def loops_per_second(self) -> float:
        return self.loops / self.import_seconds if self.import_seconds else 0.0

    @property
    def memory_ratio(self) -> float:
        return self.memory_growth_bytes / self.file_bytes if self.file_bytes else 0.0


def time_import(
    n_loops: int, *, seed: int = 0, workdir: Path, database_url: str | None = None
) -> ImportTiming:
    """Generate `n_loops` loops into `workdir`, import them into a fresh database, time both.

    The app (with its data) stays usable afterwards: call `bench_app(workdir, database_url)`
    again to build it on the same database, e.g. to time the report over the imported history.
    """
    csv_path = workdir / "history.csv"
    started = time.perf_counter()
    rows = write_history_csv(csv_path, n_loops, seed=seed)
    generated = time.perf_counter() - started
    timing = import_file(csv_path, n_loops, workdir=workdir, database_url=database_url)
    return ImportTiming(**{**asdict(timing), "rows": rows, "generate_seconds": generated})


def import_file(
    csv_path: Path, n_loops: int, *, workdir: Path, database_url: str | None = None
) -> ImportTiming:
    """Import the CSV at `csv_path` (of `n_loops` loops) into a fresh database, streamed from
    the file as `flask import-history` reads it."""
    app = bench_app(workdir, database_url)
    with app.app_context():
        upgrade_and_seed()
        gc.collect()
        resident = _resident_bytes()
        started, started_cpu = time.perf_counter(), time.process_time()
        with csv_path.open("rb") as file:
            summary = import_history(file, file_name=csv_path.name, now=system_now())
        db.session.commit()
        imported = time.perf_counter() - started
        imported_cpu = time.process_time() - started_cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    if summary.loops != n_loops:
        raise SystemExit(f"expected {n_loops} new loops, imported {summary.loops}")
    return ImportTiming(
        loops=n_loops,
        rows=summary.rows,
        generate_seconds=0.0,
        import_seconds=imported,
        import_cpu_seconds=imported_cpu,
        memory_growth_bytes=max(0, peak - resident),
        file_bytes=csv_path.stat().st_size,
    )


def _resident_bytes() -> int:
    """The process's resident size now (its peak so far where /proc cannot tell)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return pages * os.sysconf("SC_PAGE_SIZE")


def bench_app(workdir: Path, database_url: str | None = None):
    return create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{workdir / 'bench.db'}",
        }
    )


def _floor_seconds(csv_path: Path) -> float:
    """Reading the file's rows with the csv module, and nothing else."""
    started = time.perf_counter()
    with csv_path.open(encoding="utf-8", newline="") as file:
        for _ in csv.reader(file):
            pass
    return time.perf_counter() - started


def _in_own_process(
    csv_path: Path, n_loops: int, workdir: Path, database_url: str | None
) -> ImportTiming:
    command = [sys.executable, __file__, "--import-file", str(csv_path), "--loops", str(n_loops)]
    command += ["--workdir", str(workdir)]
    if database_url:
        command += ["--database-url", database_url]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise SystemExit(finished.stderr)
    return ImportTiming(**json.loads(finished.stdout.strip().splitlines()[-1]))


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _report(name: str, timing: ImportTiming, load_before: str) -> None:
    seconds_ok = "met" if timing.import_seconds <= TARGET_SECONDS else "MISSED"
    memory_ok = "met" if timing.memory_ratio <= TARGET_MEMORY_RATIO else "MISSED"
    print(f"{name}:")
    print(
        f"  imported in:  {timing.import_seconds:.1f} s ({timing.import_cpu_seconds:.1f} s CPU"
        f" here); target <= {TARGET_SECONDS:.0f} s: {seconds_ok}"
    )
    print(f"  loops/s:      {timing.loops_per_second:,.0f}")
    print(f"  rows/s:       {timing.rows_per_second:,.0f}")
    print(
        f"  peak memory:  +{timing.memory_growth_bytes / 1e6:.0f} MB = "
        f"{timing.memory_ratio:.1f} x the file; target <= {TARGET_MEMORY_RATIO:.0f} x: {memory_ok}"
    )
    print(f"  load average: {load_before} before, {_load()} after (1, 5, 15 min)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database to time beside SQLite")
    parser.add_argument("--import-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.import_file:  # one import, in a process of its own (see _in_own_process)
        timing = import_file(
            args.import_file, args.loops, workdir=args.workdir, database_url=args.database_url
        )
        print(json.dumps(asdict(timing)))
        return

    with tempfile.TemporaryDirectory(prefix="barraiser-bench-") as directory:
        workdir = Path(directory)
        csv_path = workdir / "history.csv"
        started = time.perf_counter()
        rows = write_history_csv(csv_path, args.loops, seed=args.seed)
        generated = time.perf_counter() - started
        size = csv_path.stat().st_size
        print(f"loops:        {args.loops}")
        print(f"rows:         {rows}")
        print(f"file:         {size / 1e6:.1f} MB, generated in {generated:.1f} s")
        print(f"floor:        {_floor_seconds(csv_path):.2f} s to read its rows with csv alone")
        targets = [("SQLite", None)]
        if args.database_url:
            targets.append(("PostgreSQL", args.database_url))
        for name, url in targets:
            load_before = _load()
            timing = _in_own_process(csv_path, args.loops, workdir, url)
            _report(name, timing, load_before)


if __name__ == "__main__":
    main()
