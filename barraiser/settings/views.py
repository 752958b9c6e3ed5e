"""The admin page for the mechanism's settings and their history."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock, policy
from ..audit.models import AuditEvent
from ..extensions import db
from ..pages import act
from .forms import ProfileForm, SettingsForm
from .mechanism import SETTINGS, MechanismSettings
from .services import change_settings, current_settings, set_time_zone
from .viewer import local_time

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")
profile_bp = Blueprint("profile", __name__, url_prefix="/account")


@profile_bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Everyone's own preferences: their time zone (an unknown zone is a 422, on the field)."""
    form = ProfileForm(data={"time_zone": current_user.time_zone or ""})
    organisation_zone = current_settings().time_zone
    form.set_choices(organisation_zone)

    def page(status: int):
        return render_template(
            "settings/profile.html",
            form=form,
            organisation_zone=organisation_zone,
            now_shown=local_time(clock.now()),
        ), status

    if request.method == "GET":
        return page(200)
    return act(
        form,
        lambda: set_time_zone(
            current_user, form.time_zone.data, actor=current_user, now=clock.now()
        ),
        page=page,
        field="time_zone",
        done=lambda changed: "Your time zone is saved." if changed else "Nothing changed.",
        then=url_for("profile.profile"),
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    policy.require(policy.can_change_settings(current_user))
    form = SettingsForm(data=dataclasses.asdict(current_settings()))
    if form.validate_on_submit():
        # The form checked each value as its setting does, so these settings are valid.
        new = MechanismSettings(**{key: form[key].data for key in SETTINGS})
        changed = change_settings(new, actor=current_user, now=clock.now())
        db.session.commit()
        flash("Settings saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("settings.index"))
    history = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "setting.changed")
        .options(sa.orm.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(50)
    ).all()
    status = 400 if form.is_submitted() else 200
    return render_template(
        "settings/index.html", form=form, history=history, specs=SETTINGS
    ), status
