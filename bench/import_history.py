"""Time the history import on a generated file: `python bench/import_history.py --loops 20000`.

Generates the CSV into a temporary directory, builds the app on a fresh SQLite database there (or
on --database-url, which must point at an empty database), imports, and prints rows, seconds and
rows per second. `time_import` is reusable by other benchmarks (bench/calibration.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: `barraiser` without installing it

from barraiser import create_app  # noqa: E402
from barraiser.cli import upgrade_and_seed  # noqa: E402
from barraiser.clock import system_now  # noqa: E402
from barraiser.demo.synthetic_history import write_history_csv  # noqa: E402
from barraiser.extensions import db  # noqa: E402
from barraiser.history.services import import_history  # noqa: E402


@dataclass(frozen=True)
class ImportTiming:
    loops: int
    rows: int
    generate_seconds: float
    import_seconds: float
    import_cpu_seconds: float
    """This process's CPU time during the import: steadier than the wall clock on a busy machine
    (the database is SQLite in-process; a PostgreSQL server's own work is not counted)."""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.import_seconds if self.import_seconds else 0.0


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

    app = bench_app(workdir, database_url)
    with app.app_context():
        upgrade_and_seed()
        data = csv_path.read_bytes()
        started, started_cpu = time.perf_counter(), time.process_time()
        summary = import_history(data, file_name=csv_path.name, now=system_now(), progress=None)
        db.session.commit()
        imported = time.perf_counter() - started
        imported_cpu = time.process_time() - started_cpu
    if summary.loops != n_loops:
        raise SystemExit(f"expected {n_loops} new loops, imported {summary.loops}")
    return ImportTiming(
        loops=n_loops,
        rows=rows,
        generate_seconds=generated,
        import_seconds=imported,
        import_cpu_seconds=imported_cpu,
    )


def bench_app(workdir: Path, database_url: str | None = None):
    return create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{workdir / 'bench.db'}",
        }
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", help="an EMPTY database to use instead of SQLite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="barraiser-bench-") as directory:
        timing = time_import(
            args.loops, seed=args.seed, workdir=Path(directory), database_url=args.database_url
        )
    print(f"loops:        {timing.loops}")
    print(f"rows:         {timing.rows}")
    print(f"generated in: {timing.generate_seconds:.1f} s")
    print(f"imported in:  {timing.import_seconds:.1f} s ({timing.import_cpu_seconds:.1f} s CPU)")
    print(f"rows/s:       {timing.rows_per_second:,.0f}")


if __name__ == "__main__":
    main()
