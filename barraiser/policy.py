"""Who may do what. Small predicates used by views (to refuse) and templates (to hide), so a hidden
button and a refused URL can never disagree."""

from __future__ import annotations

from .auth.models import Role, User
from .errors import Forbidden, NotFound


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.ADMIN)


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def can_edit_principles(user: User) -> bool:
    return is_admin(user)


def can_view_principles(user: User) -> bool:
    return user.is_authenticated


def can_view_audit(user: User) -> bool:
    return is_admin(user)


def can_change_settings(user: User) -> bool:
    return is_admin(user)


def require(allowed: bool, *, hide: bool = False) -> None:
    """Refuse the request unless `allowed`: 404 when the user may not know the object exists
    (`hide=True`), 403 when they may see it but not do this."""
    if allowed:
        return
    if hide:
        raise NotFound("There is nothing here, or you may not see it.")
    raise Forbidden("Your roles do not allow this. Ask an admin if you need it.")
