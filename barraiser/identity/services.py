"""Signing in through the identity provider (just-in-time accounts, claims applied at every
login), the admin's claim rules, and the SCIM bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import Role, User, UserRole
from ..auth.services import create_user, normalise_email, user_by_email
from ..errors import Conflict, DomainError, RuleViolation
from ..extensions import db
from .models import ClaimRule, IdentityLink, ScimToken


class SignInRefused(DomainError):
    """The provider vouched for someone this app will not let in (unverified email, deactivated
    account). Not a fault of the request's shape: 403 with the reason."""

    status = 403
    title = "You cannot sign in"


@dataclass(frozen=True)
class Claims:
    """The ID token's claims this app reads."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    groups: frozenset[str]

    @classmethod
    def read(
        cls, claims: Mapping[str, Any], *, groups_claim: str, require_verified: bool
    ) -> Claims:
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email or len(email) > 254:
            raise SignInRefused(
                "Your identity provider did not send an email address, so no account can be "
                "matched to you. Ask whoever runs it to release the email claim to Bar Raiser."
            )
        verified = claims.get("email_verified")
        # Some providers send the boolean as a string.
        is_verified = verified is True or (isinstance(verified, str) and verified == "true")
        if require_verified and not is_verified:
            raise SignInRefused(
                f"Your identity provider has not verified the address {email}, so it cannot "
                "prove the account is yours. Verify it there, then sign in again."
            )
        raw_groups = claims.get(groups_claim) or []
        if isinstance(raw_groups, str):
            raw_groups = [raw_groups]
        groups = (
            frozenset(g for g in raw_groups if isinstance(g, str))
            if isinstance(raw_groups, list)
            else frozenset()
        )
        name = claims.get("name")
        if not isinstance(name, str) or not name.strip():
            given = " ".join(
                str(claims[part]) for part in ("given_name", "family_name") if claims.get(part)
            )
            name = given or email.split("@")[0]
        return cls(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            email=normalise_email(email),
            email_verified=is_verified,
            name=name.strip()[:120],
            groups=groups,
        )


def sign_in(claims: Claims, *, now: datetime) -> User:
    """The user these claims belong to: the one bound to (issuer, subject); else the one with
    this email, now bound; else a new one. The admin's claim rules are applied every time.
    Refuses a deactivated account. The caller opens the login session."""
    link = db.session.scalar(
        sa.select(IdentityLink).where(
            IdentityLink.issuer == claims.issuer, IdentityLink.subject == claims.subject
        )
    )
    if link is not None:
        user = link.user
        link.last_login_at = now
        if user.email != claims.email:
            _follow_email_change(user, claims.email, now=now)
    else:
        user = user_by_email(claims.email) or create_user(
            email=claims.email, name=claims.name, actor=None, now=now
        )
        db.session.add(
            IdentityLink(
                user_id=user.id,
                issuer=claims.issuer,
                subject=claims.subject,
                created_at=now,
                last_login_at=now,
            )
        )
        db.session.flush()
        record(
            "identity.linked",
            actor=None,
            subject=user,
            now=now,
            issuer=claims.issuer,
            subject_claim=claims.subject,
        )
    if not user.active:
        raise SignInRefused(
            "Your Bar Raiser account is deactivated. Ask an admin if you should still have access."
        )
    apply_claims(user, claims, now=now)
    return user


def _follow_email_change(user: User, email: str, *, now: datetime) -> None:
    if user_by_email(email) is not None:
        raise Conflict(
            f"Your identity provider now gives your address as {email}, but another Bar Raiser "
            "account already has it. Ask an admin to merge or rename one of them."
        )
    record("identity.email_changed", actor=None, subject=user, now=now, changes=[user.email, email])
    user.email = email


def apply_claims(user: User, claims: Claims, *, now: datetime) -> dict[str, list[Any]]:
    """Bring the user's name, and the roles, department and level the rules give their groups,
    in line with the provider; record what changed (nothing recorded when nothing did).

    The rules manage only the roles some rule names: a role no rule mentions stays as an admin
    set it. The last active admin keeps the admin role whatever the groups say."""
    rules = list(db.session.scalars(sa.select(ClaimRule).order_by(ClaimRule.id)))
    matched = [rule for rule in rules if rule.value in claims.groups]
    managed = {Role(role) for rule in rules for role in rule.roles}
    wanted = {Role(role) for rule in matched for role in rule.roles}
    roles = (set(user.roles) - managed) | wanted
    if Role.ADMIN in user.roles and Role.ADMIN not in roles and is_last_active_admin(user):
        roles.add(Role.ADMIN)
    changes: dict[str, list[Any]] = {}
    department = next((r.department for r in matched if r.department is not None), None)
    level = next((r.level for r in matched if r.level is not None), None)
    for attribute, value in (("name", claims.name), ("department", department), ("level", level)):
        if value is not None and getattr(user, attribute) != value:
            changes[attribute] = [getattr(user, attribute), value]
            setattr(user, attribute, value)
    if roles != set(user.roles):
        changes["roles"] = [sorted(r.value for r in user.roles), sorted(r.value for r in roles)]
        user.role_rows = [row for row in user.role_rows if row.role in roles] + [
            UserRole(role=role) for role in sorted(roles - user.roles)
        ]
    if changes:
        record(
            "identity.claims_applied",
            actor=None,
            subject=user,
            now=now,
            changes=changes,
            groups=sorted(rule.value for rule in matched),
        )
    db.session.flush()
    return changes


def is_last_active_admin(user: User) -> bool:
    others = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .join(UserRole)
        .where(UserRole.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    )
    return not others


def add_rule(
    *,
    value: str,
    roles: Iterable[Role],
    department: str | None,
    level: int | None,
    actor: User,
    now: datetime,
) -> ClaimRule:
    value = value.strip()
    if not value:
        raise RuleViolation("Name the group this rule is for.", field="value")
    if db.session.scalar(sa.select(ClaimRule.id).where(ClaimRule.value == value)) is not None:
        raise Conflict(f"There is a rule for {value} already; remove it first.", field="value")
    department = (department or "").strip() or None
    role_values = sorted({role.value for role in roles})
    if not role_values and department is None and level is None:
        raise RuleViolation("A rule must give a role, a department or a level.", field="roles")
    rule = ClaimRule(
        value=value, roles=role_values, department=department, level=level, created_at=now
    )
    db.session.add(rule)
    db.session.flush()
    record(
        "identity.rule_added",
        actor=actor,
        subject=rule,
        now=now,
        value=value,
        roles=role_values,
        department=department,
        level=level,
    )
    return rule


def remove_rule(rule: ClaimRule, *, actor: User, now: datetime) -> None:
    record(
        "identity.rule_removed",
        actor=actor,
        subject=rule,
        now=now,
        value=rule.value,
        roles=rule.roles,
        department=rule.department,
        level=rule.level,
    )
    db.session.delete(rule)
    db.session.flush()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_PREFIX = "brscim_"


def create_scim_token(name: str, *, actor: User, now: datetime) -> tuple[ScimToken, str]:
    """A new token and its secret, which is shown once and kept only as a hash."""
    name = name.strip()
    if not name:
        raise RuleViolation("Name the token after the client that will use it.", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken(
        name=name, token_hash=_token_hash(secret), created_by_id=actor.id, created_at=now
    )
    db.session.add(token)
    db.session.flush()
    record("identity.scim_token_created", actor=actor, subject=token, now=now, name=name)
    return token, secret


def revoke_scim_token(token: ScimToken, *, actor: User, now: datetime) -> None:
    if token.revoked_at is not None:
        raise Conflict(f"The token {token.name} was revoked already.")
    token.revoked_at = now
    record("identity.scim_token_revoked", actor=actor, subject=token, now=now, name=token.name)
    db.session.flush()


def scim_token_for(secret: str, *, now: datetime) -> ScimToken | None:
    """The live token with this secret, its use noted; None for an unknown or revoked one."""
    token = db.session.scalar(
        sa.select(ScimToken).where(
            ScimToken.token_hash == _token_hash(secret), ScimToken.revoked_at.is_(None)
        )
    )
    if token is not None:
        token.last_used_at = now
    return token
