"""Action items: the services that create and update them (each change an audit event), and
the lookups their pages and the report need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from .. import policy
from ..audit.services import record
from ..auth.models import User
from ..database import read_rows
from ..errors import Conflict, Forbidden, RuleViolation, stale_is_conflict
from ..extensions import db
from ..outbox.emails import app_path
from ..outbox.services import queue_message
from ..outbox.webhooks import queue_event
from .models import ACTION_TRANSITIONS, ActionItem, ActionStatus

STALE_ACTION = "Someone changed this action since you opened it. Here it is as it stands now."


def _owner(owner_id: int) -> User:
    """An owner is an active user: often an inspector or a hiring manager, but an interviewer
    may own "calibrate myself" too; they see and move the item from their home page."""
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.active:
        raise RuleViolation("The owner must be an active user.", field="owner")
    return owner


def _check_due(due_on: date, *, now: datetime) -> None:
    if due_on < now.date():
        raise RuleViolation("The due date is in the past.", field="due_on")


def create_action(
    *,
    subject_email: str,
    reason: str,
    owner_id: int,
    due_on: date,
    notes: str = "",
    actor: User | None,
    now: datetime,
) -> ActionItem:
    """Open an action item about an interviewer (usually from a flag on the report)."""
    subject = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == subject_email.strip().lower())
    )
    if subject is None:
        raise RuleViolation("There is no user with that email.", field="subject")
    reason = reason.strip()
    if not reason:
        raise RuleViolation("Say why this action is needed.", field="reason")
    owner = _owner(owner_id)
    _check_due(due_on, now=now)
    action = ActionItem(
        subject=subject,
        reason=reason,
        owner=owner,
        due_on=due_on,
        status=ActionStatus.OPEN,
        notes=notes.strip(),
        created_by_id=actor.id if actor is not None else None,
        created_at=now,
        updated_at=now,
    )
    db.session.add(action)
    db.session.flush()
    record(
        "action.created",
        actor=actor,
        subject=action,
        now=now,
        interviewer=subject.email,
        owner=owner.email,
        due_on=due_on.isoformat(),
        reason=reason,
    )
    _tell_owner(action, now=now)
    _action_event(action, change="created", now=now)
    return action


def update_action(
    action: ActionItem,
    *,
    status: ActionStatus,
    owner_id: int,
    due_on: date,
    notes: str,
    version: int,
    actor: User | None,
    now: datetime,
) -> bool:
    """Change an action's status, owner, due date or notes; False (nothing recorded) if unchanged.

    Refuses a stale form (someone saved in between) and a move the status table does not allow
    (409), an owner who cannot own it and a new due date in the past (422). The version checked
    here is the one read at the start of the request; a save committed since then makes this
    UPDATE match no row (version_id_col), which is refused the same way.
    """
    # No actor: an integration, which its token's `actions:write` scope already allows.
    if actor is not None and not policy.can_progress_action(actor, action):
        raise Forbidden("Only the action's owner and inspectors change it.")
    if version != action.version:
        raise Conflict(STALE_ACTION)
    if (
        actor is not None
        and (owner_id, due_on) != (action.owner_id, action.due_on)
        and not policy.can_reassign_action(actor)
    ):
        raise Forbidden("Only inspectors reassign an action item or move its due date.")
    changes: dict[str, Any] = {}
    if status is not action.status:
        if not action.can_move_to(status):
            raise Conflict(
                f"An action that is {action.status.label.lower()} cannot become "
                f"{status.label.lower()}."
            )
        changes["status"] = [action.status.value, status.value]
    owner = action.owner
    if owner_id != action.owner_id:
        owner = _owner(owner_id)
        changes["owner"] = [action.owner.email, owner.email]
    if due_on != action.due_on:
        _check_due(due_on, now=now)
        changes["due_on"] = [action.due_on.isoformat(), due_on.isoformat()]
    notes = notes.strip()
    if notes != action.notes:
        changes["notes"] = [action.notes, notes]
    if not changes:
        return False
    action.owner, action.due_on, action.notes = owner, due_on, notes
    event = "action.updated"
    if "status" in changes:
        action.status = status
        if status is ActionStatus.CLOSED:
            action.closed_at, event = now, "action.closed"
        elif action.closed_at is not None:
            action.closed_at, event = None, "action.reopened"
    action.updated_at = now
    with stale_is_conflict(STALE_ACTION):
        db.session.flush()
    record(
        event,
        actor=actor,
        subject=action,
        now=now,
        changes=changes,
    )
    db.session.flush()
    if "owner" in changes:
        _tell_owner(action, now=now)
    elif actor is None or actor.id != action.owner_id:
        _tell_owner_of_change(action, changes, actor=actor, now=now)
    _action_event(action, change=event.removeprefix("action."), now=now)
    return True


def progress_action(
    action: ActionItem,
    *,
    status: ActionStatus,
    notes: str,
    version: int,
    actor: User,
    now: datetime,
) -> bool:
    """The owner's part of an update: move the status along (close it) and keep notes; owner
    and due date stay as the inspectors set them."""
    return update_action(
        action,
        status=status,
        owner_id=action.owner_id,
        due_on=action.due_on,
        notes=notes,
        version=version,
        actor=actor,
        now=now,
    )


def _action_event(action: ActionItem, *, change: str, now: datetime) -> None:
    """`action_item.changed` for integrations: ids, status and dates (no reason or notes,
    which may quote feedback)."""
    queue_event(
        "action_item.changed",
        {
            "action_item_id": action.id,
            "change": change,
            "status": action.status.value,
            "interviewer_id": action.subject_id,
            "owner_id": action.owner_id,
            "due_on": action.due_on.isoformat(),
            "closed_at": action.closed_at.isoformat() if action.closed_at else None,
            "version": action.version,
        },
        key=f"{action.id}:{action.version}",
        now=now,
    )


# -- notices -------------------------------------------------------------------------------------


def _action_page(action: ActionItem) -> tuple[str, dict[str, int]]:
    """The action's page; every owner may open it."""
    return "calibration.edit_action", {"action_id": action.id}


