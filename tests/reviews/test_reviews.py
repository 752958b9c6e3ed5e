"""The committee's reviews: falling due (the committee told once), the chair's open that freezes
the report for the period, the record (decisions that become actions, anecdotes never about a
loop in flight), the chair's close after which nothing changes, and the next review's changes.
A snapshot reads the same after more history is imported and after a candidate is erased."""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime

import concurrency
import pytest
import sqlalchemy as sa
from calibration.report_data import build_history_with_l5_decided
from history.files import _loop, _row
from reviews.quarter import QUARTER, quarter_with_a_lenient_panelist

from barraiser.audit.models import AuditEvent
from barraiser.calibration.models import ActionItem
from barraiser.calibration.queries import ReportFilters
from barraiser.calibration.report import calibration_report
from barraiser.domain import LoopState
from barraiser.extensions import db
from barraiser.history.services import import_history
from barraiser.loops.models import Loop
from barraiser.outbox.models import OutboxMessage
from barraiser.privacy.services import erase_candidate
from barraiser.reviews.models import Anecdote, Review, ReviewState
from barraiser.reviews.periods import latest_period
from barraiser.reviews.services import add_anecdote, queue_due_reviews

FEBRUARY = ReportFilters(since=date(2026, 2, 1), until=date(2026, 2, 28))


@pytest.fixture
def history(make_loop, clock):
    # Five decided loops in February 2026 (the clock starts on 2 March): panel1 is flagged.
    return build_history_with_l5_decided(make_loop, clock())


