"""Writing many rows at once, fast: each table's rows go in as plain tuples in batches, through
COPY on PostgreSQL (in its binary format where every column allows) and one prepared INSERT run
over many rows (executemany) on SQLite; no ORM object per row, no statement compiled per row.
Ids are handed out before the rows go in, so children follow their parents without a read back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from itertools import islice, repeat
from queue import Full, Queue
from typing import Any, TypeVar

import sqlalchemy as sa

from ..changes import REPORT_DATA, bump
from ..database import UTCDateTime
from ..extensions import db

T = TypeVar("T")
MOMENTS_REMEMBERED = 16_384


class Rows:
    """One table's INSERT, prepared once for rows given as tuples in the order of `names`.

    Each value is turned into what the database takes as SQLAlchemy would bind it (the columns'
    types), and the columns' Python-side defaults fill the columns not named. Values are turned
    a column at a time (map over the column), not a row at a time.
    """

    def __init__(self, writer: BulkWriter, table: sa.Table, names: Sequence[str]) -> None:
        self.writer = writer
        dialect = writer.dialect
        defaults = [
            column
            for column in table.columns
            if column.name not in names and column.default is not None
        ]
        self.processors = [_processor(table.c[name].type, writer) for name in names]
        self.defaults: list[tuple[Any, Callable[[Any], Any]]] = [
            (column.default, _processor(column.type, writer) or _same) for column in defaults
        ]
        all_names = [*names, *(column.name for column in defaults)]
        preparer = dialect.identifier_preparer
        columns = ", ".join(preparer.quote(name) for name in all_names)
        quoted_table = preparer.format_table(table)
        self.binary_types = _binary_types(table, all_names) if writer.postgres else None
        if writer.postgres and self.binary_types is not None:
            self.statement = f"COPY {quoted_table} ({columns}) FROM STDIN (FORMAT BINARY)"
        elif writer.postgres:
            self.statement = f"COPY {quoted_table} ({columns}) FROM STDIN"
        else:
            marks = ", ".join("?" for _ in all_names)
            self.statement = f"INSERT INTO {quoted_table} ({columns}) VALUES ({marks})"

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        prepared: list[Any] = list(rows)
        if not prepared:
            return
        if self.defaults or any(self.processors):
            count = len(prepared)
            columns: list[Iterable[Any]] = [
                column if process is None else map(process, column)
                for column, process in zip(
                    zip(*prepared, strict=True), self.processors, strict=True
                )
            ]
            for default, process in self.defaults:
                if default.is_callable:
                    columns.append([process(default.arg(None)) for _ in range(count)])
                else:
                    columns.append(repeat(process(default.arg), count))
            prepared = list(zip(*columns, strict=True))
        self.writer.batches += 1
        if self.writer.postgres:
            self.writer.copy(self.statement, prepared, self.binary_types)
        else:
            self.writer.dbapi.executemany(self.statement, prepared)


# PostgreSQL's types of the columns an import writes, for COPY in its binary format: the
# server reads each value as it is stored, parsing no text.
_BINARY_TYPES = {
    sa.Integer: "int4",
    sa.Boolean: "bool",
    sa.Date: "date",
    sa.Text: "text",
    sa.String: "varchar",
}


def _binary_types(table: sa.Table, names: Sequence[str]) -> list[str] | None:
    """Each column's type for a binary COPY, or None if any is not one of _BINARY_TYPES."""
    types = []
    for name in names:
        kind = table.c[name].type
        if isinstance(kind, UTCDateTime):
            types.append("timestamptz")
            continue
        found = next(
            (pg for sa_type, pg in _BINARY_TYPES.items() if isinstance(kind, sa_type)), None
        )
        if found is None or isinstance(kind, sa.BigInteger | sa.SmallInteger):
            return None
        types.append(found)
    return types


def _same(value: Any) -> Any:
    return value


def _processor(kind: Any, writer: BulkWriter) -> Callable[[Any], Any] | None:
    dialect = writer.dialect
    if isinstance(kind, UTCDateTime):
        if dialect.name == "sqlite":
            return writer.moment
        # psycopg sends an aware datetime as it is, which is all the type makes of it there;
        # every moment of a history is aware (history.row reads them so).
        return None
    process = kind._cached_bind_processor(dialect)
    if process is None:
        return None
    # A type of a few values (an enum, a boolean) is turned once per value, then looked up.
    if isinstance(kind, sa.Enum):
        values: list[Any] = [None, *kind.enum_class]  # type: ignore[misc]
    elif isinstance(kind, sa.Boolean):
        values = [None, False, True]
    else:
        return process
    return {value: process(value) for value in values}.__getitem__


