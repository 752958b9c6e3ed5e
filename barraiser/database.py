"""Column types and engine settings shared by every slice, so SQLite and PostgreSQL behave alike."""

from __future__ import annotations

import enum
import fcntl
import re
import select
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import _OffsetLimitParam

from .extensions import db

# The largest id a row can have: ids are `integer` columns (PostgreSQL's int4). A larger number
# from a URL or a form names no row, and must not reach the database, which refuses to compare it.
MAX_ID = 2**31 - 1


def row_id(value: Any) -> int:
    """An id from a form (a select's value): a whole number 1..MAX_ID, else ValueError (which a
    field reports as an invalid choice)."""
    ident = int(value)
    if not 1 <= ident <= MAX_ID:
        raise ValueError(f"{value!r} is not an id")
    return ident


class UTCDateTime(sa.types.TypeDecorator):
    """An aware UTC datetime on the Python side on both databases.

    SQLite has no time zones; storing naive UTC and tagging it on the way out keeps comparisons
    with `now` (always aware) correct everywhere.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(enum_class: type[enum.Enum]) -> sa.Enum:
    """A portable enum column: VARCHAR plus a named CHECK, storing the member's value."""
    return sa.Enum(
        enum_class,
        name=enum_class.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # We issue BEGIN ourselves (below), so pysqlite must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def engine_options(url: str) -> dict[str, Any]:
    """The engine's pool settings for the database at `url`.

    A connection taken from the pool is checked before use, so that a database restarted or
    failed over since it was last used costs a reconnect rather than a failed request. On SQLite
    SQLAlchemy's own check (a `SELECT 1`) runs in the process and costs nothing to speak of. On
    PostgreSQL it is a round trip, and two autocommit switches, on every request: one more
    exchange with the server than the page's own BEGIN, statements and COMMIT. There the check
    below takes its place.
    """
    return {"pool_pre_ping": not url.startswith("postgresql")}


@event.listens_for(Engine, "checkout")
def _refuse_a_closed_postgresql_connection(
    dbapi_connection: Any, connection_record: Any, connection_proxy: Any
) -> None:
    """On PostgreSQL, hand out no connection the server has closed, without a round trip.

    A pooled connection sits idle between requests, and an idle connection hears nothing from a
    live server. A server that closes it (a restart, a failover, `pg_terminate_backend`, an idle
    timeout) sends its reason and then ends the connection, so the socket has something to read.
    Then the pool discards this connection and opens another (`DisconnectionError`). Anything
    else unasked for (a notice) is as rare and costs no more than one reconnect. A host gone
    without a word is found no sooner by a ping, which then waits for TCP to give up too.
    """
    if not hasattr(dbapi_connection, "pgconn"):  # not psycopg: SQLite keeps its pre-ping
        return
    if dbapi_connection.closed or dbapi_connection.broken:
        raise sa.exc.DisconnectionError("the connection was closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise sa.exc.DisconnectionError("the server spoke to an idle connection: it closed it")


STATEMENT_READER = "barraiser_statement_reader"
"""Execution option for a SQLite connection that only reads and manages its transaction itself:
the app begins none for it (`calibration.readers` begins read transactions on such connections
and pins their snapshot)."""

# Statements that change the database, or open a savepoint (which a write follows), on SQLite.
_WRITES = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|SAVEPOINT|VACUUM|REINDEX|ANALYZE)\b",
    re.IGNORECASE,
)


@event.listens_for(Engine, "begin")
def _begin_deferred_on_sqlite(connection: sa.Connection) -> None:
    """Begin a read transaction on SQLite: in WAL mode any number of them read beside a writer,
    each from the snapshot of its first read. The write lock is taken only when the transaction
    is about to write (`_take_write_lock_before_writing`)."""
    if connection.dialect.name != "sqlite" or connection.get_execution_options().get(
        STATEMENT_READER
    ):
        return
    connection.exec_driver_sql("BEGIN")
    connection.info["writing"] = False
    # To tell later whether this transaction has written anything (`wrote_in_transaction`).
    connection.info["changes_at_begin"] = _total_changes(connection)