@pytest.mark.parametrize(
    ("today", "months", "period"),
    [
        (date(2026, 3, 2), 1, (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2026, 1, 1), 1, (date(2025, 12, 1), date(2025, 12, 31))),
        (date(2026, 5, 20), 3, (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 3, 31), 3, (date(2025, 10, 1), date(2025, 12, 31))),
        (date(2026, 7, 1), 6, (date(2026, 1, 1), date(2026, 6, 30))),
        (date(2026, 7, 1), 12, (date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
def test_a_review_covers_the_last_whole_period_of_the_cadence(today, months, period):
    assert latest_period(today, months=months) == period


def test_a_due_review_tells_the_committee_once(app, clock, user_in_role, make_user):
    inspector = user_in_role("inspector")
    user_in_role("admin")  # an admin is not on the committee unless named
    user_in_role("interviewer")
    assert queue_due_reviews(now=clock()) == 1
    db.session.commit()
    assert queue_due_reviews(now=clock()) == 0  # the next sweep: nothing more
    clock.advance(days=3)
    assert queue_due_reviews(now=clock()) == 0
    db.session.commit()
    (review,) = db.session.scalars(sa.select(Review)).all()
    assert (review.period_start, review.period_end, review.due_on) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
        date(2026, 3, 1),
    )
    assert review.state is ReviewState.DUE and review.snapshot is None
    messages = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [(m.recipient_id, m.kind, m.link) for m in messages] == [
        (inspector.id, "review_due", f"/reviews/{review.id}")
    ]
    assert "http://" in messages[0].body or "https://" in messages[0].body


def test_two_sweeps_at_once_create_one_review_and_tell_each_member_once(app, clock, user_in_role):
    inspector = user_in_role("inspector")
    results = concurrency.race(
        app, lambda: queue_due_reviews(now=clock()), lambda: queue_due_reviews(now=clock())
    )
    assert sorted(results) == [0, 1], results
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1
    assert db.session.scalars(sa.select(OutboxMessage.recipient_id)).all() == [inspector.id]


def _open_february(client) -> int:
    queue_due_reviews(now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    db.session.commit()
    review_id = db.session.scalar(sa.select(Review.id))
    assert client.post(f"/reviews/{review_id}/open").status_code == 302
    return review_id


def test_the_chair_opens_records_and_closes_and_then_nothing_changes(
    make_loop, login_as, clock, user_in_role
):
    admin = user_in_role("admin")
    history = quarter_with_a_lenient_panelist(make_loop, clock, admin)
    inspector = login_as("inspector")
    chair = login_as(admin)  # no chair named: admins chair
    interviewer = login_as("interviewer")
    queue_due_reviews(now=clock())
    db.session.commit()
    review_id = db.session.scalar(sa.select(Review.id))
    page = f"/reviews/{review_id}"
    assert interviewer.get(page).status_code == 403
    assert interviewer.get("/reviews").status_code == 403
    assert inspector.post(f"{page}/open").status_code == 403  # only the chair opens
    assert chair.post(f"{page}/open").status_code == 302
    assert chair.post(f"{page}/open").status_code == 409  # once

    review = db.session.get(Review, review_id)
    db.session.refresh(review)
    assert review.snapshot == calibration_report(QUARTER, now=clock())
    text = inspector.get(page).get_data(as_text=True)
    assert re.search(r'data-testid="figure-decided".*?data-testid="value">41\b', text, re.S)
    flagged = re.search(r'data-testid="flags-newly">(.*?)</ul>', text, re.S).group(1)
    panel1 = history.panelist(1)
    assert panel1.email in flagged and "flagged as" in flagged

    # A flag becomes an action in one step (the inspector decides, the action is theirs).
    form = {"subject": panel1.email, "reason": "Calibrate panel1.", "owner": inspector.user.id}
    response = inspector.post(f"{page}/decisions", data={**form, "due_on": "2026-04-16"})
    assert response.status_code == 302
    action = db.session.scalar(sa.select(ActionItem))
    assert (action.subject_id, action.owner_id) == (panel1.id, inspector.user.id)

    # Anecdotes: a decided loop may be chosen, a loop in flight never (nor named on the page).
    undecided = db.session.scalar(sa.select(Loop.id).where(Loop.state != LoopState.DECIDED))
    decided = history.loops["L3"].loop.id
    text = inspector.get(page).get_data(as_text=True)
    choices = re.search(r'<select[^>]*name="loop".*?</select>', text, re.S).group(0)
    assert f'value="{decided}"' in choices and f'value="{undecided}"' not in choices
    bad = inspector.post(f"{page}/anecdotes", data={"text": "Rushed.", "loop": undecided})
    assert bad.status_code == 400 and db.session.scalar(sa.select(Anecdote.id)) is None
    good = inspector.post(
        f"{page}/anecdotes", data={"text": "The debrief ran late.", "loop": decided}
    )
    assert good.status_code == 302
    record = {"notes": "Agreed on calibration.", "attendees": [inspector.user.id, chair.user.id]}
    assert inspector.post(f"{page}/record", data=record).status_code == 302

    assert inspector.post(f"{page}/close").status_code == 403
    assert chair.post(f"{page}/close").status_code == 302
    for path, data in (
        ("anecdotes", {"text": "Too late."}),
        ("record", {"notes": "Changed."}),
        ("decisions", {**form, "due_on": "2026-04-20"}),
    ):
        assert inspector.post(f"{page}/{path}", data=data).status_code == 409, path
    db.session.expire_all()
    review = db.session.get(Review, review_id)
    assert review.state is ReviewState.CLOSED and review.notes == "Agreed on calibration."
    assert len(review.anecdotes) == 1 and len(review.decisions) == 1
    assert db.session.scalar(sa.select(sa.func.count(ActionItem.id))) == 1
    events = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.subject_type == "review", AuditEvent.subject_id == review_id
        )
    ).all()
    assert events == [
        "review.due",
        "review.opened",
        "review.decided",
        "review.anecdote_added",
        "review.recorded",
        "review.closed",
    ]


def _import_february_history(now: datetime) -> None:
    """Two more decided loops in February 2026, from a history file."""
    rows = []
    for index, ref in enumerate(("H-1", "H-2")):
        day = datetime(2026, 2, 10 + index, 9, 0, tzinfo=UTC)
        loop = _loop(ref, decision="hire", vetoed="false", performance="", day=day)
        loop["_day"] = day.isoformat()
        rows += [
            _row(loop, "br@example.com", 0, "Customer Obsession", "", "inclined_hire"),
            _row(loop, "ana@example.com", 1, "Ownership", "", "strong_hire"),
        ]
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(row[key]) for key in header) for row in rows]
    summary = import_history(("\n".join(lines) + "\n").encode(), file_name="more.csv", now=now)
    assert summary.loops == 2


