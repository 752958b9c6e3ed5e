"""Candidate pages: recruiters and admins list, add and edit candidates. Someone involved in one
of a candidate's loops may open the candidate's page and sees those loops; anyone else gets 404."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock, policy
from ..database import count_by
from ..loops.models import Loop
from ..loops.queries import loop_rows, outcome_filter, with_outcome
from ..pages import act, load_or_404, paginate, paginate_bounded
from ..privacy.forms import EraseCandidateForm, PrivacyCard
from .forms import CandidateForm
from .models import Candidate
from .services import create_candidate, update_candidate

bp = Blueprint("candidates", __name__, url_prefix="/candidates")

MAX_SEARCH_LENGTH = 100


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
    page = paginate(
        query.order_by(Candidate.created_at.desc(), Candidate.id.desc()),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    counts = count_by(Loop.candidate_id, [candidate.id for candidate in page.items])
    return render_template("candidates/index.html", page=page, search=search, counts=counts)


def _save(form: CandidateForm, candidate: Candidate | None):
    """Create or update the candidate from the form: the form again with the reason when the
    form or the service refuses, else the candidate's page."""

    def save() -> Candidate:
        fields = {
            "name": form.name.data,
            "email": form.email.data,
            "source": form.source.data or "",
            "notes": form.notes.data or "",
        }
        if candidate is None:
            return create_candidate(**fields, actor=current_user, now=clock.now())
        update_candidate(candidate, **fields, actor=current_user, now=clock.now())
        return candidate

    return act(
        form,
        save,
        page=lambda status: _render_form(form, candidate, status),
        field="name",
        done=lambda saved: f"{saved.name} was saved.",
        then=lambda saved: url_for("candidates.detail", candidate_id=saved.id),
    )


def _render_form(form: CandidateForm, candidate: Candidate | None, status: int = 200):
    return render_template("candidates/form.html", form=form, candidate=candidate), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    policy.require(policy.can_manage_loops(current_user))
    form = CandidateForm()
    if not form.is_submitted():
        return _render_form(form, None)
    return _save(form, None)


def render_candidate_page(
    candidate: Candidate, *, erase_form: EraseCandidateForm | None = None
) -> str:
    """The candidate page: the candidate, their loops the user may see, and for admins the
    Privacy card (`erase_form` as posted, when the erase view shows its errors)."""
    outcome = outcome_filter()
    query = sa.select(Loop).where(
        Loop.candidate_id == candidate.id, policy.loops_visible_to(current_user)
    )
    page = paginate_bounded(
        with_outcome(query, outcome, current_user).order_by(
            Loop.first_interview_at.is_(None), Loop.first_interview_at.desc(), Loop.id
        ),
        per_page=current_app.config["PAGE_SIZE"],
        key=Loop.id,
        read=loop_rows,
    )
    privacy = None
    if policy.can_manage_candidate_data(current_user):
        privacy = PrivacyCard(
            can_export=policy.can_export_candidate(current_user, candidate),
            erase_form=erase_form or EraseCandidateForm(formdata=None),
        )
    return render_template(
        "candidates/detail.html",
        candidate=candidate,
        page=page,
        privacy=privacy,
        outcome=outcome,
        sealed=policy.loops_sealed_for(current_user, [loop.id for loop in page.items]),
    )


@bp.route("/<int:candidate_id>")
@login_required
def detail(candidate_id: int):
    """The candidate and their loops (only those the user may see)."""
    return render_candidate_page(
        load_or_404(Candidate, candidate_id, check=policy.can_view_candidate)
    )


@bp.route("/<int:candidate_id>/edit", methods=["GET", "POST"])
@login_required
def edit(candidate_id: int):
    candidate = load_or_404(Candidate, candidate_id, check=policy.can_view_candidate)
    policy.require(policy.can_manage_loops(current_user))
    form = CandidateForm(obj=candidate)
    if not form.is_submitted():
        return _render_form(form, candidate)
    return _save(form, candidate)
