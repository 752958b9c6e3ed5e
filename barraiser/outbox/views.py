"""The admin's view of the outbox: every message by state — queued, retrying (attempts, next
attempt, last error), dead, sent, withheld — and "retry now" for a retrying or dead one.

Bodies are not shown. A message about a loop goes to its people while the loop runs, and some
(the decision's notices, say) may speak of its outcome; an admin who sits on that panel and has
not submitted must not read them here. Recipient, kind, subject and dates are enough to find a
stuck message and say who was not told."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from .. import clock, policy
from ..auth.models import User
from ..domain import MESSAGE_STATES_RETRIABLE, MessageState
from ..extensions import db
from ..pages import load_or_404, paginate, state_filter
from .models import OutboxMessage
from .queries import count_by_state, messages_in
from .services import retry_now

bp = Blueprint("outbox", __name__, url_prefix="/admin/messages")


def _can_manage(user: User, message: OutboxMessage) -> bool:
    return policy.can_manage_messages(user)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    policy.require(policy.can_manage_messages(current_user), hide=True)
    state = state_filter(
        "state",
        MessageState,
        default="all",
        everything="all",
        refusal="There is no message state called {value!r}.",
    )
    page = paginate(messages_in(state), per_page=current_app.config["PAGE_SIZE"])
    return render_template(
        "outbox/index.html",
        page=page,
        # A message's subject may say how a loop ended: not to an admin who still owes feedback
        # on that loop's panel.
        sealed=policy.loops_sealed_for(current_user, (m.loop_id for m in page.items)),
        state=state,
        counts=count_by_state(),
        states=list(MessageState),
        retriable=MESSAGE_STATES_RETRIABLE,
    )


@bp.post("/<int:message_id>/retry")
@login_required
def retry(message_id: int) -> ResponseReturnValue:
    """Send a retrying or dead message at the next sweep; 409 when it is in another state now
    (a sweep sent it meanwhile, or another admin retried it)."""
    message = load_or_404(OutboxMessage, message_id, check=_can_manage)
    retry_now(message, actor=current_user, now=clock.now())
    recipient = message.recipient.email if message.recipient else message.endpoint.url  # type: ignore[union-attr]
    db.session.commit()
    flash(f"The message to {recipient} goes out at the next sweep.", "success")
    shown = request.form.get("shown", "all")
    return redirect(url_for("outbox.index", state=shown if shown in SHOWN else "all"))


# The list a retry returns to, as the form says; anything else returns to the whole list.
SHOWN = frozenset({state.value for state in MessageState} | {"all"})