def test_a_snapshot_reads_the_same_after_an_import_and_an_erasure(
    history, login_as, clock, user_in_role
):
    user_in_role("inspector")  # the committee
    chair = login_as("admin")
    review_id = _open_february(chair)
    review = db.session.get(Review, review_id)
    frozen = copy.deepcopy(review.snapshot)
    loop = history.loops["L3"].loop
    add_anecdote(
        review,
        text="Casey said the loop felt rushed.",
        loop_id=loop.id,
        interviewer_id=None,
        principle_id=None,
        actor=chair.user,
        now=clock(),
    )
    db.session.commit()

    clock.advance(days=1)
    _import_february_history(clock())
    db.session.commit()
    assert calibration_report(FEBRUARY, now=clock())["decided"] == 7  # the report moved on
    erase_candidate(loop.candidate, actor=chair.user, now=clock())
    db.session.commit()

    db.session.expire_all()
    review = db.session.get(Review, review_id)
    assert review.snapshot == frozen and review.snapshot["decided"] == 5
    assert "Casey" not in str(review.snapshot) and "casey" not in str(review.snapshot).lower()
    assert [a.text for a in review.anecdotes] == ["[erased]"]  # the anecdote was the candidate's
    text = login_as(chair.user).get(f"/reviews/{review_id}").get_data(as_text=True)
    assert re.search(r'data-testid="figure-decided".*?data-testid="value">5\b', text, re.S)


def test_the_next_review_shows_the_changes_and_the_actions_state(
    make_loop, login_as, clock, user_in_role
):
    admin = user_in_role("admin")
    history = quarter_with_a_lenient_panelist(make_loop, clock, admin)
    inspector = login_as("inspector")
    chair = login_as(admin)
    queue_due_reviews(now=clock())
    db.session.commit()
    first = db.session.scalar(sa.select(Review.id))
    chair.post(f"/reviews/{first}/open")
    panel1 = history.panelist(1)
    chair.post(
        f"/reviews/{first}/decisions",
        data={
            "subject": panel1.email,
            "reason": "Calibrate panel1.",
            "owner": inspector.user.id,
            "due_on": "2026-04-20",
        },
    )
    chair.post(f"/reviews/{first}/close")
    action_id = db.session.scalar(sa.select(ActionItem.id))
    clock.set(datetime(2026, 7, 2, 9, 0, tzinfo=UTC))  # the action is now overdue
    assert queue_due_reviews(now=clock()) == 1
    db.session.commit()
    inspector, chair = login_as(inspector.user), login_as(chair.user)  # a new day's sessions
    second = db.session.scalar(sa.select(Review.id).where(Review.id != first))
    assert chair.post(f"/reviews/{second}/open").status_code == 302
    text = inspector.get(f"/reviews/{second}").get_data(as_text=True)
    # April to June has no loops: the figures fall from the first quarter's, with arrows.
    decided = re.search(r'data-testid="figure-decided">(.*?)</tr>', text, re.S).group(1)
    assert re.search(r'data-testid="previous">41<', decided) and re.search(
        r"↓</span> -41<", decided
    )
    flags = re.search(r'data-testid="flags-no_longer">(.*?)</ul>', text, re.S).group(1)
    assert panel1.email in flags
    opened = re.search(r'data-testid="actions_opened">(.*?)</ul>', text, re.S).group(1)
    overdue = re.search(r'data-testid="actions_overdue">(.*?)</ul>', text, re.S).group(1)
    assert f"#{action_id}" in opened and f"#{action_id}" in overdue
    decisions = re.search(r'data-testid="previous-decisions">(.*?)</ul>', text, re.S).group(1)
    assert f"#{action_id}" in decisions and ">Open<" in decisions
    assert re.search(r'data-testid="reviews-on-time">1 of 1<', text)
