"""The database layer: concurrent writers queue instead of failing, times stay in UTC."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.audit.services import record
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
