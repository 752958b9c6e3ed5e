"""Queueing and delivering messages. Queueing is part of the caller's transaction; delivery runs
after commit (from the CLI), so a rolled-back action never sends anything."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..auth.models import User
from ..errors import Forbidden
from ..extensions import db
from .emails import build_email, render_body
from .models import OutboxMessage


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
    exists = db.session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if exists is not None:
        return False
    body = render_body(template, recipient=recipient, **context)
    try:
        with db.session.begin_nested():
            db.session.add(
                OutboxMessage(
                    dedupe_key=dedupe_key,
                    kind=kind,
                    recipient_id=recipient.id,
                    loop_id=loop_id,
                    candidate_id=candidate_id,
                    subject=subject,
                    body=body,
                    created_at=now,
                    link=link,
                    calendar=calendar.decode() if isinstance(calendar, bytes) else calendar,
                )
            )
    except sa.exc.IntegrityError:
        return False
    return True


def deliver_pending(*, now: datetime, limit: int = 500) -> int:
    """Send queued messages over SMTP when MAIL_SERVER is set, else write them to the log.

    Each message is marked sent (or its error kept) and committed one by one, so a failure midway
    neither loses nor repeats the others.
    """
    pending = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.error.is_(None))
        .options(sa.orm.joinedload(OutboxMessage.recipient))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    config = current_app.config
    delivered = 0
    for message in pending:
        try:
            if config["MAIL_SERVER"]:
                _send_smtp(message)
            else:
                current_app.logger.info(
                    "mail to %s: %s\n%s", message.recipient.email, message.subject, message.body
                )
            message.sent_at = now
            delivered += 1
        except (OSError, smtplib.SMTPException) as error:
            message.error = f"{type(error).__name__}: {error}"
            current_app.logger.warning("could not send message %s: %s", message.id, error)
        db.session.commit()
    return delivered


def _send_smtp(message: OutboxMessage) -> None:
    config = current_app.config
    email = build_email(message, config)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
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