@event.listens_for(Engine, "before_cursor_execute")
def _take_write_lock_before_writing(
    connection: sa.Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> None:
    """Before a SQLite transaction's first write (or SELECT … FOR UPDATE, or savepoint), take
    the write lock, waiting for it on the busy timeout. (On PostgreSQL: note a statement that
    is not a read, below.)

    A read transaction cannot simply go on to write: if another connection committed since its
    snapshot was taken, SQLite refuses the write at once ("database is locked"), whatever the busy
    timeout, so concurrent read-then-write requests would fail. Instead the transaction, which has
    written nothing yet, ends its read and begins again with BEGIN IMMEDIATE, queueing behind any
    writer. From then on it reads what is committed now, as a transaction on PostgreSQL (READ
    COMMITTED) does after waiting for a row lock: whatever it read before and means to change, it
    re-reads under the lock (`FOR UPDATE`) or checks by version (version_id_col), as it must on
    PostgreSQL too. Writers therefore still run one at a time, whole from their first write;
    readers never wait for them, nor they for readers.
    """
    info = connection.info
    if info.get(ONLY_READ) and not statement.startswith("SELECT"):
        # PostgreSQL: anything but a SELECT may have written, so the transaction ends as it
        # always did, with a rollback unless committed (`commit_what_only_read`).
        info[ONLY_READ] = False
    if info.get("writing", True) or connection.dialect.name != "sqlite":
        return
    for_update = context is not None and (
        getattr(getattr(context, "compiled", None), "statement", None) is not None
        and getattr(context.compiled.statement, "_for_update_arg", None) is not None
    )
    if not (for_update or _WRITES.match(statement)):
        return
    if connection.get_execution_options().get(STATEMENT_READER):
        raise RuntimeError("a statement reader does not write")
    dbapi_connection = cast(sqlite3.Connection, connection.connection.dbapi_connection)
    if dbapi_connection.total_changes != info.get("changes_at_begin"):
        raise RuntimeError("a SQLite transaction wrote before taking the write lock")
    if dbapi_connection.in_transaction:
        dbapi_connection.execute("ROLLBACK")  # it has only read: nothing is lost
    dbapi_connection.execute("BEGIN IMMEDIATE")
    info["writing"] = True


# PostgreSQL plans a statement anew each time it is sent as text: 2-3 ms for a page's larger
# reads, several times what running them costs. psycopg prepares a statement once a connection
# has sent it five times, and PostgreSQL then plans it once for every execution (a generic plan)
# when that plan is as good as one made for the values. Two things stand in the way, and the two
# pieces below remove them: psycopg forgets every prepared statement when a transaction rolls
# back, which is how a request's transaction used to end; and a state compared with a parameter
# leaves the planner guessing at a column whose values are very unevenly spread (a few loops
# scheduled, thousands decided), so the generic plan loses to the planned-each-time one.

ONLY_READ = "barraiser_only_read"
"""Connection info key: the PostgreSQL transaction open on it has run nothing but SELECTs."""


@event.listens_for(Engine, "begin")
def _begin_reading_on_postgresql(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.info[ONLY_READ] = True


def commit_what_only_read(exception: BaseException | None) -> None:
    """At the end of a request (or a command), commit its PostgreSQL transaction if all it ran
    was SELECTs and no change is pending, rather than roll it back: the outcome is the same, and
    the connection keeps its prepared statements for the next request. Whatever may have written,
    or failed, is left to the rollback that closing the session does."""
    registry = db.session.registry
    if exception is not None or not registry.has():
        return
    session = registry()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if session.get_bind().dialect.name != "postgresql":
        return
    if session.connection().info.get(ONLY_READ):
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:  # rows read stay as read, as after the rollback (tests and commands use them after)
            session.commit()
        finally:
            session.expire_on_commit = expire


@compiles(BindParameter, "postgresql")
def _state_written_into_the_statement(
    element: BindParameter[Any], compiler: sa.sql.compiler.SQLCompiler, **kw: Any
) -> str:
    """A state or other enum value compared in a read, and a LIMIT or OFFSET given as a number,
    are written into the statement's text on PostgreSQL (`loop.state = 'scheduled'`, `LIMIT
    10`), so that the prepared statement's one plan is made knowing them. Such a statement has
    as many texts as the values compared and pages read, a handful. In an INSERT, UPDATE or
    DELETE every value stays a parameter."""
    if isinstance(element, _OffsetLimitParam) or (
        isinstance(element.type, sa.Enum)
        and not (compiler.isinsert or compiler.isupdate or compiler.isdelete)
    ):
        kw["literal_execute"] = True
    return compiler.visit_bindparam(element, **kw)


def holds_write_lock(connection: sa.Connection) -> bool:
    """Whether the SQLite transaction open on `connection` has taken the write lock."""
    return bool(connection.info.get("writing"))


def wrote_in_transaction(connection: sa.Connection) -> bool:
    """Whether the SQLite transaction open on `connection` has changed any row so far (rows
    that other connections cannot see until it commits)."""
    return _total_changes(connection) != connection.info.get("changes_at_begin")


def _total_changes(connection: sa.Connection) -> int:
    """SQLite's count of rows changed on this connection since it opened."""
    return cast(sqlite3.Connection, connection.connection.dbapi_connection).total_changes


def read_rows(
    statement: sa.Executable, parameters: Mapping[str, Any] | None = None
) -> sa.CursorResult[*tuple[Any, ...]]:
    """Plain rows of a read (columns, not entities), run in the session's transaction on its
    connection. A column select through `Session.execute` takes the ORM's path for each statement
    (compile state, loading, identity map) and costs 3-4 times the query itself; a page's reads
    that need no entities come here. Pending changes are flushed first, as the session's
    autoflush would, so a read after a change in the same transaction sees it."""
    session = db.session
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, parameters)


def count_by(column: sa.orm.InstrumentedAttribute, ids: list[int]) -> dict[int, int]:
    """How many rows of `column`'s table each of `ids` has (e.g. loops by Loop.candidate_id)."""
    if not ids:
        return {}
    query = sa.select(column, sa.func.count()).where(column.in_(ids)).group_by(column)
    return {key: count for key, count in db.session.execute(query)}


def mark_changed(row: Any) -> None:
    """Have the next flush UPDATE `row` although none of its own columns changed (only rows that
    hang off it did: a loop's interviews, a draft's ratings), so that its version_id_col moves on
    and a writer or a page holding the old version is refused."""
    mapper = sa.inspect(row).mapper
    key = next(
        prop.key
        for prop in mapper.column_attrs
        if not any(column.primary_key or column is mapper.version_id_col for column in prop.columns)
    )
    flag_modified(row, key)


# Held by whoever changes the schema (`flask init`, `flask demo`): any number may run it at once.
SCHEMA_LOCK_KEY = 0x6261725261697365  # "barRaise", an arbitrary constant of PostgreSQL's bigint


@contextmanager
def schema_lock() -> Iterator[None]:
    """Run the body alone among every process that takes this lock on this database.

    PostgreSQL: a session-level advisory lock on a connection of its own, so the migrations and
    the seed may use any other connections meanwhile; released before the connection goes back
    to the pool. SQLite: an exclusive lock on a file beside the database (the database's own lock
    cannot be held across Alembic's connections without blocking them); an in-memory database
    belongs to one process and needs none.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            key = {"key": SCHEMA_LOCK_KEY}
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), key)
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), key)
        return
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    with open(f"{path}.schema-lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
