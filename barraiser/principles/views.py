"""The catalog pages: everyone reads it; admins edit, add, retire and restore."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import clock, policy
from ..errors import DomainError
from ..extensions import db
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
    if form.validate_on_submit():
        try:
            principle = create_principle(
                name=form.name.data,
                description=form.description.data or "",
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
            return render_template("principles/form.html", form=form, principle=None), error.status
        db.session.commit()
        flash(f"{principle.name} was added to the catalog.", "success")
        return redirect(url_for("principles.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("principles/form.html", form=form, principle=None), status


@bp.route("/<int:principle_id>", methods=["GET", "POST"])
@login_required
def edit(principle_id: int):
    policy.require(policy.can_edit_principles(current_user))
    principle = db.get_or_404(Principle, principle_id)
    form = PrincipleForm(obj=principle)
    if form.validate_on_submit():
        try:
            update_principle(
                principle,
                name=form.name.data,
                description=form.description.data or "",
                actor=current_user,
                now=clock.now(),
            )
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
            return render_template(
                "principles/form.html", form=form, principle=principle
            ), error.status
        db.session.commit()
        flash(f"{principle.name} was saved.", "success")
        return redirect(url_for("principles.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("principles/form.html", form=form, principle=principle), status


@bp.route("/<int:principle_id>/retire", methods=["POST"])
@login_required
def retire(principle_id: int):
    """Retire a principle: new loops can no longer use it; old feedback keeps it. 409 if retired."""
    policy.require(policy.can_edit_principles(current_user))
    principle = db.get_or_404(Principle, principle_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "warning")
        return redirect(url_for("principles.index"))
    retire_principle(principle, actor=current_user, now=clock.now())
    db.session.commit()
    flash(f"{principle.name} was retired.", "success")
    return redirect(url_for("principles.index"))


@bp.route("/<int:principle_id>/restore", methods=["POST"])
@login_required
def restore(principle_id: int):
    policy.require(policy.can_edit_principles(current_user))
    principle = db.get_or_404(Principle, principle_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "warning")
        return redirect(url_for("principles.index"))
    restore_principle(principle, actor=current_user, now=clock.now())
    db.session.commit()
    flash(f"{principle.name} is back in use.", "success")
    return redirect(url_for("principles.index"))
