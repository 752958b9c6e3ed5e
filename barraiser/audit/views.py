"""The audit log browser (admins): newest first, in words, filterable by who, what, about what
and when.

An admin is still bound by independence on the loops whose panel they sit on: an event carrying
a vote, a proposal or a verdict shows its details only to whom the debrief page would show them
(policy.can_see_event_details); the page reads what that needs for all its events at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required

from .. import policy
from ..auth.models import User
from ..extensions import db
from ..feedback.models import Feedback
from ..loops.models import Interview, Loop
from ..pages import paginate
from .models import AuditEvent
from .sentences import PHRASES, SEALED_PHRASES, SUBJECT_TYPES, sentence, shown_details, subjects_of

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def sealed_events(user: User, events: Iterable[AuditEvent]) -> set[int]:
    """The ids of the events among `events` whose details `user` may not read. Two queries
    whatever the number of events: their loops (with their panels), and the loops among them
    where `user` has submitted their own feedback."""
    events = list(events)
    loop_ids = {
        event.subject_id
        for event in events
        if event.action in policy.SEALED_EVENT_ACTIONS
        and event.subject_type == Loop.__tablename__
        and event.subject_id is not None
    }
    loops: dict[int, Loop] = {}
    submitted: set[int] = set()
    if loop_ids:
        loops = {
            loop.id: loop
            for loop in db.session.scalars(
                sa.select(Loop)
                .where(Loop.id.in_(loop_ids))
                .options(sa.orm.selectinload(Loop.interviews))
            )
        }
        submitted = set(
            db.session.scalars(
                sa.select(Interview.loop_id)
                .join(Feedback, Feedback.interview_id == Interview.id)
                .where(
                    Interview.loop_id.in_(loop_ids),
                    Interview.interviewer_id == user.id,
                    Feedback.submitted,
                )
            )
        )
    sealed = set()
    for event in events:
        about_a_loop = event.subject_type == Loop.__tablename__ and event.subject_id is not None
        loop = loops.get(event.subject_id) if about_a_loop else None  # type: ignore[arg-type]
        own_submitted = loop is not None and loop.id in submitted
        if not policy.can_see_event_details(user, event.action, loop, own_submitted=own_submitted):
            sealed.add(event.id)
    return sealed


@dataclass(frozen=True)
class LogFilters:
    """The log's filters as typed (to show them again) and what they select."""

    actor: str = ""
    """A name or email, or part of one."""
    actor_id: int | None = None
    action: str = ""
    """An event kind, or the start of one ("debrief." for every debrief event)."""
    subject_type: str = ""
    subject_id: int | None = None
    since: date | None = None
    until: date | None = None

    def as_args(self) -> dict[str, Any]:
        """The filters as query parameters, for the pager's links."""
        args = {
            "actor": self.actor,
            "actor_id": self.actor_id,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "since": self.since and self.since.isoformat(),
            "until": self.until and self.until.isoformat(),
        }
        return {key: value for key, value in args.items() if value not in (None, "")}


def _whole_number(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        abort(400, f"{name.replace('_', ' ').capitalize()} must be a whole number.")
    return int(value)


def _day(name: str, label: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10]) if len(value) == 10 else date.fromisoformat(value)
    except ValueError:
        abort(400, f"{label}: {value[:20]!r} is not a date (YYYY-MM-DD).")


def log_filters() -> LogFilters:
    """The filters from the query string; a malformed one is a 400 that says which."""
    filters = LogFilters(
        actor=request.args.get("actor", "").strip()[:254],
        actor_id=_whole_number("actor_id"),
        action=request.args.get("action", "").strip()[:64],
        subject_type=request.args.get("subject_type", "").strip()[:40],
        subject_id=_whole_number("subject_id"),
        since=_day("since", "From"),
        until=_day("until", "To"),
    )
    if filters.since and filters.until and filters.until < filters.since:
        abort(400, "To: the end date is before the start date.")
    return filters


def filtered(query: sa.Select, filters: LogFilters) -> sa.Select:
    if filters.actor:
        pattern = f"%{filters.actor.lower()}%"
        query = query.where(
            AuditEvent.actor_id.in_(
                sa.select(User.id).where(
                    sa.or_(
                        sa.func.lower(User.name).like(pattern, escape="\\"),
                        sa.func.lower(User.email).like(pattern, escape="\\"),
                    )
                )
            )
        )
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.subject_type:
        query = query.where(AuditEvent.subject_type == filters.subject_type)
    if filters.subject_id is not None:
        query = query.where(AuditEvent.subject_id == filters.subject_id)
    if filters.since:
        query = query.where(AuditEvent.at >= datetime.combine(filters.since, time.min, UTC))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time.min, UTC)
        query = query.where(AuditEvent.at < end)
    return query


@bp.route("/")
@login_required
def index():
    """The log, newest first, each event in words with links to what it is about; filters by
    who, what kind, about what and when. Details an admin may not read (a vote on a loop whose
    panel they sit on, before they submit) are sealed, here as on the loop's page."""
    policy.require(policy.can_view_audit(current_user))
    filters = log_filters()
    query = filtered(sa.select(AuditEvent).options(sa.orm.joinedload(AuditEvent.actor)), filters)
    page = paginate(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
        per_page=current_app.config["PAGE_SIZE"] * 2,
        error_out=False,
    )
    sealed = sealed_events(current_user, page.items)
    subjects = subjects_of(page.items)
    events = [
        {
            "event": event,
            "sentence": sentence(event, subjects, sealed=event.id in sealed),
            "details": shown_details(event, sealed=event.id in sealed),
            "sealed": event.id in sealed,
        }
        for event in page.items
    ]
    return render_template(
        "audit/index.html",
        page=page,
        events=events,
        filters=filters,
        subject_types=SUBJECT_TYPES,
        kinds=sorted({*PHRASES, *SEALED_PHRASES}),
    )
