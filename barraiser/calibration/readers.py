"""The report's big statements, run side by side on connections of their own.

A report over years of history runs a few statements that each walk a hundred thousand rows
(interviews, principle assignments, loops), independent of one another. The database does the
work of a statement while Python's lock is let go (SQLite in-process, PostgreSQL in a server
process of its own), so on a machine with more than one core the statements can run at the same
time on connections of their own: the report takes about as long as its longest part rather than
the sum of them.
Measured at 20,000 loops on SQLite, cold, with a second core free: 0.63 s against 0.89 s on
one connection. On a machine with no core to spare they cost some 8% more CPU instead.

They must all read the same data, as the report's own transaction sees it:
- On SQLite (WAL), the report's transaction and every reader's begin their reads together
  while a connection of the report holds the write lock for that instant (`pinned_readers`): no
  commit can land between them, so they all read the same snapshot, and none of them holds the
  lock while the report is built (writers go on meanwhile). The report's transaction must not
  have written, nor hold the write lock (then no other connection could take it).
- On PostgreSQL, the report's transaction exports its snapshot (`pg_export_snapshot`), and
  every statement of the report runs on a connection whose transaction takes that snapshot
  (`SET TRANSACTION SNAPSHOT`): a commit landing meanwhile is invisible to all of them alike.

Reading on the report's own connection instead, one statement after the other, when:
- the transaction has written rows itself, which other connections cannot see before it commits
  (a test, or a command that changes data and reports in one transaction);
- SQLite is in memory, which other connections do not share; or the database is another one.

`CALIBRATION_READER_THREADS` sets how many statements run at once besides the caller's (0: all
on the report's own connection).
"""

from __future__ import annotations

import queue
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa

from ..database import STATEMENT_READER, holds_write_lock, wrote_in_transaction

T = TypeVar("T")
Statement = Callable[..., T]
"""A function that reads with the connection it is given first."""

SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")
"""What pg_export_snapshot returns, e.g. 00000003-0000001B-1."""


class Readers:
    """Submit statements; each runs on a reader connection of its own, or at once on the
    report's connection when reading alongside it is not safe (see the module). `connection`
    is where the caller's own statements read, the same data as the readers."""

    def __init__(
        self,
        connection: sa.Connection,
        pool: ThreadPoolExecutor | None,
        snapshot: str | None = None,
    ) -> None:
        self.connection = connection
        self.pool = pool
        self.snapshot = snapshot
        self.pinned: queue.SimpleQueue[sa.Connection] | None = None

    @property
    def side_by_side(self) -> bool:
        """Whether submitted statements run on readers, at the same time as the caller's."""
        return self.pool is not None

    def submit(self, statement: Statement[T], *args: Any) -> Future[T]:
        if self.pool is None:
            done: Future[T] = Future()
            done.set_result(statement(self.connection, *args))
            return done
        return self.pool.submit(self._on_reader, statement, *args)

    def _on_reader(self, statement: Statement[T], *args: Any) -> T:
        engine = self.connection.engine
        if self.snapshot is not None:
            with snapshot_reader(engine, self.snapshot) as reader:
                return statement(reader, *args)
        assert self.pinned is not None
        reader = self.pinned.get()  # as many as the pool's threads: one is always free
        try:
            return statement(reader, *args)
        finally:
            self.pinned.put(reader)


def can_read_alongside(connection: sa.Connection) -> bool:
    """Whether other connections can read exactly what `connection`'s transaction reads."""
    if connection.dialect.name == "postgresql":
        # A transaction gets an id when it first writes (or locks) a row.
        return bool(
            connection.exec_driver_sql("SELECT pg_current_xact_id_if_assigned() IS NULL").scalar()
        )
    url = connection.engine.url
    if connection.dialect.name != "sqlite" or not url.database or url.database == ":memory:":
        return False
    if url.query.get("mode") == "memory":
        return False
    return not wrote_in_transaction(connection) and not holds_write_lock(connection)


def without_jit(connection: sa.Connection) -> None:
    """On PostgreSQL, no JIT compilation for the rest of the connection's transaction, and room
    in memory for the report's sorts.

    The report's per-loop subqueries make the cost estimates large enough for PostgreSQL to
    compile the plans to machine code, which costs more than running them: 0.2 s of the loops
    query's 0.4 s at 20,000 loops. And its groupings of a long history sort more than the
    default 4 MB of `work_mem`, which PostgreSQL then sorts on disk; 32 MB, for this
    transaction alone, keeps them in memory."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")
        connection.exec_driver_sql("SET LOCAL work_mem = '32MB'")


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


@contextmanager
def report_readers(connection: sa.Connection, threads: int) -> Iterator[Readers]:
    """Readers for one report on `connection`, whose transaction must be open (its snapshot is
    what every reader reads); waits for every statement before returning."""
    without_jit(connection)
    if threads < 1 or not can_read_alongside(connection):
        yield Readers(connection, None)
        return
    with ExitStack() as stack:
        # Entered first, so closed last: after the pool has waited for every statement.
        pinned = (
            stack.enter_context(pinned_readers(connection, threads))
            if connection.dialect.name != "postgresql"
            else None
        )
        pool = stack.enter_context(
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="report-reader")
        )
        if pinned is not None:
            readers = Readers(connection, pool)
            readers.pinned = pinned
            yield readers
            return
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        # Where the caller's own statements read (closed before the pool waits for the rest).
        here = stack.enter_context(snapshot_reader(connection.engine, snapshot))
        yield Readers(here, pool, snapshot)


@contextmanager
def pinned_readers(connection: sa.Connection, count: int) -> Iterator[queue.SimpleQueue[Any]]:
    """`count` SQLite connections whose read transactions see the same snapshot as
    `connection`'s, which (having only read) begins its read again with them.

    Each begins its read transaction (a read of the schema page pins the snapshot) while another
    connection holds the write lock, so no commit lands in between; the lock is let go at once."""
    engine = connection.engine
    with ExitStack() as stack:
        lock = stack.enter_context(engine.connect().execution_options(**{STATEMENT_READER: True}))
        readers: queue.SimpleQueue[sa.Connection] = queue.SimpleQueue()
        lock.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            for reader in [connection] + [
                stack.enter_context(engine.connect().execution_options(**{STATEMENT_READER: True}))
                for _ in range(count)
            ]:
                dbapi_connection = reader.connection.dbapi_connection
                assert dbapi_connection is not None
                if dbapi_connection.in_transaction:
                    dbapi_connection.execute("ROLLBACK")
                dbapi_connection.execute("BEGIN")
                dbapi_connection.execute("SELECT count(*) FROM sqlite_master")
                if reader is not connection:
                    readers.put(reader)
        finally:
            lock.rollback()
        yield readers
