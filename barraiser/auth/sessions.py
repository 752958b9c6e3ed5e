"""Server-side login sessions: opened at login, ended at logout, after an idle spell, after a
maximum lifetime, and all at once when a password changes."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from .. import frame
from ..audit.services import record
from ..extensions import db
from .models import LoginSession, User

# last_seen_at is refreshed when it is older than this. A write per request would make every
# page view a write transaction (and serialise them on SQLite); once a minute keeps the idle
# timeout exact to the minute at a write a minute per active browser.
SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetime:
    """How long a session lasts: `idle` without a request, `maximum` after login in any case."""

    idle: timedelta
    maximum: timedelta


@dataclass(frozen=True)
class Found:
    """What a session cookie's token leads to: a user, or nobody (and whether it just expired)."""

    user: User | None
    expired: bool = False
    # The session's row was written (deleted, or marked seen): the caller commits.
    changed: bool = False
    # What every page's frame reads, read with the user (frame.keep them for the page).
    with_login: Mapping[str, Any] = field(default_factory=dict)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_login_session(user: User, *, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now
        )
    )
    record("user.logged_in", actor=user, subject=user, now=now)
    user.login_token = token
    db.session.flush()
    return token


# Every request runs it, so it is built once: building it with its loader option costs more than
# running it. The roles come in the same statement (a user has a handful): every page asks. So
# does what every page's frame reads (`frame`): built at the first login, once every slice has
# registered its columns.
@functools.cache
def _session_user() -> sa.Select[*tuple[Any, ...]]:
    return (
        sa.select(
            LoginSession.id,
            LoginSession.created_at,
            LoginSession.last_seen_at,
            User,
            *frame.login_columns(User.id),
        )
        .join(User, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == sa.bindparam("token_hash"), User.active.is_(True))
        .options(sa.orm.joinedload(User.role_rows))
    )


def user_for_login_token(token: str, *, now: datetime, lifetime: Lifetime) -> Found:
    """The active user behind a session cookie's token.

    Nobody once logged out or deactivated; nobody, `expired`, when the session has gone idle or
    reached its maximum age — its row is then deleted (the caller commits). A session in use has
    its last_seen_at moved forward, at most once a minute (the caller commits).
    """
    row = db.session.execute(_session_user(), {"token_hash": token_hash(token)}).unique().first()
    if row is None:
        return Found(None)
    session_id, created_at, last_seen_at, user = row[:4]
    if now - last_seen_at >= lifetime.idle or now - created_at >= lifetime.maximum:
        # Statements, not the unit of work: two requests noticing the expiry at once both
        # succeed (the second deletes nothing), as do two marking the session seen.
        db.session.execute(sa.delete(LoginSession).where(LoginSession.id == session_id))
        record(
            "user.session_expired",
            actor=user,
            subject=user,
            now=now,
            idle=now - last_seen_at >= lifetime.idle,
        )
        db.session.flush()
        return Found(None, expired=True, changed=True)
    user.login_token = token
    if now - last_seen_at >= SEEN_RESOLUTION:
        db.session.execute(
            sa.update(LoginSession)
            .where(LoginSession.id == session_id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        return Found(user, changed=True, with_login=dict(row._mapping))
    return Found(user, with_login=dict(row._mapping))


def close_login_session(user: User, *, now: datetime) -> None:
    if user.login_token:
        db.session.execute(
            sa.delete(LoginSession).where(LoginSession.token_hash == token_hash(user.login_token))
        )
    record("user.logged_out", actor=user, subject=user, now=now)


def end_sessions(user: User, *, keep_token: str | None = None) -> int:
    """Delete the user's login sessions, all but the one whose token is `keep_token`; how many."""
    query = sa.delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        query = query.where(LoginSession.token_hash != token_hash(keep_token))
    result = db.session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)
