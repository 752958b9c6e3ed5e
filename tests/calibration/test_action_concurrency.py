"""Two inspectors saving the same action item at once: exactly one save wins, the other is told
(409) and changes nothing, so no edit is lost unseen. Each save runs in its own thread, app
context, session and connection, as two requests would (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import concurrency
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import User
from barraiser.calibration.actions import create_action, update_action
from barraiser.calibration.models import ActionItem, ActionStatus
from barraiser.errors import Conflict
from barraiser.extensions import db

DUE = date(2026, 3, 20)


def _both_read(app) -> Callable[[], None]:
    """Hold each save until both have read the action, so that both act on version 1: the
    interleaving that lost an update on PostgreSQL. (On SQLite a transaction holds the write lock
    from its first read, so the second save reads only after the first committed.)"""
    barrier = threading.Barrier(2)
    with app.app_context():
        on_postgres = db.engine.dialect.name == "postgresql"
    return lambda: barrier.wait(timeout=30) if on_postgres else None


def test_two_saves_of_one_action_at_once_one_wins_and_the_other_gets_a_conflict(
    app, login_as, clock
):
    inspector = login_as("inspector").user
    action = create_action(
        subject_email=inspector.email,
        reason="Panel1 flagged as lenient.",
        owner_id=inspector.id,
        due_on=DUE,
        actor=inspector,
        now=clock(),
    )
    db.session.commit()
    action_id, inspector_id = action.id, inspector.id
    both_read = _both_read(app)

    def save(status: ActionStatus, notes: str) -> Callable[[], bool]:
        def attempt() -> bool:
            mine = db.session.get(ActionItem, action_id)
            assert mine is not None
            both_read()
            return update_action(
                mine,
                status=status,
                owner_id=inspector_id,
                due_on=DUE,
                notes=notes,
                version=1,  # both pages were opened on version 1
                actor=db.session.get(User, inspector_id),
                now=clock(),
            )

        return attempt

    results = concurrency.race(
        app, save(ActionStatus.IN_PROGRESS, "first"), save(ActionStatus.CLOSED, "second")
    )

    winners = [index for index, result in enumerate(results) if result is True]
    refused = [result for result in results if isinstance(result, Conflict)]
    assert len(winners) == 1 and len(refused) == 1, results
    assert refused[0].status == 409
    assert "Someone changed this action" in refused[0].message
    stored = db.session.scalars(
        sa.select(ActionItem).execution_options(populate_existing=True)
    ).one()
    expected = [(ActionStatus.IN_PROGRESS, "first"), (ActionStatus.CLOSED, "second")][winners[0]]
    assert (stored.status, stored.notes, stored.version) == (*expected, 2)
    saved_events = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action.in_(("action.updated", "action.closed")))
    )
    assert saved_events == 1
