"""Account operations: creating and editing users, certifying Bar Raisers, logging in and out."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from blinker import Namespace

from ..audit.services import record
from ..errors import Conflict, RuleViolation
from ..extensions import db
from .models import BarRaiserStatus, LoginSession, Role, User, UserRole

# argon2id with the library's defaults (RFC 9106 low-memory profile). The test suite switches to
# the cheapest profile through PASSWORD_HASH_PROFILE, so hundreds of logins stay fast; hashes made
# under one profile verify under any other.
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def use_hash_profile(name: str) -> None:
    """Select an argon2 parameter profile by name (see argon2.profiles), e.g. 'CHEAPEST'."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(getattr(profiles, name))
    _DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


MIN_PASSWORD_LENGTH = 8


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    return _hasher.hash(password)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, if they may log in; None otherwise."""
    user = user_by_email(email)
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.can_log_in:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_login_session(user: User, *, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id, created_at=now))
    record("user.logged_in", actor=user, subject=user, now=now)
    user.login_token = token
    db.session.flush()
    return token


def user_for_login_token(token: str) -> User | None:
    """The active user behind a session cookie's token, or None once logged out or deactivated."""
    user = db.session.scalar(
        sa.select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _token_hash(token), User.active.is_(True))
    )
    if user is not None:
        user.login_token = token
    return user


def close_login_session(user: User, *, now: datetime) -> None:
    if user.login_token:
        db.session.execute(
            sa.delete(LoginSession).where(LoginSession.token_hash == _token_hash(user.login_token))
        )
    record("user.logged_out", actor=user, subject=user, now=now)


def create_user(
    *,
    email: str,
    name: str,
    department: str = "",
    level: int = 4,
    roles: Iterable[Role] = (),
    password: str | None = None,
    actor: User | None,
    now: datetime,
) -> User:
    email = normalise_email(email)
    if user_by_email(email) is not None:
        raise Conflict(f"A user with the email {email} already exists.", field="email")
    user = User(
        email=email,
        name=name.strip(),
        department=department.strip(),
        level=level,
        password_hash=hash_password(password) if password else None,
        bar_raiser_status=BarRaiserStatus.NONE,
        created_at=now,
        active=True,
    )
    user.role_rows = [UserRole(role=role) for role in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    record(
        "user.created",
        actor=actor,
        subject=user,
        now=now,
        email=email,
        roles=sorted(r.value for r in set(roles)),
    )
    return user


def update_user(
    user: User,
    *,
    name: str,
    department: str,
    level: int,
    roles: Iterable[Role],
    active: bool,
    actor: User,
    now: datetime,
) -> None:
    new_roles = set(roles)
    if user.id == actor.id and Role.ADMIN not in new_roles:
        raise RuleViolation("You cannot remove your own admin role.", field="roles")
    if user.id == actor.id and not active:
        raise RuleViolation("You cannot deactivate your own account.", field="active")
    if Role.ADMIN in user.roles and (Role.ADMIN not in new_roles or not active):
        other_admins = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .join(UserRole)
            .where(UserRole.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        if not other_admins:
            raise RuleViolation("The last active admin must stay an active admin.", field="roles")
    changes: dict[str, object] = {}
    for attribute, value in (
        ("name", name.strip()),
        ("department", department.strip()),
        ("level", level),
        ("active", active),
    ):
        if getattr(user, attribute) != value:
            changes[attribute] = [getattr(user, attribute), value]
            setattr(user, attribute, value)
    if new_roles != set(user.roles):
        changes["roles"] = [sorted(r.value for r in user.roles), sorted(r.value for r in new_roles)]
        keep = [row for row in user.role_rows if row.role in new_roles]
        added = [UserRole(role=role) for role in sorted(new_roles - user.roles)]
        user.role_rows = keep + added
    if not active:
        # Deactivation ends every open session at once.
        db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    if changes:
        record(
            "user.updated",
            actor=actor,
            subject=user,
            now=now,
            changes=changes,
        )
    db.session.flush()


def set_password(user: User, password: str, *, actor: User | None, now: datetime) -> None:
    user.password_hash = hash_password(password)
    record("user.password_set", actor=actor, subject=user, now=now)
    db.session.flush()


_signals = Namespace()
# Sent in the transaction of the change, for the slices above to act on it (the person is told
# through the outbox, which sits above this slice): sender the user; old, actor, now.
bar_raiser_status_changed = _signals.signal("bar-raiser-status-changed")


def set_bar_raiser_status(
    user: User, status: BarRaiserStatus, *, actor: User | None, now: datetime
) -> None:
    """Certify a Bar Raiser (recording who and when), enrol one in training, or withdraw.

    `actor=None` is the operator at the console (the CLI), who may certify the first Bar Raisers.
    """
    if status is user.bar_raiser_status:
        return
    if status is BarRaiserStatus.CERTIFIED and actor is not None and user.id == actor.id:
        raise RuleViolation(
            "Nobody certifies themselves as a Bar Raiser.", field="bar_raiser_status"
        )
    old = user.bar_raiser_status
    user.bar_raiser_status = status
    if status is BarRaiserStatus.CERTIFIED:
        user.certified_at = now
        user.certified_by_id = actor.id if actor is not None else None
    else:
        user.certified_at = None
        user.certified_by_id = None
    record(
        "user.bar_raiser_status_changed",
        actor=actor,
        subject=user,
        now=now,
        old=old.value,
        new=status.value,
    )
    db.session.flush()
    bar_raiser_status_changed.send(user, old=old, actor=actor, now=now)
