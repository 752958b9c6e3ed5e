"""The report's big statements, run side by side on SQLite.

A report over years of history runs a few statements that each walk a hundred thousand rows
(interviews, principle assignments, loops), independent of one another. SQLite runs a statement
on one core and lets go of Python's lock while it works, so on a machine with more than one core
the statements can run at the same time on connections of their own: the report takes about
as long as its longest part rather than the sum of them.

They must all read the same data. They do, because the report's own transaction holds SQLite's
write lock (every transaction of the app begins IMMEDIATE, `database.py`): no other connection
can commit until the report is done, so a reader that begins no transaction of its own
(`STATEMENT_READER`) sees exactly what the report's transaction sees. Two cases read on the
report's own connection instead, one statement after the other:
- the transaction has written rows itself, which other connections cannot see before it commits
  (a test, or a command that changes data and reports in one transaction);
- PostgreSQL, where readers on other connections would each take a snapshot of their own, and
  a commit landing in between would make the report's sections disagree; and an in-memory
  SQLite database, which other connections do not share.

`CALIBRATION_READER_THREADS` sets how many statements run at once (0: all on the report's own
connection).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa

from ..database import STATEMENT_READER, wrote_in_transaction

T = TypeVar("T")
Statement = Callable[..., T]
"""A function that reads with the connection it is given first."""


class Readers:
    """Submit statements; each runs on a reader connection of its own, or at once on the
    report's connection when reading alongside it is not safe (see the module)."""

    def __init__(self, connection: sa.Connection, pool: ThreadPoolExecutor | None) -> None:
        self.connection = connection
        self.pool = pool

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
        with engine.connect().execution_options(**{STATEMENT_READER: True}) as reader:
            return statement(reader, *args)


def can_read_alongside(connection: sa.Connection) -> bool:
    """Whether other connections would read exactly what `connection`'s transaction reads."""
    url = connection.engine.url
    if connection.dialect.name != "sqlite" or not url.database or url.database == ":memory:":
        return False
    if url.query.get("mode") == "memory":
        return False
    return not wrote_in_transaction(connection)


@contextmanager
def report_readers(connection: sa.Connection, threads: int) -> Iterator[Readers]:
    """Readers for one report on `connection`, whose transaction must be open (it holds the
    write lock on SQLite); waits for every statement before returning."""
    if threads < 1 or not can_read_alongside(connection):
        yield Readers(connection, None)
        return
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="report-reader") as pool:
        yield Readers(connection, pool)
