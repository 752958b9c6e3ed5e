"""Making, revoking and checking API tokens. Plain functions with an explicit actor and `now`,
called by the token pages, the `create-token` command and the API's authentication alike."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import User
from ..errors import Forbidden, RuleViolation
from ..extensions import db
from .models import ApiToken, Scope, TokenKind

PREFIX = "brt_"
MAX_EXPIRY_DAYS = 366
# last_used_at is written at most this often, so a busy integration is not a write per request.
LAST_USE_GRANULARITY = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_token(
    *,
    user: User,
    name: str,
    kind: TokenKind = TokenKind.PERSONAL,
    scopes: Iterable[str] = (),
    expires_days: int | None = 90,
    actor: User | None,
    now: datetime,
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is returned here once and never stored. A personal
    token is made by its user (or an admin on the command line); a service token by an admin,
    with at least one scope, and acts as nobody."""
    name = name.strip()
    if not name:
        raise RuleViolation("Give the token a name, to tell it from your others.", field="name")
    wanted = sorted(set(scopes))
    unknown = [scope for scope in wanted if scope not in {s.value for s in Scope}]
    if unknown:
        raise RuleViolation(f"Unknown scope: {', '.join(unknown)}.", field="scopes")
    if kind is TokenKind.PERSONAL and wanted:
        raise RuleViolation(
            "A personal token acts as its user, with their roles; scopes are for service tokens.",
            field="scopes",
        )
    if kind is TokenKind.SERVICE and not wanted:
        raise RuleViolation("A service token needs at least one scope.", field="scopes")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise RuleViolation(
            f"A token expires after 1 to {MAX_EXPIRY_DAYS} days.", field="expires_days"
        )
    if not user.active:
        raise RuleViolation("This account is deactivated; it cannot hold tokens.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        kind=kind,
        name=name[:120],
        token_hash=token_digest(secret),
        prefix=secret[: len(PREFIX) + 6],
        user=user,
        scopes=" ".join(wanted),
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(token)
    db.session.flush()
    record(
        "api_token.created",
        actor=actor,
        subject=token,
        now=now,
        kind=kind.value,
        name=token.name,
        scopes=wanted,
        user_id=user.id,
        expires_at=token.expires_at.isoformat() if token.expires_at else None,
    )
    return token, secret


def revoke_token(token: ApiToken, *, actor: User, is_admin: bool, now: datetime) -> bool:
    """Revoke `token` from now on; False when it was revoked already (nothing changes)."""
    own = token.kind is TokenKind.PERSONAL and token.user_id == actor.id
    if not (own or is_admin):
        raise Forbidden("Only the token's owner or an admin can revoke it.")
    if token.revoked_at is not None:
        return False
    token.revoked_at = now
    db.session.flush()
    record("api_token.revoked", actor=actor, subject=token, now=now, kind=token.kind.value)
    return True


def token_for(secret: str, *, now: datetime) -> ApiToken | None:
    """The usable token whose secret is `secret`, its last use noted (at most once a minute);
    None for an unknown, revoked or expired token, or one whose user is deactivated."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == token_digest(secret))
    )
    if token is None or not token.usable(now) or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_GRANULARITY:
        # A plain UPDATE: no version, no event, and it commits on its own (see views).
        token.last_used_at = now
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.kind == TokenKind.PERSONAL)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def service_tokens() -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.kind == TokenKind.SERVICE)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )
