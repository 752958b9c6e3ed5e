"""The admin page for the mechanism's settings and their history."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import clock, policy
from ..audit.models import AuditEvent
from ..extensions import db
from .forms import SettingsForm
from .services import SETTINGS, change_setting, current_settings

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    policy.require(policy.can_change_settings(current_user))
    form = SettingsForm(data=current_settings())
    if form.validate_on_submit():
        now = clock.now()
        changed = [
            key
            for key in SETTINGS
            if change_setting(key, getattr(form, key).data, actor=current_user, now=now)
        ]
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
