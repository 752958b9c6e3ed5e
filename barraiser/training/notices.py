"""The person is told when they are certified as a Bar Raiser or enrolled in training, whoever
changed it (an admin's page, the CLI, the demo): auth's set_bar_raiser_status signals the change
in its transaction, and this queues the message in the same one."""

from __future__ import annotations

from datetime import datetime

from ..auth.models import BarRaiserStatus, User
from ..auth.services import bar_raiser_status_changed
from ..outbox.emails import app_path
from ..outbox.services import queue_message

SUBJECTS = {
    BarRaiserStatus.CERTIFIED: "You are now a certified Bar Raiser",
    BarRaiserStatus.IN_TRAINING: "You are enrolled as a Bar Raiser in training",
}


@bar_raiser_status_changed.connect
def tell_the_person(user: User, *, old: BarRaiserStatus, actor: User | None, now: datetime) -> None:
    subject = SUBJECTS.get(user.bar_raiser_status)
    if subject is None:  # withdrawn: nothing for them to do
        return
    queue_message(
        user,
        kind="bar_raiser_status",
        dedupe_key=f"bar-raiser-status:{user.id}:{user.bar_raiser_status.value}:{now.isoformat()}",
        subject=subject,
        template="bar_raiser_status",
        context={"status": user.bar_raiser_status, "BarRaiserStatus": BarRaiserStatus, "by": actor},
        now=now,
        link=app_path("home.index"),
    )
