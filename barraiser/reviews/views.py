"""The committee's reviews, for inspectors and admins (others: 403): the list, one review's page
with its agenda, the chair's open and close, the record, anecdotes and decisions. Admins name
the committee and its chair."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from .. import clock, policy
from ..audit.services import events_for
from ..auth.models import User
from ..calibration.actions import possible_owners
from ..extensions import db
from ..pages import act, load_or_404
from ..principles.models import Principle
from ..surveys.queries import survey_comments
from .figures import changes, flag_changes, shown, shown_delta
from .forms import AnecdoteForm, CommitteeForm, DecisionForm, RecordForm
from .models import CommitteeMember, Review, ReviewState
from .queries import chair_id, committee, decided_loops, inspectors, previous_review, reviews
from .services import (
    add_anecdote,
    close_review,
    inspection_figures,
    is_chair,
    open_review,
    record_decision,
    save_record,
    set_committee,
)

bp = Blueprint("reviews", __name__, url_prefix="/reviews")

DEFAULT_DUE_DAYS = 14
NONE = SelectChoice("", "—")


@bp.before_request
@login_required
def _committee_only() -> None:
    """The reviews are the hiring committee's (inspectors) and admins'; others get a 403."""
    policy.require(policy.can_inspect(current_user))


@bp.context_processor
def _formatting() -> dict[str, Any]:
    return {"shown": shown, "shown_delta": shown_delta}


@bp.get("")
def index():
    """Every review, the newest first, with whether the inspection itself happens."""
    now = clock.now()
    return render_template(
        "reviews/index.html",
        reviews=reviews(),
        inspection=inspection_figures(now=now),
        committee=committee(),
        chair=chair_id(),
        is_chair=is_chair(current_user),
    )


@bp.route("/committee", methods=["GET", "POST"])
def edit_committee():
    """Admins name the committee (none: every inspector) and its chair."""
    policy.require(policy.can_change_settings(current_user))
    form = CommitteeForm()
    people = inspectors()
    form.members.choices = [SelectChoice(u.id, f"{u.name} <{u.email}>") for u in people]
    form.chair.choices = [NONE, *[SelectChoice(u.id, u.name) for u in people]]
    if request.method == "GET":
        rows = db.session.scalars(sa.select(CommitteeMember)).all()
        form.members.data = [row.user_id for row in rows]
        form.chair.data = chair_id()
        return render_template("reviews/committee.html", form=form, committee=committee())
    return act(
        form,
        lambda: set_committee(
            form.members.data or [], chair=form.chair.data, actor=current_user, now=clock.now()
        ),
        page=lambda status: (
            render_template("reviews/committee.html", form=form, committee=committee()),
            status,
        ),
        field="members",
        done=lambda changed: "Committee saved." if changed else "Nothing changed.",
        then=url_for("reviews.edit_committee"),
    )


def _forms(review: Review) -> dict[str, Any]:
    people = inspectors()
    record = RecordForm(formdata=None, obj=review)
    record.attendees.choices = [SelectChoice(u.id, u.name) for u in people]
    record.attendees.data = [u.id for u in review.attendees]
    anecdote = AnecdoteForm(formdata=None)
    _anecdote_choices(anecdote)
    decision = DecisionForm(formdata=None)
    decision.owner.choices = _owner_choices()
    decision.owner.data = current_user.id
    decision.due_on.data = clock.now().date() + timedelta(days=DEFAULT_DUE_DAYS)
    return {"record_form": record, "anecdote_form": anecdote, "decision_form": decision}


def _owner_choices() -> list[SelectChoice]:
    return [SelectChoice(id_, f"{name} <{email}>") for id_, name, email in possible_owners()]


def _anecdote_choices(form: AnecdoteForm) -> None:
    form.loop.choices = [NONE, *[SelectChoice(id_, label) for id_, label in decided_loops()]]
    interviewers = db.session.execute(
        sa.select(User.id, User.name, User.email).where(User.active.is_(True)).order_by(User.name)
    )
    form.interviewer.choices = [
        NONE,
        *[SelectChoice(id_, f"{name} <{email}>") for id_, name, email in interviewers],
    ]
    principles = db.session.execute(
        sa.select(Principle.id, Principle.name).order_by(Principle.position, Principle.id)
    )
    form.principle.choices = [NONE, *[SelectChoice(id_, name) for id_, name in principles]]


def _page(review: Review, status: int = 200, **forms: Any):
    now = clock.now()
    previous = review.previous if review.state is not ReviewState.DUE else previous_review(review)
    snapshot, before = review.snapshot, previous.snapshot if previous else None
    # The candidates' comments since the previous review, as anecdotes (read as they stand:
    # a comment erased with its candidate is gone).
    if review.since:
        start = datetime.fromisoformat(review.since["from"])
    elif previous is not None and previous.opened_at is not None:
        start = previous.opened_at
    else:
        start = datetime.combine(review.period_start, time.min, tzinfo=UTC)
    comments = survey_comments(start, review.closed_at or now)
    return render_template(
        "reviews/review.html",
        review=review,
        previous=previous,
        snapshot=snapshot,
        figure_changes=changes(snapshot, before) if snapshot else [],
        flags=flag_changes(snapshot, before) if snapshot else None,
        survey_comments=comments,
        history=events_for(review),
        is_chair=is_chair(current_user),
        today=now.date(),
        **{**_forms(review), **forms},
    ), status


@bp.get("/<int:review_id>")
def page(review_id: int):
    """A review: its agenda (figures → flags → open actions → settings changes → anecdotes →
    decisions), its record and its history."""
    return _page(load_or_404(Review, review_id))


def _then(review: Review, anchor: str = "") -> str:
    return url_for("reviews.page", review_id=review.id) + anchor


@bp.post("/<int:review_id>/open")
def open_(review_id: int):
    review = load_or_404(Review, review_id)
    policy.require(is_chair(current_user))
    form = RecordForm()
    return act(
        form,
        lambda: open_review(review, actor=current_user, now=clock.now()),
        page=lambda status: _page(review, status),
        validate=False,
        done="Review opened: its figures are frozen as they read now.",
        then=_then(review),
    )


@bp.post("/<int:review_id>/close")
def close(review_id: int):
    review = load_or_404(Review, review_id)
    policy.require(is_chair(current_user))
    form = RecordForm()
    return act(
        form,
        lambda: close_review(review, actor=current_user, now=clock.now()),
        page=lambda status: _page(review, status),
        validate=False,
        done="Review closed. Its record is read-only from now on.",
        then=_then(review),
    )


@bp.post("/<int:review_id>/record")
def record(review_id: int):
    review = load_or_404(Review, review_id)
    form = RecordForm()
    form.attendees.choices = [SelectChoice(u.id, u.name) for u in inspectors()]
    return act(
        form,
        lambda: save_record(
            review,
            notes=form.notes.data or "",
            attendee_ids=form.attendees.data or [],
            actor=current_user,
            now=clock.now(),
        ),
        page=lambda status: _page(review, status, record_form=form),
        field="notes",
        done=lambda changed: "Record saved." if changed else "Nothing changed.",
        then=_then(review, "#record"),
    )


@bp.post("/<int:review_id>/anecdotes")
def anecdote(review_id: int):
    review = load_or_404(Review, review_id)
    form = AnecdoteForm()
    _anecdote_choices(form)
    return act(
        form,
        lambda: add_anecdote(
            review,
            text=form.text.data,
            loop_id=form.loop.data,
            interviewer_id=form.interviewer.data,
            principle_id=form.principle.data,
            actor=current_user,
            now=clock.now(),
        ),
        page=lambda status: _page(review, status, anecdote_form=form),
        field="text",
        done="Anecdote attached.",
        then=_then(review, "#anecdotes"),
    )


@bp.post("/<int:review_id>/decisions")
def decide(review_id: int):
    """A decision, made an action item in one step (from a flag, prefilled)."""
    review = load_or_404(Review, review_id)
    form = DecisionForm()
    form.owner.choices = _owner_choices()
    return act(
        form,
        lambda: record_decision(
            review,
            subject_email=form.subject.data,
            reason=form.reason.data,
            owner_id=form.owner.data,
            due_on=form.due_on.data,
            actor=current_user,
            now=clock.now(),
        ),
        page=lambda status: _page(review, status, decision_form=form),
        field="reason",
        done="Decision recorded as an action item.",
        then=_then(review, "#decisions"),
    )
