"""The audit log browser (admins): newest first, filterable by action and subject.

An admin is still bound by independence on the loops whose panel they sit on: an event carrying
a vote, a proposal or a verdict shows its details only to whom the debrief page would show them
(policy.can_see_event_details); the page reads what that needs for all its events at once."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from .. import policy
from ..auth.models import User
from ..extensions import db
from ..feedback.models import Feedback
from ..loops.models import Interview, Loop
from ..pages import paginate
from .models import AuditEvent

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


@bp.route("/")
@login_required
def index():
    policy.require(policy.can_view_audit(current_user))
    action = request.args.get("action", "").strip()[:64]
    subject_type = request.args.get("subject_type", "").strip()[:40]
    query = sa.select(AuditEvent).options(sa.orm.joinedload(AuditEvent.actor))
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    page = paginate(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
        per_page=current_app.config["PAGE_SIZE"] * 2,
        error_out=False,
    )
    return render_template(
        "audit/index.html",
        page=page,
        action=action,
        subject_type=subject_type,
        sealed=sealed_events(current_user, page.items),
    )
