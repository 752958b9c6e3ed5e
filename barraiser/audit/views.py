"""The audit log browser (admins): newest first, filterable by action and subject."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from .. import policy
from ..pages import paginate
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


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
    return render_template("audit/index.html", page=page, action=action, subject_type=subject_type)
