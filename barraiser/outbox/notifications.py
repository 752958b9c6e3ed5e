"""The in-app notifications: every message is also an item in its recipient's list, with a
count of the unread ones in the navigation, for people who never read their email (and the
demo, which sends none).

The count is handed to the layout by this blueprint's context processor as a plain number —
one indexed COUNT, once per page — so no template runs SQL; the layout is the only page every
slice shares, and this is the one slice it needs to ask."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from .. import clock, frame, policy
from ..extensions import db
from ..pages import load_or_404, paginate
from .models import OutboxMessage
from .queries import UNREAD_WITH_LOGIN, notifications_of, unread_count
from .services import mark_all_read, mark_read

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PER_PAGE = 25


@bp.app_context_processor
def navigation_count() -> dict[str, Any]:
    if not has_request_context() or not current_user.is_authenticated:
        return {}
    if "unread_notifications" not in g:
        count = frame.kept(UNREAD_WITH_LOGIN)
        if count is frame.MISSING:
            with db.session.no_autoflush:
                count = unread_count(current_user.id)
        g.unread_notifications = count
    return {"unread_notifications": g.unread_notifications}


@bp.route("/")
@login_required
def index():
    page = paginate(notifications_of(current_user.id), per_page=PER_PAGE)
    return render_template("outbox/notifications.html", page=page)


@bp.route("/<int:message_id>/open", methods=["POST"])
@login_required
def open_one(message_id: int):
    """Mark the notification read and go to the page it is about. Someone else's is a 404."""
    message = load_or_404(OutboxMessage, message_id, check=policy.can_read_notification)
    mark_read(message, actor=current_user, now=clock.now())
    db.session.commit()
    if message.link:
        return redirect(request.script_root + message.link)
    return redirect(url_for("notifications.index"))


@bp.route("/read", methods=["POST"])
@login_required
def read_all():
    count = mark_all_read(actor=current_user, now=clock.now())
    db.session.commit()
    flash(f"Marked {count} notification{'s' if count != 1 else ''} read.", "success")
    return redirect(url_for("notifications.index"))