def _tell_owner(action: ActionItem, *, now: datetime) -> None:
    """The owner learns it is theirs, once per assignment (the version tells a reassignment back
    to them from the first)."""
    page = _action_page(action)
    queue_message(
        action.owner,
        kind="action_assigned",
        dedupe_key=f"action-assigned:{action.id}:{action.version}",
        subject=f"Action item for you: {action.subject.name}, due {action.due_on.isoformat()}",
        template="action_assigned",
        context={"action": action, "page": page},
        now=now,
        link=app_path(page[0], **page[1]),
    )


def _tell_owner_of_change(
    action: ActionItem, changes: dict[str, Any], *, actor: User | None, now: datetime
) -> None:
    """Someone else (or an integration) changed the owner's item: once per change (the version
    names it)."""
    page = _action_page(action)
    by = actor.name if actor is not None else "an integration"
    queue_message(
        action.owner,
        kind="action_changed",
        dedupe_key=f"action-changed:{action.id}:{action.version}",
        subject=f"Action item changed by {by}: {action.subject.name} "
        f"({action.status.label.lower()})",
        template="action_changed",
        context={"action": action, "changed": sorted(changes), "by": by, "page": page},
        now=now,
        link=app_path(page[0], **page[1]),
    )


def progress_statuses(status: ActionStatus) -> tuple[ActionStatus, ...]:
    """The statuses an item's owner may pick, in their order: the one it has and the moves open
    to it."""
    allowed = {status, *ACTION_TRANSITIONS[status]}
    return tuple(s for s in ActionStatus if s in allowed)


