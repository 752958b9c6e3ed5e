"""Set-password links: one per user at a time, single use, stored as a SHA-256 of the token.
They invite new and imported users, reset forgotten passwords, and rotate compromised ones."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..audit.services import record
from ..errors import DomainError, NotFound, RuleViolation
from ..extensions import db
from ..outbox.services import queue_message
from .models import PasswordLink, PasswordLinkPurpose, User
from .passwords import require_acceptable
from .services import hash_password, user_by_email
from .sessions import end_sessions, token_hash

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")

UNKNOWN_LINK = (
    "This link is not valid. If you asked for several, only the newest one works; otherwise ask "
    "for a new one on the login page (Forgot password?) or from an admin."
)


class LinkGone(DomainError):
    """The link existed and no longer works (used or expired): 410."""

    status = 410
    title = "This link no longer works"


def issue_password_link(
    user: User,
    *,
    purpose: PasswordLinkPurpose,
    actor: User | None,
    now: datetime,
    valid_for: timedelta,
) -> PasswordLink:
    """Email `user` a new link to set their password; their older links stop working."""
    if not user.active:
        raise RuleViolation(f"{user.name}'s account is deactivated: reactivate it first.")
    db.session.execute(sa.delete(PasswordLink).where(PasswordLink.user_id == user.id))
    token = secrets.token_urlsafe(32)
    link = PasswordLink(
        user_id=user.id,
        token_hash=token_hash(token),
        purpose=purpose,
        created_at=now,
        expires_at=now + valid_for,
        used_at=None,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(link)
    db.session.flush()
    inviting = purpose is PasswordLinkPurpose.INVITE
    queue_message(
        user,
        kind="password_link",
        # By token, not by row id: a database may give a deleted older link's id to the new one.
        dedupe_key=f"password-link:{link.token_hash}",
        subject="Set your Bar Raiser password" if inviting else "Reset your Bar Raiser password",
        template="password_link",
        context={"token": token, "link": link, "inviting": inviting, "sender": actor},
        now=now,
    )
    # The token itself is in no audit event: an admin reading the log could use it.
    record(
        "user.password_link_sent",
        actor=actor,
        subject=user,
        now=now,
        purpose=purpose.value,
        expires_at=link.expires_at.isoformat(),
    )
    return link


def link_for_token(token: str, *, now: datetime) -> PasswordLink:
    """The usable link behind `token`: NotFound when there is none (malformed, unknown, replaced
    by a newer one), LinkGone when it was used or has expired, or its account is deactivated."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise NotFound(UNKNOWN_LINK)
    link = db.session.scalar(
        sa.select(PasswordLink).where(PasswordLink.token_hash == token_hash(token))
    )
    if link is None:
        raise NotFound(UNKNOWN_LINK)
    if link.used_at is not None:
        raise LinkGone(
            "This link was already used to set a password. Log in with that password, or ask "
            "for a new link on the login page (Forgot password?)."
        )
    if now >= link.expires_at:
        raise LinkGone(
            "This link has expired. Ask for a new one on the login page (Forgot password?) or "
            "from an admin."
        )
    if not link.user.active:
        raise LinkGone("This account is deactivated; an admin can reactivate it.")
    return link


def set_password_with_link(token: str, password: str, *, now: datetime) -> User:
    """Set the password of the link's user (policy checked), use the link up, and end every
    session the user has open. Of two uses at once, one wins; the other gets LinkGone."""
    link = link_for_token(token, now=now)
    user = link.user
    require_acceptable(password, email=user.email, name=user.name)
    used = db.session.execute(
        sa.update(PasswordLink)
        .where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(used, "rowcount", 0) != 1:
        raise LinkGone("This link was already used to set a password.")
    user.password_hash = hash_password(password)
    ended = end_sessions(user)
    record(
        "user.password_set_by_link",
        actor=user,
        subject=user,
        now=now,
        purpose=link.purpose.value,
        sessions_ended=ended,
    )
    db.session.flush()
    return user


def request_password_reset(email: str, *, now: datetime, valid_for: timedelta) -> None:
    """Forgot password: a reset link for an active account with this email, and for anyone else
    the same work without the message, so the answer and its timing say nothing of who exists."""
    user = user_by_email(email)
    if user is None or not user.active:
        token_hash(secrets.token_urlsafe(32))
        return
    issue_password_link(
        user, purpose=PasswordLinkPurpose.RESET, actor=None, now=now, valid_for=valid_for
    )


def pending_links(users: list[User], *, now: datetime) -> dict[int, PasswordLink]:
    """The unused, unexpired link of each of these users that has one, by user id."""
    if not users:
        return {}
    links = db.session.scalars(
        sa.select(PasswordLink).where(
            PasswordLink.user_id.in_([user.id for user in users]),
            PasswordLink.used_at.is_(None),
            PasswordLink.expires_at > now,
        )
    )
    return {link.user_id: link for link in links}
