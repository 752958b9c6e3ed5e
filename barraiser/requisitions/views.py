"""Requisition pages: recruiters and admins build and close them; hiring managers see theirs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from .. import clock, policy
from ..database import count_by
from ..errors import NeedsConfirmation
from ..extensions import db
from ..loops.models import Loop
from ..loops.queries import loop_rows, outcome_filter, with_outcome
from ..pages import act, load_or_404, paginate, paginate_bounded, state_filter
from ..principles.forms import ConfirmForm
from ..principles.models import Principle
from ..principles.services import active_principles
from .forms import PlanForm, RequisitionForm, RequisitionQuestionsForm, questions_form
from .models import PlanSlot, Requisition, RequisitionStatus
from .queries import (
    active_users,
    hiring_manager_choices,
    person_label,
    principle_choices,
    role_questions,
)
from .services import (
    QUESTION_LIMIT,
    QUESTIONS_PER_PRINCIPLE,
    SlotPlan,
    create_requisition,
    questions_field,
    save_plan,
    set_requisition_questions,
    set_requisition_status,
    update_requisition,
)

bp = Blueprint("requisitions", __name__, url_prefix="/requisitions")


@bp.route("/")
@login_required
def index():
    policy.require(policy.can_list_requisitions(current_user))
    status = state_filter(
        "status",
        RequisitionStatus,
        default="open",
        everything="all",
        refusal="Show 'open', 'closed' or 'all' requisitions, not {value!r}.",
    )
    query = sa.select(Requisition).options(
        joinedload(Requisition.hiring_manager), selectinload(Requisition.required_principles)
    )
    if not policy.can_manage_loops(current_user):
        query = query.where(Requisition.hiring_manager_id == current_user.id)
    if status is not None:
        query = query.where(Requisition.status == status)
    page = paginate(
        query.order_by(Requisition.created_at.desc(), Requisition.id.desc()),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    counts = count_by(Loop.requisition_id, [requisition.id for requisition in page.items])
    return render_template("requisitions/index.html", page=page, status=status, counts=counts)


def _render_form(form: RequisitionForm, requisition: Requisition | None, status: int = 200):
    form.hiring_manager_id.choices = [("", "Pick the hiring manager"), *hiring_manager_choices()]
    return render_template("requisitions/form.html", form=form, requisition=requisition), status


def _form() -> RequisitionForm:
    form = RequisitionForm()
    # Choices first: the principle checkboxes refuse anything not offered.
    form.principle_ids.choices = principle_choices()
    return form


def _fields(form: RequisitionForm) -> dict[str, Any]:
    """The requisition's fields as the form holds them, for create and update alike."""
    return {
        "title": form.title.data,
        "level": form.level.data,
        "department": form.department.data,
        "hiring_manager_id": form.hiring_manager_id.data,
        "principle_ids": form.principle_ids.data or [],
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    policy.require(policy.can_manage_loops(current_user))
    form = _form()
    if not form.is_submitted():
        return _render_form(form, None)
    return act(
        form,
        lambda: create_requisition(**_fields(form), actor=current_user, now=clock.now()),
        page=lambda status: _render_form(form, None, status),
        field="title",
        done=lambda requisition: f"The requisition {requisition.title} is open.",
        then=lambda requisition: url_for("requisitions.detail", requisition_id=requisition.id),
    )


@bp.route("/<int:requisition_id>")
@login_required
def detail(requisition_id: int):
    """The requisition, its required principles and the loops for it the user may see."""
    requisition = load_or_404(
        Requisition,
        requisition_id,
        check=policy.can_view_requisition,
        options=[
            joinedload(Requisition.hiring_manager),
            selectinload(Requisition.plan).joinedload(PlanSlot.interviewer),
        ],
    )
    outcome = outcome_filter()
    query = sa.select(Loop).where(
        Loop.requisition_id == requisition.id, policy.loops_visible_to(current_user)
    )
    page = paginate_bounded(
        with_outcome(query, outcome, current_user).order_by(
            Loop.first_interview_at.is_(None), Loop.first_interview_at.desc(), Loop.id
        ),
        per_page=current_app.config["PAGE_SIZE"],
        key=Loop.id,
        read=loop_rows,
    )
    own = role_questions(requisition.id)
    return render_template(
        "requisitions/detail.html",
        requisition=requisition,
        page=page,
        outcome=outcome,
        sealed=policy.loops_sealed_for(current_user, [loop.id for loop in page.items]),
        is_open=requisition.status is RequisitionStatus.OPEN,
        own_questions=[
            (principle, own[principle.id])
            for principle in _question_principles(requisition, own)
            if principle.id in own
        ],
    )


def _question_principles(requisition: Requisition, own: dict[int, list[str]]) -> list[Principle]:
    """The principles a role may have questions for: its required ones first, then the rest of
    the catalog in use, then any retired one that still has questions (so they can be removed)."""
    required = list(requisition.required_principles)
    seen = {principle.id for principle in required}
    others = [principle for principle in active_principles() if principle.id not in seen]
    seen |= {principle.id for principle in others}
    retired = [db.session.get(Principle, pid) for pid in own if pid not in seen]
    return required + others + [principle for principle in retired if principle is not None]


@bp.route("/<int:requisition_id>/questions", methods=["GET", "POST"])
@login_required
def questions(requisition_id: int):
    """The role's own interview questions per principle, shown to its interviewers after each
    principle's kit. Recruiters, admins and the role's hiring manager edit them (403 for others
    who may see the role); 400 for a box too long, 422 for too many or too long questions."""
    requisition = load_or_404(Requisition, requisition_id, check=policy.can_view_requisition)
    policy.require(policy.can_edit_requisition_questions(current_user, requisition))
    own = role_questions(requisition.id)
    principles = _question_principles(requisition, own)
    if request.method == "GET":
        form = questions_form(
            principles,
            data={questions_field(pid): "\n".join(lines) for pid, lines in own.items()},
        )
        return _render_questions(form, requisition, principles)
    form = questions_form(principles)
    return act(
        form,
        lambda: set_requisition_questions(
            requisition, form.questions(principles), actor=current_user, now=clock.now()
        ),
        page=lambda status: _render_questions(form, requisition, principles, status),
        done="The role's questions were saved.",
        then=url_for("requisitions.detail", requisition_id=requisition.id),
    )


def _render_questions(
    form: RequisitionQuestionsForm,
    requisition: Requisition,
    principles: list[Principle],
    status: int = 200,
):
    required = {principle.id for principle in requisition.required_principles}
    return render_template(
        "requisitions/questions.html",
        form=form,
        requisition=requisition,
        required=[(p, form[questions_field(p.id)]) for p in principles if p.id in required],
        others=[(p, form[questions_field(p.id)]) for p in principles if p.id not in required],
        question_limit=QUESTION_LIMIT,
        questions_per_principle=QUESTIONS_PER_PRINCIPLE,
    ), status


@bp.route("/<int:requisition_id>/edit", methods=["GET", "POST"])
@login_required
def edit(requisition_id: int):
    requisition = load_or_404(Requisition, requisition_id, check=policy.can_view_requisition)
    policy.require(policy.can_manage_loops(current_user))
    form = _form()
    if request.method == "GET":
        form.process(obj=requisition)
        form.principle_ids.data = [p.id for p in requisition.required_principles]
        return _render_form(form, requisition)
    return act(
        form,
        lambda: update_requisition(
            requisition, **_fields(form), actor=current_user, now=clock.now()
        ),
        page=lambda status: _render_form(form, requisition, status),
        field="title",
        done="The requisition was saved.",
        then=url_for("requisitions.detail", requisition_id=requisition.id),
    )


def _set_status(requisition_id: int, status: RequisitionStatus, message: str):
    """Close or reopen. Closing a role with loops under way answers a page listing them (409)
    whose button posts again with `confirmed=yes`."""
    requisition = load_or_404(Requisition, requisition_id, check=policy.can_view_requisition)
    policy.require(policy.can_manage_loops(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    try:
        set_requisition_status(
            requisition,
            status,
            confirmed=request.form.get("confirmed") == "yes",
            actor=current_user,
            now=clock.now(),
        )
    except NeedsConfirmation as question:
        db.session.rollback()
        return render_template(
            "requisitions/confirm_close.html", requisition=requisition, question=question
        ), question.status
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("requisitions.detail", requisition_id=requisition.id))


@bp.route("/<int:requisition_id>/close", methods=["POST"])
@login_required
def close(requisition_id: int):
    """Close the role: no new loops (409 when already closed); loops under way go on."""
    return _set_status(
        requisition_id, RequisitionStatus.CLOSED, "The requisition is closed to new loops."
    )


@bp.route("/<int:requisition_id>/reopen", methods=["POST"])
@login_required
def reopen(requisition_id: int):
    return _set_status(requisition_id, RequisitionStatus.OPEN, "The requisition is open again.")


@bp.route("/<int:requisition_id>/plan", methods=["GET", "POST"])
@login_required
def plan(requisition_id: int):
    """The requisition's interview plan: the panel's slots (principles, length, usual
    interviewer), from which a loop is built in one step."""
    requisition = load_or_404(Requisition, requisition_id, check=policy.can_view_requisition)
    policy.require(policy.can_manage_loops(current_user))
    if request.method == "GET":
        form = PlanForm(formdata=None)
        while len(form.slots):
            form.slots.pop_entry()
        for slot in requisition.plan:
            form.slots.append_entry(
                {
                    "principle_ids": list(slot.principle_ids),
                    "duration_minutes": slot.duration_minutes,
                    "interviewer_id": slot.interviewer_id,
                }
            )
        form.slots.append_entry()
    else:
        form = PlanForm()
        if form.add_row.data and len(form.slots) < form.slots.max_entries:
            form.slots.append_entry()
            return _plan_page(form, requisition, 200)

    def slots() -> list[SlotPlan]:
        return [
            SlotPlan(
                principle_ids=tuple(row.principle_ids.data or ()),
                duration_minutes=row.duration_minutes.data or 60,
                interviewer_id=row.interviewer_id.data,
            )
            for row in form.slots
            if row.principle_ids.data or row.interviewer_id.data
        ]

    if request.method == "GET":
        return _plan_page(form, requisition, 200)
    return act(
        form,
        lambda: save_plan(requisition, slots(), actor=current_user, now=clock.now()),
        page=lambda status: _plan_page(form, requisition, status),
        field="submit",
        done=lambda changed: "The interview plan is saved." if changed else "Nothing changed.",
        then=url_for("requisitions.detail", requisition_id=requisition.id),
    )


def _plan_page(form: PlanForm, requisition: Requisition, status: int):
    form.set_choices(people=people_choices(), principles=principle_choices())
    return render_template("requisitions/plan.html", form=form, requisition=requisition), status


def people_choices() -> list[tuple[int, str]]:
    return [(user.id, person_label(user)) for user in db.session.scalars(active_users())]