@dataclass(frozen=True)
class OwnedAction:
    """An action item on its owner's home page, with what its progress form shows."""

    id: int
    subject: str  # the interviewer's name
    status: ActionStatus
    due_on: date
    reason: str
    notes: str
    version: int

    @property
    def statuses(self) -> tuple[ActionStatus, ...]:
        return progress_statuses(self.status)


# Built once (building a select costs as much as running it); the owner is bound per call.
_OWNED = (
    sa.select(
        ActionItem.id,
        User.name,
        ActionItem.status,
        ActionItem.due_on,
        ActionItem.reason,
        ActionItem.notes,
        ActionItem.version,
    )
    .join(User, User.id == ActionItem.subject_id)
    .where(
        ActionItem.owner_id == sa.bindparam("owner", type_=sa.Integer),
        ActionItem.status != ActionStatus.CLOSED,
    )
    .order_by(ActionItem.due_on, ActionItem.id)
)


def owned_actions(owner: User) -> list[OwnedAction]:
    """The owner's action items still open or in progress, soonest due first, for their home
    page, as plain rows (database.read_rows)."""
    return [OwnedAction(*row) for row in read_rows(_OWNED, {"owner": owner.id})]


def queue_due_actions(*, now: datetime) -> int:
    """Tell each owner of an action item that is due today or overdue and not closed, once per
    due date (a new due date is a new reminder). Returns how many were queued; run by the
    reminder sweep."""
    due = db.session.scalars(
        sa.select(ActionItem)
        .where(ActionItem.status != ActionStatus.CLOSED, ActionItem.due_on <= now.date())
        .options(sa.orm.joinedload(ActionItem.subject), sa.orm.joinedload(ActionItem.owner))
        .order_by(ActionItem.id)
    ).all()
    queued = 0
    for action in due:
        overdue = action.due_on < now.date()
        page = _action_page(action)
        queued += queue_message(
            action.owner,
            kind="action_due",
            dedupe_key=f"action-due:{action.id}:{action.due_on.isoformat()}:{action.owner_id}",
            subject=f"{'Overdue' if overdue else 'Due today'}: action item on "
            f"{action.subject.name}",
            template="action_due",
            context={"action": action, "overdue": overdue, "page": page},
            now=now,
            link=app_path(page[0], **page[1]),
        )
    return queued


# -- lookups -------------------------------------------------------------------------------------


class OpenAction(NamedTuple):
    """An open or in-progress action item as the report lists it."""

    id: int
    subject_email: str
    subject_name: str
    reason: str
    owner_email: str
    owner_name: str
    due_on: date
    status: ActionStatus
    notes: str
    created_at: datetime


_SUBJECT, _OWNER = User.__table__.alias("subject"), User.__table__.alias("owner")
# Built once (building a select costs as much as running it).
_OPEN = (
    sa.select(
        ActionItem.id,
        _SUBJECT.c.email,
        _SUBJECT.c.name,
        ActionItem.reason,
        _OWNER.c.email,
        _OWNER.c.name,
        ActionItem.due_on,
        ActionItem.status,
        ActionItem.notes,
        ActionItem.created_at,
    )
    .join(_SUBJECT, _SUBJECT.c.id == ActionItem.subject_id)
    .join(_OWNER, _OWNER.c.id == ActionItem.owner_id)
    .where(ActionItem.status != ActionStatus.CLOSED)
    .order_by(ActionItem.due_on, ActionItem.id)
)


def open_actions() -> list[OpenAction]:
    """Open and in-progress action items, whatever the period: they stay until closed. Soonest
    due first, as plain rows (database.read_rows)."""
    return [OpenAction(*row) for row in read_rows(_OPEN)]


def possible_owners() -> list[tuple[int, str, str]]:
    """(id, name, email) of active users: who may own an action item."""
    query = (
        sa.select(User.id, User.name, User.email)
        .where(User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return [(id_, name, email) for id_, name, email in db.session.execute(query)]
