"""Account operations: creating and editing users, certifying Bar Raisers, checking and changing
passwords. Login sessions: auth.sessions; set-password links: auth.links."""

from __future__ import annotations

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
from .models import BarRaiserStatus, Role, User, UserRole
from .passwords import require_acceptable
from .sessions import end_sessions

# argon2id with the library's defaults (RFC 9106 low-memory profile). The test suite switches to
# the cheapest profile through PASSWORD_HASH_PROFILE, so hundreds of logins stay fast; hashes made
# under one profile verify under any other.
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
# Made on the first login that needs it, under the profile in force: a hash costs some 100 ms, so
# none is made when the app starts.
_dummy_hash: str | None = None


def use_hash_profile(name: str) -> None:
    """Select an argon2 parameter profile by name (see argon2.profiles), e.g. 'CHEAPEST'."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher.from_parameters(getattr(profiles, name))
    _dummy_hash = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_hex(16))
    return _dummy_hash


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    """The argon2id hash of a password; the policy is checked by the callers that take one from
    a person (auth.passwords.require_acceptable)."""
    return _hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, if they may log in; None otherwise."""
    user = user_by_email(email)
    stored = user.password_hash if user is not None and user.password_hash else _dummy()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.can_log_in:
        return None
    if _hasher.check_needs_rehash(stored):
        # Hashed under other parameters (an older default, a cheaper profile): the password is
        # at hand now, so the stored hash moves to the current ones. The login commits it.
        user.password_hash = _hasher.hash(password)
    return user


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
    if password:
        require_acceptable(password, email=email, name=name.strip())
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
        end_sessions(user)
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
    """Give `user` a new password (policy checked) and end every session they have open."""
    require_acceptable(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    ended = end_sessions(user)
    record("user.password_set", actor=actor, subject=user, now=now, sessions_ended=ended)
    db.session.flush()


def change_password(
    user: User, *, current: str, new: str, keep_token: str | None, now: datetime
) -> int:
    """The user changes their own password: the current one is required, the new one follows
    the policy, and every other session of theirs ends (the one at `keep_token` stays).
    Returns how many sessions ended."""
    if not password_matches(user, current):
        raise RuleViolation("That is not your current password.", field="current_password")
    if new == current:
        raise RuleViolation("Choose a password you are not using now.", field="new_password")
    require_acceptable(new, email=user.email, name=user.name, field="new_password")
    user.password_hash = hash_password(new)
    ended = end_sessions(user, keep_token=keep_token)
    record("user.password_changed", actor=user, subject=user, now=now, sessions_ended=ended)
    db.session.flush()
    return ended


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
