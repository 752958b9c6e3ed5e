"""Setting up claim rules and SCIM tokens for a test, straight from the models."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from barraiser import clock
from barraiser.auth.models import Role
from barraiser.extensions import db
from barraiser.identity.models import ClaimRule, ScimToken


def add_rule(
    value: str,
    *,
    roles: Iterable[Role] = (),
    department: str | None = None,
    level: int | None = None,
) -> ClaimRule:
    rule = ClaimRule(
        value=value,
        roles=sorted(role.value for role in roles),
        department=department,
        level=level,
        created_at=clock.now(),
    )
    db.session.add(rule)
    db.session.commit()
    return rule


def add_scim_token(name: str = "Directory") -> str:
    secret = "brscim_" + secrets.token_urlsafe(16)
    db.session.add(
        ScimToken(
            name=name,
            token_hash=hashlib.sha256(secret.encode()).hexdigest(),
            created_at=clock.now(),
        )
    )
    db.session.commit()
    return secret
