"""Queueing and delivering messages. Queueing is part of the caller's transaction; delivery runs
after commit (a sweep: `flask remind`, `flask worker`), so a rolled-back action sends nothing.

Exactly once, from any number of sweeps on any number of hosts: a sweep first *claims* the due
messages it will send — in one short transaction that locks them (PostgreSQL: FOR UPDATE SKIP
LOCKED, so two sweeps take disjoint sets without waiting; SQLite: every transaction holds the
write lock from its BEGIN IMMEDIATE) and writes a lease, `claimed_until` — then sends each and
records the outcome in a transaction of its own. No other sweep takes a message while its lease
runs, and a sweep never sends once half its lease is gone, so two sweeps never both send it.

The one trade-off: if the mail server accepted a message and the process died before recording
it, the lease runs out and the message is sent again (at least once, not at most once). That
window is the few milliseconds between SMTP's final answer and a commit; losing a notice is worse
than a rare duplicate after a crash. A sweep that is stopped (SIGTERM) finishes the message in
hand and gives its other claims back at once. A failed send is retried with exponential backoff
and dead after MAIL_MAX_ATTEMPTS; a permanent refusal (SMTP 5xx) is dead at once.

Webhook deliveries (webhooks.py) are messages to an endpoint instead of a person: claimed,
retried and given up the same way, under WEBHOOK_RETRY_SECONDS and WEBHOOK_MAX_ATTEMPTS."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..audit.services import record
from ..auth.models import User
from ..domain import MESSAGE_STATES_DUE, MESSAGE_STATES_RETRIABLE, MessageState
from ..errors import Conflict, Forbidden
from ..extensions import db
from .emails import Envelope, build_email, render_body
from .models import OutboxMessage, WebhookEndpoint
from .queueing import queue_once
from .webhooks import WebhookFailed, WebhookRefused
from .webhooks import deliver as deliver_webhook


def queue_message(
    recipient: User,
    *,
    kind: str,
    dedupe_key: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    loop_id: int | None = None,
    candidate_id: int | None = None,
    link: str | None = None,
    calendar: bytes | str | None = None,
) -> bool:
    """Record a message once per `dedupe_key`; returns False when it was already queued.

    The body is `templates/email/<template>.txt` rendered with `context` and the recipient. A
    message about a loop or a candidate passes its ids: erasing the candidate finds it by them.
    A savepoint keeps a duplicate (two cron runs at once) from spoiling the caller's transaction.
    `link` is the path of the page the message is about (emails.app_path), for the recipient's
    notifications; `calendar` an .ics the email carries (an invitation, its update or cancel).
    """
    return queue_once(
        dedupe_key,
        now=now,
        columns=lambda: {
            "kind": kind,
            "recipient_id": recipient.id,
            "loop_id": loop_id,
            "candidate_id": candidate_id,
            "subject": subject,
            "body": render_body(template, recipient=recipient, **context),
            "link": link,
            "calendar": calendar.decode() if isinstance(calendar, bytes) else calendar,
        },
    )


def queue_email(
    address: str,
    *,
    kind: str,
    dedupe_key: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    loop_id: int | None = None,
    candidate_id: int | None = None,
) -> bool:
    """Record an email to someone with no account (a candidate), once per `dedupe_key`; False
    when it was already queued. Delivered like any message; it is in nobody's notifications."""
    return queue_once(
        dedupe_key,
        now=now,
        columns=lambda: {
            "kind": kind,
            "to_address": address,
            "loop_id": loop_id,
            "candidate_id": candidate_id,
            "subject": subject,
            "body": render_body(template, **context),
        },
    )


# How long a sweep's claim keeps other sweeps off a message, and how many it claims at a time.
# With MAIL_TIMEOUT_SECONDS at 30, a batch of 10 cannot outlast half the lease even if every
# send times out; a sweep checks anyway before each send.
CLAIM_FOR = timedelta(minutes=10)
CLAIM_BATCH = 10
LONGEST_WAIT = timedelta(days=1)


@dataclass
class Sweep:
    """What one delivery sweep did: messages sent, sends that failed (of which `dead` gave up)."""

    delivered: int = 0
    failed: int = 0
    dead: int = 0


def retry_delay(attempts: int, *, first: timedelta) -> timedelta:
    """How long after its `attempts`-th failed attempt a message is tried again: `first`,
    doubling each time, never more than a day."""
    doublings = min(max(attempts - 1, 0), 32)  # 2**32 minutes already passes a day
    return min(first * 2**doublings, LONGEST_WAIT)


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        OutboxMessage.state.in_(MESSAGE_STATES_DUE),
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.next_attempt_at <= now,
        sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
    )


def claim_due(*, now: datetime, limit: int) -> list[Envelope]:
    """Claim up to `limit` due messages for this sweep and commit the claim."""
    ids = list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        db.session.commit()
        return []
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(claimed_until=now + CLAIM_FOR)
        .execution_options(synchronize_session=False)
    )
    envelopes = [
        Envelope(
            id=row.id,
            to=row.email if row.email is not None else row.url,
            subject=row.subject,
            body=row.body,
            calendar=row.calendar,
            secret=row.secret,
            enabled=row.enabled is not False,
        )
        for row in db.session.execute(
            sa.select(
                OutboxMessage.id,
                sa.func.coalesce(User.email, OutboxMessage.to_address).label("email"),
                WebhookEndpoint.url,
                WebhookEndpoint.secret,
                WebhookEndpoint.enabled,
                OutboxMessage.subject,
                OutboxMessage.body,
                OutboxMessage.calendar,
            )
            .outerjoin(User, User.id == OutboxMessage.recipient_id)
            .outerjoin(WebhookEndpoint, WebhookEndpoint.id == OutboxMessage.endpoint_id)
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        )
    ]
    db.session.commit()
    return envelopes


