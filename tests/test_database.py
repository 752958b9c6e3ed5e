"""The database layer: concurrent writers queue instead of failing, times stay in UTC."""

from __future__ import annotations

import multiprocessing
import os
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.audit.services import record
from barraiser.database import read_rows
from barraiser.extensions import db


def test_concurrent_read_then_write_transactions_all_succeed(app, clock):
    """Eight writers that each read, pause and write: on SQLite a deferred transaction would
    fail with "database is locked"; every one must commit."""
    db.session.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(number: int) -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                for _ in range(5):
                    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
                    record(
                        "test.write",
                        actor=None,
                        subject="test",
                        writer=number,
                        now=clock(),
                        seen=count,
                    )
                    db.session.commit()
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    written = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.write")
    )
    assert written == 40


def test_times_round_trip_as_aware_utc(app):
    paris = timezone(timedelta(hours=1))
    event = record(
        "test.time",
        actor=None,
        subject="test",
        now=datetime(2026, 3, 2, 10, 30, tzinfo=paris),
    )
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEvent, event.id).at
    assert stored.tzinfo is not None
    assert stored == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused(app):
    record(
        "test.time",
        actor=None,
        subject="test",
        now=datetime(2026, 3, 2, 10, 30),
    )
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()
    db.session.rollback()


def _in_another_process(url: str, work: str) -> tuple[int | None, str]:
    """Run `work` ("write": insert an audit event and commit; "read": count them) on a
    connection of a process of its own, with a busy timeout of 2 s; its exit code and output."""
    context = multiprocessing.get_context("fork")
    output = context.SimpleQueue()

    def run() -> None:
        code = 1
        try:
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
            with engine.connect() as connection:
                if connection.dialect.name == "sqlite":
                    connection.exec_driver_sql("PRAGMA busy_timeout=2000")
                else:
                    connection.exec_driver_sql("SET lock_timeout = '2s'")
                connection.commit()
                if work == "write":
                    connection.execute(
                        AuditEvent.__table__.insert().values(
                            action="test.other",
                            subject_type="test",
                            at=datetime(2026, 3, 2, tzinfo=UTC),
                            details={},
                        )
                    )
                    connection.commit()
                    output.put("written")
                else:
                    count = connection.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
                    connection.rollback()
                    output.put(f"read {count}")
            code = 0
        except BaseException as error:  # reported through the output
            output.put(repr(error))
        finally:
            os._exit(code)

    process = context.Process(target=run)
    process.start()
    process.join(60)
    if process.is_alive():
        process.kill()
        process.join()
    return process.exitcode, output.get() if not output.empty() else ""


def test_a_long_reader_and_a_writer_in_another_process_do_not_wait_for_each_other(app, clock):
    """A page that reads for long (a report over years) does not hold up a writer elsewhere, and
    a writer's open transaction does not hold up a reader elsewhere: on SQLite too (WAL, and
    only a transaction that writes takes the write lock). Each other process gives up after 2 s;
    the other side's transaction stays open until it has finished."""
    url = db.engine.url.render_as_string(hide_password=False)
    record("test.before", actor=None, subject="test", now=clock())
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    db.session.commit()
    dialect = db.engine.dialect.name
    assert dialect in ("sqlite", "postgresql")

    # A reader's transaction, open: another process writes and commits meanwhile.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
    assert db.session().in_transaction()
    assert _in_another_process(url, "write") == (0, "written")
    if dialect == "sqlite":
        # The reader still reads its own snapshot, from before the write.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before + 1

    # A writer's transaction, open with a row written: another process reads meanwhile.
    record("test.uncommitted", actor=None, subject="test", now=clock())
    db.session.flush()
    assert _in_another_process(url, "read") == (0, f"read {before + 1}")
    # ...and the writer, which waited for nobody, still commits.
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before + 2


def test_a_plain_row_read_sees_the_changes_of_its_own_transaction(app, clock):
    """read_rows runs beside the session's unit of work: a change made and not yet flushed is
    flushed first, as the session's own queries would, so a page's count after a change in the
    same request counts it; under no_autoflush it is left alone, as the session would."""
    count = sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "t.seen")
    assert read_rows(count).scalar_one() == 0
    db.session.add(AuditEvent(action="t.seen", subject_type="test", at=clock(), details={}))
    with db.session.no_autoflush:
        assert read_rows(count).scalar_one() == 0
    assert read_rows(count).scalar_one() == 1
    db.session.rollback()
    assert read_rows(count).scalar_one() == 0
