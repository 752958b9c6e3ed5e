"""Candidate pages: recruiters and admins list, add and edit candidates. Someone involved in one
of a candidate's loops may open the candidate's page and sees those loops; anyone else gets 404."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock, policy
from ..database import count_by
from ..errors import DomainError
from ..extensions import db
from ..loops.models import LIST_ROW, Loop
from .forms import CandidateForm
from .models import Candidate
from .services import create_candidate, update_candidate

bp = Blueprint("candidates", __name__, url_prefix="/candidates")

MAX_SEARCH_LENGTH = 100


def _load(candidate_id: int) -> Candidate:
    candidate = db.get_or_404(Candidate, candidate_id)
    policy.require(policy.can_view_candidate(current_user, candidate), hide=True)
    return candidate


@bp.route("/")
@login_required
def index():
    """Candidates, newest first; `q` searches names and emails."""
    policy.require(policy.can_manage_loops(current_user))
    search = request.args.get("q", "").strip()[:MAX_SEARCH_LENGTH]
    query = sa.select(Candidate)
    if search:
        needle = search.lower()
        query = query.where(
            sa.or_(
                sa.func.lower(Candidate.name).contains(needle, autoescape=True),
                Candidate.email.contains(needle, autoescape=True),
            )
        )
    page = db.paginate(
        query.order_by(Candidate.created_at.desc(), Candidate.id.desc()),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    counts = count_by(Loop.candidate_id, [candidate.id for candidate in page.items])
    return render_template("candidates/index.html", page=page, search=search, counts=counts)


def _save(form: CandidateForm, candidate: Candidate | None):
    try:
        if candidate is None:
            candidate = create_candidate(
                name=form.name.data,
                email=form.email.data,
                source=form.source.data or "",
                notes=form.notes.data or "",
                actor=current_user,
                now=clock.now(),
            )
        else:
            update_candidate(
                candidate,
                name=form.name.data,
                email=form.email.data,
                source=form.source.data or "",
                notes=form.notes.data or "",
                actor=current_user,
                now=clock.now(),
            )
    except DomainError as error:
        db.session.rollback()
        form[error.field or "name"].errors.append(error.message)
        return render_template("candidates/form.html", form=form, candidate=candidate), error.status
    db.session.commit()
    flash(f"{candidate.name} was saved.", "success")
    return redirect(url_for("candidates.detail", candidate_id=candidate.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    policy.require(policy.can_manage_loops(current_user))
    form = CandidateForm()
    if form.validate_on_submit():
        return _save(form, None)
    status = 400 if form.is_submitted() else 200
    return render_template("candidates/form.html", form=form, candidate=None), status


def render_candidate_page(candidate: Candidate, **context) -> str:
    """The candidate page; `context` lets the privacy views show their form with its errors."""
    page = db.paginate(
        sa.select(Loop)
        .where(Loop.candidate_id == candidate.id, policy.loops_visible_to(current_user))
        .options(*LIST_ROW)
        .order_by(Loop.first_interview_at.is_(None), Loop.first_interview_at.desc(), Loop.id),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("candidates/detail.html", candidate=candidate, page=page, **context)


@bp.route("/<int:candidate_id>")
@login_required
def detail(candidate_id: int):
    """The candidate and their loops (only those the user may see)."""
    return render_candidate_page(_load(candidate_id))


@bp.route("/<int:candidate_id>/edit", methods=["GET", "POST"])
@login_required
def edit(candidate_id: int):
    candidate = _load(candidate_id)
    policy.require(policy.can_manage_loops(current_user))
    form = CandidateForm(obj=candidate)
    if form.validate_on_submit():
        return _save(form, candidate)
    status = 400 if form.is_submitted() else 200
    return render_template("candidates/form.html", form=form, candidate=candidate), status
