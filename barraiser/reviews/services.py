"""Reviews: falling due (the sweep tells the committee once), opened by the chair (the figures
frozen), recorded (attendees, notes, anecdotes, decisions that become action items) and closed
by the chair, read-only from then on. Every change is an audit event."""

from __future__ import annotations

import json
import statistics
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from .. import policy
from ..audit.services import record
from ..auth.models import User
from ..calibration.actions import create_action
from ..calibration.models import ActionItem, ActionStatus
from ..calibration.queries import ReportFilters
from ..calibration.report import calibration_report, mechanism_changes
from ..domain import LoopState
from ..errors import Conflict, Forbidden, RuleViolation
from ..extensions import db
from ..loops.models import Loop
from ..outbox.emails import app_path
from ..outbox.services import queue_message
from ..principles.models import Principle
from ..settings.services import current_settings
from .models import Anecdote, CommitteeMember, Decision, Review, ReviewState
from .periods import latest_period
from .queries import chair_id, committee, inspectors

ON_TIME_DAYS = 14
"""A review is held on time when it is closed within this many days of falling due."""
ANECDOTE_MAX = 2000
NOTES_MAX = 20000


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# -- the committee -------------------------------------------------------------------------------


def is_chair(user: User) -> bool:
    """The named chair; while none is named, any admin chairs."""
    chair = chair_id()
    if chair is None:
        return policy.is_admin(user)
    return user.id == chair and policy.can_inspect(user)


def set_committee(member_ids: list[int], *, chair: int | None, actor: User, now: datetime) -> bool:
    """Name the committee (none: every inspector) and its chair (a member, or anyone allowed
    when no member is named). Returns False (nothing recorded) when nothing changed."""
    allowed = {user.id: user for user in inspectors()}
    unknown = [id_ for id_ in member_ids if id_ not in allowed]
    if unknown:
        raise RuleViolation("Members must be active inspectors or admins.", field="members")
    if chair is not None and chair not in allowed:
        raise RuleViolation("The chair must be an active inspector or admin.", field="chair")
    if chair is not None and member_ids and chair not in member_ids:
        raise RuleViolation("The chair must be one of the members.", field="chair")
    before = {row.user_id: row.chair for row in db.session.scalars(sa.select(CommitteeMember))}
    after = {id_: id_ == chair for id_ in member_ids}
    if chair is not None and chair not in after:
        after[chair] = True
    if before == after:
        return False
    db.session.execute(sa.delete(CommitteeMember))
    db.session.add_all(CommitteeMember(user_id=id_, chair=is_) for id_, is_ in after.items())
    db.session.flush()
    record(
        "review.committee_changed",
        actor=actor,
        subject="review_committee",
        now=now,
        members=sorted(allowed[id_].email for id_ in member_ids),
        chair=allowed[chair].email if chair is not None else None,
    )
    return True


# -- falling due --------------------------------------------------------------------------------


