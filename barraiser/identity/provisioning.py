"""SCIM provisioning's operations on users: create, replace, patch, delete (deactivate). The
client is the company's directory, so the actor is no person: each event names the token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import Role, User
from ..auth.services import create_user, user_by_email
from ..auth.sessions import end_sessions
from ..errors import Conflict, RuleViolation
from ..extensions import db
from .models import ScimAccount, ScimToken
from .scim_schema import UserAttributes
from .services import is_last_active_admin


def scim_users() -> sa.Select[User, ScimAccount]:
    """Every user a SCIM client may see, with their SCIM account if any, oldest first."""
    query = (
        sa.select(User, ScimAccount)
        .outerjoin(ScimAccount, ScimAccount.user_id == User.id)
        .where(ScimAccount.deleted_at.is_(None))
        .order_by(User.id)
    )
    return query


def scim_user(user_id: int) -> tuple[User, ScimAccount | None] | None:
    row = db.session.execute(scim_users().where(User.id == user_id)).first()
    if row is None:
        return None
    user, account = row
    return user, account


def attributes_of(user: User, account: ScimAccount | None) -> UserAttributes:
    return UserAttributes(
        email=user.email,
        name=user.name,
        active=user.active,
        external_id=account.external_id if account else None,
        department=user.department,
    )


def provision_user(
    attributes: UserAttributes, *, token: ScimToken, now: datetime
) -> tuple[User, ScimAccount]:
    """A new user, or one deleted over SCIM before, brought back with these attributes."""
    existing = user_by_email(attributes.email)
    if existing is not None:
        account = db.session.get(ScimAccount, existing.id)
        if account is None or account.deleted_at is None:
            raise Conflict(f"A user with userName {attributes.email} exists already.")
        account.deleted_at = None
        apply_attributes(existing, account, attributes, token=token, now=now)
        return existing, account
    user = create_user(
        email=attributes.email,
        name=attributes.name,
        department=attributes.department or "",
        actor=None,
        now=now,
    )
    user.active = attributes.active
    account = ScimAccount(
        user_id=user.id, external_id=attributes.external_id, created_at=now, updated_at=now
    )
    db.session.add(account)
    record("identity.scim_user_created", actor=None, subject=user, now=now, token=token.name)
    db.session.flush()
    return user, account


def apply_attributes(
    user: User,
    account: ScimAccount | None,
    attributes: UserAttributes,
    *,
    token: ScimToken,
    now: datetime,
) -> ScimAccount:
    """Bring the user in line with `attributes` (PUT and PATCH end here). Deactivation ends
    every session of the user at once; the last active admin is never deactivated."""
    if attributes.email != user.email and user_by_email(attributes.email) is not None:
        raise Conflict(f"Another user has the userName {attributes.email}.")
    if (
        user.active
        and not attributes.active
        and Role.ADMIN in user.roles
        and is_last_active_admin(user)
    ):
        raise RuleViolation(
            "This is the last active admin; make another admin first (on Bar Raiser's user "
            "pages), then deactivate this one.",
            field="active",
        )
    changes: dict[str, list[Any]] = {}
    new_values = {"email": attributes.email, "name": attributes.name, "active": attributes.active}
    if attributes.department is not None:
        new_values["department"] = attributes.department
    for attribute, value in new_values.items():
        if getattr(user, attribute) != value:
            changes[attribute] = [getattr(user, attribute), value]
            setattr(user, attribute, value)
    if account is None:
        account = ScimAccount(user_id=user.id, created_at=now, updated_at=now)
        db.session.add(account)
    if account.external_id != attributes.external_id:
        changes["externalId"] = [account.external_id, attributes.external_id]
        account.external_id = attributes.external_id
    if changes:
        account.updated_at = now
        record(
            "identity.scim_user_updated",
            actor=None,
            subject=user,
            now=now,
            token=token.name,
            changes=changes,
        )
    if not user.active:
        end_sessions(user)
    db.session.flush()
    return account


def delete_user(
    user: User, account: ScimAccount | None, *, token: ScimToken, now: datetime
) -> None:
    """Deactivate and hide from SCIM; the user and everything they wrote stay."""
    attributes = attributes_of(user, account)
    account = apply_attributes(
        user,
        account,
        UserAttributes(**{**attributes.__dict__, "active": False}),
        token=token,
        now=now,
    )
    account.deleted_at = now
    record("identity.scim_user_deleted", actor=None, subject=user, now=now, token=token.name)
    db.session.flush()