def release(envelopes: Sequence[Envelope]) -> None:
    """Give back claims this sweep will not use, so another sweep sends them now."""
    if envelopes:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_([envelope.id for envelope in envelopes]))
            .values(claimed_until=None)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def deliver_due(
    *, now: datetime, limit: int = 500, should_stop: Callable[[], bool] = lambda: False
) -> Sweep:
    """One delivery sweep: send the messages due at `now` (at most `limit`) over SMTP when
    MAIL_SERVER is set, else write them to the log. Safe to run in any number of processes at
    once. `should_stop` is asked before each message: once it says so, the sweep gives back what
    it claimed and returns."""
    sweep = Sweep()
    taken = 0
    while taken < limit and not should_stop():
        batch = claim_due(now=now, limit=min(CLAIM_BATCH, limit - taken))
        if not batch:
            break
        taken += len(batch)
        claimed = time.monotonic()
        for index, envelope in enumerate(batch):
            if should_stop() or time.monotonic() - claimed > CLAIM_FOR.total_seconds() / 2:
                release(batch[index:])
                break
            _deliver(envelope, now=now, sweep=sweep)
    return sweep


def _deliver(envelope: Envelope, *, now: datetime, sweep: Sweep) -> None:
    config = current_app.config
    try:
        if envelope.is_webhook:
            if not envelope.enabled:
                raise WebhookRefused("the endpoint is disabled")
            assert envelope.secret is not None
            deliver_webhook(
                message_id=envelope.id,
                url=envelope.to,
                secret=envelope.secret,
                body=envelope.body,
                now=now,
            )
        elif config["MAIL_SERVER"]:
            _send_smtp(envelope)
        else:
            current_app.logger.info(
                "mail to %s: %s\n%s", envelope.to, envelope.subject, envelope.body
            )
    except (OSError, smtplib.SMTPException, WebhookFailed, WebhookRefused) as error:
        permanent = _is_permanent(error)
        dead = _record_failure(
            envelope.id,
            f"{type(error).__name__}: {error}",
            permanent=permanent,
            now=now,
            webhook=envelope.is_webhook,
        )
        sweep.failed += 1
        sweep.dead += dead
        current_app.logger.warning(
            "could not send message %s (%s): %s", envelope.id, "dead" if dead else "retrying", error
        )
        return
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == envelope.id)
        .values(
            state=MessageState.SENT,
            sent_at=now,
            attempts=OutboxMessage.attempts + 1,
            last_attempt_at=now,
            claimed_until=None,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    sweep.delivered += 1


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer (the mailbox does not exist, the sender is refused): trying again the same
    way cannot succeed. Anything else (refused connection, timeout, 4xx) may pass later."""
    if isinstance(error, WebhookRefused):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _record_failure(
    message_id: int, error: str, *, permanent: bool, now: datetime, webhook: bool = False
) -> bool:
    """Count the failed attempt and schedule the next, or give up; True when it is now dead."""
    config = current_app.config
    prefix = "WEBHOOK" if webhook else "MAIL"
    attempts = 1 + (
        db.session.scalar(
            sa.select(OutboxMessage.attempts)
            .where(OutboxMessage.id == message_id)
            .with_for_update()
        )
        or 0
    )
    dead = permanent or attempts >= config[f"{prefix}_MAX_ATTEMPTS"]
    delay = retry_delay(attempts, first=timedelta(seconds=config[f"{prefix}_RETRY_SECONDS"]))
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state.in_(MESSAGE_STATES_DUE))
        .values(
            state=MessageState.DEAD if dead else MessageState.RETRYING,
            attempts=attempts,
            last_attempt_at=now,
            next_attempt_at=now if dead else now + delay,
            claimed_until=None,
            error=error[:2000],
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return dead


def retry_now(message: OutboxMessage, *, actor: User, now: datetime) -> None:
    """Have a retrying or dead message sent by the next sweep. A dead message gets one more
    attempt (dead again if it fails); a retrying one keeps its count and goes now. The caller
    commits."""
    was = message.state
    changed = db.session.execute(  # type: ignore[attr-defined]
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.state.in_(MESSAGE_STATES_RETRIABLE),
        )
        .values(state=MessageState.RETRYING, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(message)
    if not changed:
        raise Conflict(
            f"This message is {message.state.value} now: only a retrying or dead message can be "
            "sent again."
        )
    record(
        "message.retried",
        actor=actor,
        subject=message,
        now=now,
        kind=message.kind,
        state_was=was.value,
        attempts=message.attempts,
    )
    db.session.flush()


def _send_smtp(envelope: Envelope) -> None:
    config = current_app.config
    email = build_email(envelope, config)
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def mark_read(message: OutboxMessage, *, actor: User, now: datetime) -> None:
    """The recipient opened the message; the first opening is kept. Refused (Forbidden) for
    anyone else: a message is its recipient's alone."""
    if message.recipient_id != actor.id:
        raise Forbidden("This notification is someone else's.")
    if message.read_at is None:
        message.read_at = now
        db.session.flush()


def mark_all_read(*, actor: User, now: datetime) -> int:
    """Mark every unread message to `actor` read; returns how many."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.recipient_id == actor.id, OutboxMessage.read_at.is_(None))
        .values(read_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