def _sqlite_moment(dialect: Any) -> Callable[[Any], Any]:
    """An aware datetime as SQLite stores it: the text SQLAlchemy writes, made by isoformat (a
    fraction of the time). Checked against SQLAlchemy's own, which is used if they ever differ."""
    slow = UTCDateTime()._cached_bind_processor(dialect)
    # An interview's moments come back in several columns and tables (its feedback's created,
    # updated and submitted at once; its due time in both): each is turned into text once.
    memo: dict[datetime, str] = {}

    def fast(value: datetime | None) -> str | None:
        if value is None:
            return None
        text = memo.get(value)
        if text is None:
            if len(memo) >= MOMENTS_REMEMBERED:
                memo.clear()
            utc = value if value.tzinfo is UTC else value.astimezone(UTC)
            text = memo[value] = utc.isoformat(" ", "microseconds")[:-6]  # without "+00:00"
        return text

    samples = (
        datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
        datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=-5))),
    )
    if slow is not None and all(fast(sample) == slow(sample) for sample in samples):
        return fast
    return slow or (lambda value: value)


class BulkWriter:
    """The transaction's bare connection, and the ids it hands out."""

    def __init__(self) -> None:
        # The writes below bypass the session, so the report's data is marked changed here; on
        # SQLite this first write also takes the write lock, before any id is handed out.
        bump(REPORT_DATA)
        connection = db.session.connection()
        self.dialect = connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        self.dbapi: Any = connection.connection.dbapi_connection
        self.moment = _sqlite_moment(self.dialect) if not self.postgres else None
        self.batches = 0
        self._next_ids: dict[str, int] = {}
        self._sequences: dict[str, str] = {}
        self._tables: dict[tuple[str, tuple[str, ...]], Rows] = {}

    def rows(self, table: sa.Table, names: Sequence[str]) -> Rows:
        key = (table.name, tuple(names))
        if key not in self._tables:
            self._tables[key] = Rows(self, table, names)
        return self._tables[key]

    def new_ids(self, table: sa.Table, count: int) -> Sequence[int]:
        """`count` ids for new rows of `table`, no other transaction's."""
        return self.new_ids_of(count, table)[0]

    def new_ids_of(self, count: int, *tables: sa.Table) -> list[Sequence[int]]:
        """`count` new ids for each of `tables`, in one statement on PostgreSQL."""
        if count == 0:
            return [[] for _ in tables]
        if self.postgres:
            sequences = [self._sequence(table) for table in tables]
            calls = ", ".join("nextval(%s)" for _ in sequences)
            with self.dbapi.cursor() as cursor:
                cursor.execute(f"SELECT {calls} FROM generate_series(1, %s)", [*sequences, count])
                return [list(ids) for ids in zip(*cursor.fetchall(), strict=True)]
        return [self._sqlite_ids(table, count) for table in tables]

    def _sequence(self, table: sa.Table) -> str:
        if table.name not in self._sequences:
            self._sequences[table.name] = db.session.execute(
                sa.select(sa.func.pg_get_serial_sequence(table.name, "id"))
            ).scalar_one()
        return self._sequences[table.name]

    def _sqlite_ids(self, table: sa.Table, count: int) -> Sequence[int]:
        # SQLite gives a new row the largest id plus one; this transaction holds the write lock,
        # so no other takes these ids before it commits.
        first = self._next_ids.get(table.name)
        if first is None:
            first = (
                1
                + db.session.execute(
                    sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))
                ).scalar_one()
            )
        self._next_ids[table.name] = first + count
        return range(first, first + count)

    def copy(self, statement: str, rows: list[Any], types: list[str] | None) -> None:
        with self.dbapi.cursor() as cursor, cursor.copy(statement) as copy:
            if types is not None:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)


IMPORT_LOCK_KEY = 0x4272_4869_7374  # "BrHist": imports of history, one at a time
"""PostgreSQL: the transaction-level advisory lock every import takes before it reads what is
there, so that two imports at once run one after the other (the second then skips the loops
the first wrote) and never wait for each other's tables."""


def one_import_at_a_time() -> None:
    """Wait for any other import on PostgreSQL to end; held until this transaction ends. (On
    SQLite an import holds the database's write lock, which does the same.)"""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(IMPORT_LOCK_KEY)))


