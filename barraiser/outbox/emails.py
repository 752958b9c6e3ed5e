"""Message bodies, rendered from `templates/email/<name>.txt`, with links under BASE_URL.

A link in a message is read far from the request that queued it (or was queued by cron, with no
request at all), so it must be absolute and point at the configured address, not at whichever
host the request came in on. Email templates therefore get a `url_for` that always builds
absolute URLs under BASE_URL from the app's own URL map: `url_for('debrief.page', loop_id=1,
_external=True)`. Setting SERVER_NAME instead would change how requests are matched; pushing a
request context for BASE_URL inside a request would reset the rate limiter's per-request state.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import current_app

from ..lazy import lazy_module

if TYPE_CHECKING:
    import icalendar

    from .models import OutboxMessage
else:  # imported when a message with an invitation is first sent (see barraiser.lazy)
    icalendar = lazy_module("icalendar")


def external_url(endpoint: str, *, _external: bool = True, **values: Any) -> str:
    """The absolute URL of `endpoint` under BASE_URL. Relative links are refused: nothing in a
    message is relative to anything."""
    if not _external:
        raise ValueError("links in messages are absolute; drop _external=False")
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc,
        script_name=base.path.rstrip("/") or "/",
        url_scheme=base.scheme or "https",
    )
    return adapter.build(endpoint, values, force_external=True)


def app_path(endpoint: str, **values: Any) -> str:
    """The path of `endpoint` under the app's root (no host, no script root): what a message
    keeps as its `link`, for the notifications list to prefix with the request's root."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def render_body(template: str, **context: Any) -> str:
    """The text of `templates/email/<template>.txt`.

    Rendered from the template alone, without the request's context processors: a message's
    text is for its recipient, and must not pick up the acting user (`current_user`) or run the
    page's own lookups when it is queued during a request."""
    body = current_app.jinja_env.get_template(f"email/{template}.txt")
    return body.render(url_for=external_url, **context)


@dataclass(frozen=True)
class Envelope:
    """A claimed message, read in the claiming transaction: what is sent is what was claimed."""

    id: int
    to: str
    subject: str
    body: str
    calendar: str | None = None
    # A webhook delivery: the endpoint's URL (also in `to`), its secret, and whether it is on.
    secret: str | None = None
    enabled: bool = True

    @property
    def is_webhook(self) -> bool:
        return self.secret is not None

    @classmethod
    def of(cls, message: OutboxMessage) -> Envelope:
        return cls(
            id=message.id,
            to=message.address,
            subject=message.subject,
            body=message.body,
            calendar=message.calendar,
        )


def build_email(message: Envelope, config: Any) -> EmailMessage:
    """The email for `message`: its text, and its invitation (if any) as a text/calendar part
    with the calendar's METHOD, which mail clients show as an invitation to accept. The
    Message-ID is the message's own, so a resend after a crash is recognisably the same mail."""
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}@{config['MAIL_FROM'].rpartition('@')[2]}>"
    email.set_content(message.body)
    if message.calendar:
        method = str(icalendar.Calendar.from_ical(message.calendar).get("method", "PUBLISH"))
        email.add_attachment(
            message.calendar.encode(),
            maintype="text",
            subtype="calendar",
            params={"method": method},
            filename="invite.ics",
        )
    return email
