"""Refusals shared by the requisition services and the loop rules."""

from __future__ import annotations

from ..auth.models import Role, User


def hiring_manager_problem(user: User | None) -> str | None:
    """Why `user` cannot be a hiring manager, or None."""
    if user is None or not user.active:
        return "Pick an active hiring manager."
    if not user.has_role(Role.HIRING_MANAGER):
        return (
            f"{user.name} is not a hiring manager; pick someone with the hiring manager role "
            "(an admin can grant it)."
        )
    return None
