"""The catalog pages: everyone reads it; admins edit, add, retire and restore."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock, policy
from ..errors import NeedsConfirmation
from ..extensions import db
from ..pages import act, load_or_404
from .forms import ConfirmForm, PrincipleForm
from .models import Principle
from .services import (
    all_principles,
    create_principle,
    restore_principle,
    retire_principle,
    update_principle,
)

bp = Blueprint("principles", __name__, url_prefix="/principles")


@bp.route("/")
@login_required
def index():
    policy.require(policy.can_view_principles(current_user))
    return render_template(
        "principles/index.html", principles=all_principles(), confirm=ConfirmForm()
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    policy.require(policy.can_edit_principles(current_user))
    form = PrincipleForm()
    if not form.is_submitted():
        return _render_form(form, None)
    return act(
        form,
        lambda: create_principle(
            name=form.name.data,
            description=form.description.data or "",
            kit_questions=form.kit_questions.data or "",
            kit_strong=form.kit_strong.data or "",
            kit_weak=form.kit_weak.data or "",
            actor=current_user,
            now=clock.now(),
        ),
        page=lambda status: _render_form(form, None, status),
        field="name",
        done=lambda principle: f"{principle.name} was added to the catalog.",
        then=url_for("principles.index"),
    )


def _render_form(form: PrincipleForm, principle: Principle | None, status: int = 200):
    return render_template("principles/form.html", form=form, principle=principle), status


@bp.route("/<int:principle_id>", methods=["GET", "POST"])
@login_required
def edit(principle_id: int):
    policy.require(policy.can_edit_principles(current_user))
    principle = load_or_404(Principle, principle_id)
    form = PrincipleForm(obj=principle)
    if not form.is_submitted():
        return _render_form(form, principle)
    return act(
        form,
        lambda: update_principle(
            principle,
            name=form.name.data,
            description=form.description.data or "",
            kit_questions=form.kit_questions.data or "",
            kit_strong=form.kit_strong.data or "",
            kit_weak=form.kit_weak.data or "",
            actor=current_user,
            now=clock.now(),
        ),
        page=lambda status: _render_form(form, principle, status),
        field="name",
        done=lambda _: f"{principle.name} was saved.",
        then=url_for("principles.index"),
    )


@bp.route("/<int:principle_id>/retire", methods=["POST"])
@login_required
def retire(principle_id: int):
    """Retire a principle: new loops can no longer use it; old feedback keeps it. 409 if retired.
    When open requisitions require it, the answer is a page listing them (409) whose button
    posts again with `confirmed=yes`; only then is it retired and taken off them."""
    policy.require(policy.can_edit_principles(current_user))
    principle = load_or_404(Principle, principle_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "warning")
        return redirect(url_for("principles.index"))
    try:
        requiring = retire_principle(
            principle,
            confirmed=request.form.get("confirmed") == "yes",
            actor=current_user,
            now=clock.now(),
        )
    except NeedsConfirmation as question:
        db.session.rollback()
        return render_template(
            "principles/confirm_retire.html", principle=principle, question=question
        ), question.status
    db.session.commit()
    names = ", ".join(requisition.title for requisition in requiring)
    flash(
        f"{principle.name} was retired" + (f" and taken off {names}." if names else "."),
        "success",
    )
    return redirect(url_for("principles.index"))


@bp.route("/<int:principle_id>/restore", methods=["POST"])
@login_required
def restore(principle_id: int):
    policy.require(policy.can_edit_principles(current_user))
    principle = load_or_404(Principle, principle_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "warning")
        return redirect(url_for("principles.index"))
    restore_principle(principle, actor=current_user, now=clock.now())
    db.session.commit()
    flash(f"{principle.name} is back in use.", "success")
    return redirect(url_for("principles.index"))
