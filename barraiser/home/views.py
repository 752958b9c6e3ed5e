"""Each user lands here and sees what is theirs to do now, by role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import clock
from ..auth.models import Role
from ..calibration.actions import owned_actions
from ..debrief.dashboard import debrief_todos, recent_decisions
from ..debrief.performance import hires_awaiting_rating
from ..feedback.dashboard import dashboard_for
from ..loops.dashboard import loops_dashboard

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    now = clock.now()
    return render_template(
        "home/index.html",
        loops=loops_dashboard(current_user, now=now),
        debriefs=debrief_todos(current_user),
        decisions=recent_decisions(current_user, now=now),
        ratings_due=(
            hires_awaiting_rating(current_user, now=now)
            if current_user.has_role(Role.HIRING_MANAGER)
            else []
        ),
        actions=owned_actions(current_user),
        feedback_board=dashboard_for(current_user, now=now),
    )
