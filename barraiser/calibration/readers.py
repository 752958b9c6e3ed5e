"""The connection the report's statements read on: one that sees exactly what the report's
transaction sees, from the report's first statement to its last, so that no section counts a
loop one way while another counts it the other.

- On SQLite, the report's own connection: its transaction holds the write lock (every
  transaction of the app begins IMMEDIATE, `database.py`), so nothing commits meanwhile.
- On PostgreSQL each statement sees what was committed before it started (READ COMMITTED). So
  the report's transaction exports its snapshot (`pg_export_snapshot`) and the statements run on
  a connection whose transaction takes that snapshot (`SET TRANSACTION SNAPSHOT`): a commit
  landing meanwhile is invisible to all of them alike. Unless the transaction has written rows
  itself (a test, or a command that changes data and reports in one transaction), which another
  connection cannot see before it commits: then the report reads on its own connection.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")
"""What pg_export_snapshot returns, e.g. 00000003-0000001B-1."""


@contextmanager
def report_connection(connection: sa.Connection) -> Iterator[sa.Connection]:
    """Where the report reads, given the session's `connection` (its transaction open)."""
    without_jit(connection)
    if connection.dialect.name != "postgresql" or has_written(connection):
        yield connection
        return
    snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    with snapshot_reader(connection.engine, snapshot) as reader:
        yield reader


def has_written(connection: sa.Connection) -> bool:
    """Whether the PostgreSQL transaction on `connection` has written (or locked) a row: it
    gets an id when it first does."""
    return not connection.exec_driver_sql(
        "SELECT pg_current_xact_id_if_assigned() IS NULL"
    ).scalar()


def without_jit(connection: sa.Connection) -> None:
    """On PostgreSQL, no JIT compilation for the rest of the connection's transaction.

    The report's per-loop subqueries make the cost estimates large enough for PostgreSQL to
    compile the plans to machine code, which costs more than running them: 0.2 s of the loops
    query's 0.4 s at 20,000 loops."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")


@contextmanager
def snapshot_reader(engine: sa.Engine, snapshot: str) -> Iterator[sa.Connection]:
    """A PostgreSQL connection whose read-only transaction sees the exported `snapshot`."""
    if not SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as reader:
        # Before any query of the transaction; the id cannot be a bound parameter here.
        reader.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        reader.exec_driver_sql("SET TRANSACTION READ ONLY")
        without_jit(reader)
        try:
            yield reader
        finally:
            reader.rollback()
