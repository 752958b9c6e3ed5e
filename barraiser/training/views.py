"""The training pages: the pipeline of Bar Raisers in training, and one trainee's record with the
mentor notes. Certified Bar Raisers (the mentors) and admins only."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from .. import clock, policy
from ..auth.models import User
from ..extensions import db
from ..loops.models import Loop
from ..pages import act, load_or_404
from .forms import CertifyForm, MentorNoteForm
from .services import (
    Thresholds,
    add_mentor_note,
    certify_trainee,
    ever_in_training,
    mentor_notes,
    shadow_interviews,
    submitted_shadow_interview_ids,
    trainee_pipeline,
)

bp = Blueprint("training", __name__, url_prefix="/training")


@bp.route("/")
@login_required
def index():
    """The pipeline: each trainee's shadowed loops, loops led under a certified shadow, notes,
    and (admins) the certify button once the thresholds are met. 403 unless a certified Bar
    Raiser or an admin."""
    policy.require(policy.can_view_training(current_user))
    return _pipeline(CertifyForm())


def _pipeline(form: CertifyForm) -> str:
    return render_template(
        "training/index.html",
        rows=trainee_pipeline(now=clock.now()),
        thresholds=Thresholds.in_force(),
        form=form,
    )


def _trainee(user_id: int) -> User:
    """The trainee (404 for an unknown user, or one who never was in training)."""
    return load_or_404(
        User,
        user_id,
        check=lambda _, trainee: ever_in_training(trainee),
        options=[joinedload(User.certified_by)],
    )


def _render_trainee(trainee: User, form: MentorNoteForm, status: int = 200):
    interviews = shadow_interviews(trainee)
    form.loop.choices = [("", "— no particular loop —")] + [
        (
            str(interview.loop_id),
            f"Loop #{interview.loop_id} · {interview.loop.requisition.title} · "
            f"{interview.starts_at:%Y-%m-%d}",
        )
        for interview in interviews
    ]
    return render_template(
        "training/trainee.html",
        trainee=trainee,
        interviews=interviews,
        submitted=submitted_shadow_interview_ids(trainee),
        notes=mentor_notes(trainee),
        form=form,
    ), status


@bp.route("/<int:user_id>")
@login_required
def trainee(user_id: int):
    """A trainee's record: status, certification, loops shadowed, mentor notes, the note form.
    The mentors and the trainee themselves; 403 for anyone else."""
    if current_user.id != user_id:
        policy.require(policy.can_view_training(current_user))
    trainee = _trainee(user_id)
    policy.require(policy.can_view_training_record(current_user, trainee))
    return _render_trainee(trainee, MentorNoteForm())


@bp.post("/<int:user_id>/certify")
@login_required
def certify(user_id: int):
    """Certify a trainee from the pipeline once the thresholds are met; refused (422, the
    pipeline with the message) before. Admins only."""
    policy.require(policy.can_certify(current_user))
    trainee = _trainee(user_id)
    form = CertifyForm()
    return act(
        form,
        lambda: certify_trainee(trainee, actor=current_user, now=clock.now()),
        page=lambda status: (
            _pipeline(form),
            status,
        ),
        done=f"{trainee.name} is now a certified Bar Raiser.",
        then=url_for("training.index"),
    )


@bp.route("/<int:user_id>/notes", methods=["POST"])
@login_required
def add_note(user_id: int):
    """Append a mentor note. Bad shape → 400, a broken rule → 422; both keep the text on the page
    with the message next to the field, and write nothing."""
    policy.require(policy.can_write_mentor_note(current_user))
    trainee = _trainee(user_id)
    form = MentorNoteForm()
    if not form.validate():
        return _render_trainee(trainee, form, status=400)
    loop = db.session.get(Loop, form.loop.data) if form.loop.data is not None else None
    if form.loop.data is not None and loop is None:
        form.loop.errors = [*form.loop.errors, "There is no such loop; choose one from the list."]
        return _render_trainee(trainee, form, status=422)
    return act(
        form,
        lambda: add_mentor_note(
            trainee, form.body.data, loop=loop, actor=current_user, now=clock.now()
        ),
        validate=False,
        page=lambda status: _render_trainee(trainee, form, status=status),
        field="body",
        done=f"Note added to {trainee.name}'s record.",
        then=url_for("training.trainee", user_id=trainee.id),
    )