def queue_due_reviews(*, now: datetime) -> int:
    """When the period before today has ended and has no review yet, create its review and tell
    the committee (email and notification, once each). Returns the messages queued; run by the
    sweep, on any number of hosts (one review per period, one message per dedupe key)."""
    members = committee()
    if not members:
        return 0
    since, until = latest_period(now.date(), months=current_settings().review_cadence_months)
    review = db.session.scalar(
        sa.select(Review).where(Review.period_start == since, Review.period_end == until)
    )
    if review is None:
        review = Review(
            period_start=since,
            period_end=until,
            due_on=until + timedelta(days=1),
            state=ReviewState.DUE,
            created_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(review)
                db.session.flush()
        except sa.exc.IntegrityError:
            return 0  # another sweep created it, and tells the committee
        record("review.due", actor=None, subject=review, now=now, period=review.period_label)
    if review.state is not ReviewState.DUE:
        return 0
    queued = 0
    for member in members:
        queued += queue_message(
            member,
            kind="review_due",
            dedupe_key=f"review-due:{review.id}:{member.id}",
            subject=f"The mechanism's review is due: {review.period_label}",
            template="review_due",
            context={"review": review},
            now=now,
            link=app_path("reviews.page", review_id=review.id),
        )
    return queued


# -- opening: the frozen figures ---------------------------------------------------------------


def _require_chair(actor: User) -> None:
    if not is_chair(actor):
        raise Forbidden("Only the committee's chair opens and closes a review.")


def _move(review: Review, state: ReviewState) -> None:
    if not review.can_move_to(state):
        raise Conflict(f"This review is {review.state.label.lower()}; it cannot be {state.value}.")


def _action_row(action: ActionItem, *, today: date) -> dict[str, Any]:
    return {
        "id": action.id,
        "subject_name": action.subject.name,
        "subject_email": action.subject.email,
        "reason": action.reason,
        "owner_name": action.owner.name,
        "status": action.status.value,
        "due_on": action.due_on.isoformat(),
        "overdue": action.is_open and action.due_on < today,
        "created_at": action.created_at.isoformat(),
        "closed_at": action.closed_at.isoformat() if action.closed_at else None,
    }


def inspection_figures(*, now: datetime, exclude: int | None = None) -> dict[str, Any]:
    """Whether the inspection itself happens: reviews held on time of those due, and whether
    actions close (median days to close, the share of open actions overdue)."""
    due = list(
        db.session.scalars(
            sa.select(Review).where(Review.due_on <= now.date(), Review.id != (exclude or -1))
        )
    )
    on_time = sum(
        review.closed_at is not None
        and review.closed_at.date() <= review.due_on + timedelta(days=ON_TIME_DAYS)
        for review in due
    )
    closed = db.session.execute(
        sa.select(ActionItem.created_at, ActionItem.closed_at).where(
            ActionItem.closed_at.is_not(None)
        )
    ).all()
    days = [
        (closed_at - created_at).total_seconds() / 86400
        for created_at, closed_at in closed
        if closed_at is not None
    ]
    open_count, overdue = db.session.execute(
        sa.select(
            sa.func.count(ActionItem.id),
            sa.func.count(ActionItem.id).filter(ActionItem.due_on < now.date()),
        ).where(ActionItem.status != ActionStatus.CLOSED)
    ).one()
    return {
        "reviews_due": len(due),
        "reviews_on_time": on_time,
        "on_time_days": ON_TIME_DAYS,
        "actions_closed": len(days),
        "median_days_to_close": statistics.median(days) if days else None,
        "actions_open": open_count,
        "actions_overdue": overdue,
        "overdue_share": overdue / open_count if open_count else None,
    }


def _since(review: Review, previous: Review | None, *, now: datetime) -> dict[str, Any]:
    """What changed between the previous review's opening (or this period's start) and now."""
    start = previous.opened_at if previous and previous.opened_at else _start(review.period_start)
    assert start is not None
    today = now.date()
    load = (sa.orm.joinedload(ActionItem.subject), sa.orm.joinedload(ActionItem.owner))
    opened = db.session.scalars(
        sa.select(ActionItem)
        .where(ActionItem.created_at >= start, ActionItem.created_at < now)
        .options(*load)
        .order_by(ActionItem.created_at, ActionItem.id)
    ).all()
    closed = db.session.scalars(
        sa.select(ActionItem)
        .where(ActionItem.closed_at >= start, ActionItem.closed_at < now)
        .options(*load)
        .order_by(ActionItem.closed_at, ActionItem.id)
    ).all()
    overdue = db.session.scalars(
        sa.select(ActionItem)
        .where(ActionItem.status != ActionStatus.CLOSED, ActionItem.due_on < today)
        .options(*load)
        .order_by(ActionItem.due_on, ActionItem.id)
    ).all()
    return {
        "from": start.isoformat(),
        "to": now.isoformat(),
        "actions_opened": [_action_row(a, today=today) for a in opened],
        "actions_closed": [_action_row(a, today=today) for a in closed],
        "actions_overdue": [_action_row(a, today=today) for a in overdue],
        "mechanism_changes": mechanism_changes((start, now)),
        "inspection": inspection_figures(now=now, exclude=review.id),
    }


def open_review(review: Review, *, actor: User, now: datetime) -> Review:
    """The chair opens a due review: the report for its period is stored whole, with what
    changed since the previous review; neither is ever written again."""
    _require_chair(actor)
    _move(review, ReviewState.OPEN)
    previous = db.session.scalar(
        sa.select(Review)
        .where(Review.id != review.id, Review.opened_at.is_not(None))
        .order_by(Review.opened_at.desc(), Review.id.desc())
        .limit(1)
    )
    report = calibration_report(
        ReportFilters(since=review.period_start, until=review.period_end), now=now
    )
    since = _since(review, previous, now=now)
    # Through JSON and back: what is stored is exactly what will be read.
    review.snapshot = json.loads(json.dumps(report))
    review.since = json.loads(json.dumps(since))
    review.previous = previous
    review.state = ReviewState.OPEN
    review.opened_at, review.opened_by_id = now, actor.id
    db.session.flush()
    record(
        "review.opened",
        actor=actor,
        subject=review,
        now=now,
        period=review.period_label,
        previous=previous.id if previous else None,
    )
    return review


# -- the record ---------------------------------------------------------------------------------


def _require_open(review: Review) -> None:
    if review.state is not ReviewState.OPEN:
        raise Conflict(
            "This review is closed: its record is read-only."
            if review.state is ReviewState.CLOSED
            else "Open the review first."
        )


def save_record(
    review: Review, *, notes: str, attendee_ids: list[int], actor: User, now: datetime
) -> bool:
    """The attendees and the notes of an open review; False (nothing recorded) if unchanged."""
    _require_open(review)
    notes = notes.strip()
    if len(notes) > NOTES_MAX:
        raise RuleViolation(f"Keep the notes under {NOTES_MAX} characters.", field="notes")
    people = {user.id: user for user in inspectors()}
    if any(id_ not in people for id_ in attendee_ids):
        raise RuleViolation("Attendees are inspectors or admins.", field="attendees")
    attendees = sorted({people[id_] for id_ in attendee_ids}, key=lambda u: (u.name, u.id))
    changes: dict[str, Any] = {}
    if notes != review.notes:
        changes["notes"] = True
    before = sorted(user.email for user in review.attendees)
    after = sorted(user.email for user in attendees)
    if before != after:
        changes["attendees"] = [before, after]
    if not changes:
        return False
    review.notes = notes
    review.attendees = attendees
    db.session.flush()
    record("review.recorded", actor=actor, subject=review, now=now, changes=changes)
    return True


def add_anecdote(
    review: Review,
    *,
    text: str,
    loop_id: int | None,
    interviewer_id: int | None,
    principle_id: int | None,
    actor: User,
    now: datetime,
) -> Anecdote:
    """Attach an anecdote; a loop must be decided (one in flight is refused the same way as one
    that does not exist, so the answer says nothing of it)."""
    _require_open(review)
    text = text.strip()
    if not text:
        raise RuleViolation("Write the anecdote.", field="text")
    if len(text) > ANECDOTE_MAX:
        raise RuleViolation(f"Keep it under {ANECDOTE_MAX} characters.", field="text")
    if loop_id is not None:
        state = db.session.scalar(sa.select(Loop.state).where(Loop.id == loop_id))
        if state is not LoopState.DECIDED:
            raise RuleViolation("Choose a decided loop.", field="loop")
    if interviewer_id is not None and db.session.get(User, interviewer_id) is None:
        raise RuleViolation("There is no such interviewer.", field="interviewer")
    if principle_id is not None and db.session.get(Principle, principle_id) is None:
        raise RuleViolation("There is no such principle.", field="principle")
    anecdote = Anecdote(
        review=review,
        text=text,
        loop_id=loop_id,
        interviewer_id=interviewer_id,
        principle_id=principle_id,
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(anecdote)
    db.session.flush()
    # The text is in no audit event: tied to a loop, it is the candidate's, and erased with them.
    record(
        "review.anecdote_added",
        actor=actor,
        subject=review,
        now=now,
        anecdote=anecdote.id,
        loop=loop_id,
        interviewer=interviewer_id,
        principle=principle_id,
    )
    return anecdote


def record_decision(
    review: Review,
    *,
    subject_email: str,
    reason: str,
    owner_id: int,
    due_on: date,
    actor: User,
    now: datetime,
) -> Decision:
    """A decision of the review, made an action item (owner, due date) in the same step."""
    _require_open(review)
    action = create_action(
        subject_email=subject_email,
        reason=reason,
        owner_id=owner_id,
        due_on=due_on,
        notes=f"Decided at the review of {review.period_label}.",
        actor=actor,
        now=now,
    )
    decision = Decision(review=review, action=action, created_at=now)
    db.session.add(decision)
    db.session.flush()
    record("review.decided", actor=actor, subject=review, now=now, action_item=action.id)
    return decision


def close_review(review: Review, *, actor: User, now: datetime) -> Review:
    """The chair closes an open review: from now on it is read-only."""
    _require_chair(actor)
    _move(review, ReviewState.CLOSED)
    review.state = ReviewState.CLOSED
    review.closed_at, review.closed_by_id = now, actor.id
    db.session.flush()
    record("review.closed", actor=actor, subject=review, now=now)
    return review