@contextmanager
def foreign_keys_checked_at_end(tables: Sequence[sa.Table]) -> Iterator[None]:
    """PostgreSQL: the foreign keys of `tables` checked once, over the whole tables, after the
    rows are written, rather than row by row as they are (PostgreSQL's advice for a bulk load).

    Row by row, the server runs a lookup in the parent table for every key of every row: at
    20,000 loops (half a million rows) that is half the import. Here the keys are dropped, the
    rows written, and the keys added again as they were, which checks each one in a single
    join; a row without its parent fails that check and the transaction with it, so nothing
    is ever committed unchecked. The price: the tables are locked (ACCESS EXCLUSIVE) until the
    transaction ends, so pages that read them wait for the import. Meant for a load that at
    least doubles the tables (`write.py` decides); a small import is cheaper row by row.
    """
    connection = db.session.connection()
    preparer = connection.dialect.identifier_preparer
    names = [preparer.format_table(table) for table in tables]
    # Read from the database, not the models: dropped and added back exactly as they are.
    keys = connection.execute(
        sa.text(
            "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid), "
            "confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS regclass[])) "
            "ORDER BY conrelid::regclass::text, conname"
        ),
        {"tables": names},
    ).all()
    # Every lock up front, before any table is changed: the parents as adding a key back
    # locks them (writes to them wait, reads do not), then the tables themselves.
    parents = sorted({parent for *_, parent in keys} - set(names))
    if parents:
        connection.exec_driver_sql(f"LOCK TABLE {', '.join(parents)} IN SHARE ROW EXCLUSIVE MODE")
    connection.exec_driver_sql(f"LOCK TABLE {', '.join(names)} IN ACCESS EXCLUSIVE MODE")
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, name, definition, _ in keys:
        by_table.setdefault(table, []).append((name, definition))
    # Should the import fail, the keys are back and its rows gone before the error reaches the
    # caller, whatever the caller then does with the transaction.
    connection.exec_driver_sql("SAVEPOINT keys_checked_at_end")
    try:
        for table, constraints in by_table.items():
            drops = ", ".join(f"DROP CONSTRAINT {name}" for name, _ in constraints)
            connection.exec_driver_sql(f"ALTER TABLE {table} {drops}")
        yield
        for table, constraints in by_table.items():
            adds = ", ".join(f"ADD CONSTRAINT {name} {text}" for name, text in constraints)
            connection.exec_driver_sql(f"ALTER TABLE {table} {adds}")
    except BaseException:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT keys_checked_at_end")
        raise
    connection.exec_driver_sql("RELEASE SAVEPOINT keys_checked_at_end")


def table_of(model: type) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined]


def in_batches(items: Iterator[T], size: int) -> Generator[list[T], None, None]:
    while batch := list(islice(items, size)):
        yield batch


def read_ahead(batches: Iterator[T], depth: int = 2) -> Generator[T, None, None]:
    """`batches`, made by a thread of its own up to `depth` ahead of the one being written.

    So the file is read again (and its rows turned into records) while PostgreSQL's server
    writes the batch before, checking its foreign keys at the end of each COPY while this process
    only waits. (Not on SQLite: it runs in this process, and takes Python's lock back for every
    row, so a second thread slows it down.) Only this thread touches `batches`, and it never
    touches the session. An error in the thread is raised here; leaving early stops the thread.
    """
    queue: Queue[tuple[Any, BaseException | None]] = Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item: tuple[Any, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put((batch, None)):
                    return
            put((done, None))
        except BaseException as error:  # handed to the writer, raised there
            put((None, error))
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="history-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            batch, error = queue.get()
            if error is not None:
                raise error
            if batch is done:
                return
            yield batch
    finally:
        stop.set()
        thread.join()


@contextmanager
def indexes_built_at_end(tables: Sequence[sa.Table]) -> Iterator[None]:
    """SQLite: the plain indexes of `tables` built once, over the whole tables, after the rows
    are written, rather than kept up to date row by row as they are (SQLite's advice for a bulk
    load). At 20,000 loops the loop table's eleven indexes triple the cost of writing its rows.

    Only indexes made with CREATE INDEX and not UNIQUE are dropped: a unique one is a rule the
    rows must keep as they go in. They are made again from their own text, as they were. The
    import holds the database's write lock throughout and readers keep reading their snapshot,
    indexes and all, until it commits. Should it fail, the indexes are back and its rows gone
    before the error reaches the caller, whatever the caller then does with the transaction.
    """
    connection = db.session.connection()
    definitions: list[tuple[str, str]] = []
    for table in tables:
        for _, name, unique, origin, _ in connection.exec_driver_sql(
            f"PRAGMA index_list({connection.dialect.identifier_preparer.format_table(table)})"
        ):
            if origin == "c" and not unique:
                definitions.append((name, _index_text(connection, name)))
    definitions.sort()
    preparer = connection.dialect.identifier_preparer
    connection.exec_driver_sql("SAVEPOINT indexes_built_at_end")
    try:
        for name, _ in definitions:
            connection.exec_driver_sql(f"DROP INDEX {preparer.quote(name)}")
        yield
        for _, text in definitions:
            connection.exec_driver_sql(text)
    except BaseException:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT indexes_built_at_end")
        raise
    connection.exec_driver_sql("RELEASE SAVEPOINT indexes_built_at_end")


def _index_text(connection: sa.Connection, name: str) -> str:
    return connection.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"),
        {"name": name},
    ).scalar_one()
