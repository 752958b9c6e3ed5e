"""The people and requisitions an import of history refers to: found by email and by title and
department, and those not there yet created (people who cannot log in until an admin invites
them; requisitions that require what every imported loop of theirs covered)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..auth.models import BarRaiserStatus, Role, User, UserRole
from ..extensions import db
from ..requisitions.models import Requisition, RequisitionStatus, requisition_principle
from .bulk import BulkWriter, table_of
from .parse import LoopRecord

# Neither the file nor history says how senior a role or a person was: people and roles both get
# the users' default level, so imported people may sit on new loops for an imported requisition
# without an edit.
IMPORTED_LEVEL: int = User.__table__.c.level.default.arg


def people(
    writer: BulkWriter, loops: Iterable[LoopRecord], *, now: datetime
) -> tuple[dict[str, int], int]:
    """Every person's id by email, creating the unknown ones as users who cannot log in yet."""
    known = {email: id_ for email, id_ in db.session.execute(sa.select(User.email, User.id))}
    names: dict[str, str] = {}
    departments: dict[str, str] = {}
    for loop in loops:
        for email in (loop.hiring_manager_email, loop.bar_raiser_email):
            names.setdefault(email, "")
        departments.setdefault(loop.hiring_manager_email, loop.department)
        for seat in loop.seats:
            if not names.get(seat.interviewer_email):
                names[seat.interviewer_email] = seat.interviewer_name
    missing = [email for email in names if email not in known]
    ids = writer.new_ids(table_of(User), len(missing))
    writer.rows(
        table_of(User),
        (
            "id",
            "email",
            "name",
            "department",
            "level",
            "password_hash",
            "active",
            "bar_raiser_status",
            "certified_by_id",
            "certified_at",
            "created_at",
        ),
    ).write(
        (
            id_,
            email,
            names[email] or _name_from_email(email),
            departments.get(email, ""),
            IMPORTED_LEVEL,
            # No password: the person cannot log in until an admin invites them.
            None,
            True,
            BarRaiserStatus.NONE,
            None,
            None,
            now,
        )
        for email, id_ in zip(missing, ids, strict=True)
    )
    known.update(zip(missing, ids, strict=True))
    # Someone who ran a loop as its hiring manager holds that role, so the requisitions created
    # for them can be edited and given new loops without a trip to the user admin first.
    managers = {email for email in departments if email in missing}
    writer.rows(table_of(UserRole), ("user_id", "role")).write(
        (known[email], Role.HIRING_MANAGER) for email in sorted(managers)
    )
    return known, len(missing)


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)[:120]


def requisitions(
    writer: BulkWriter,
    loops: Sequence[LoopRecord],
    *,
    user_ids: dict[str, int],
    principle_ids: dict[str, int],
) -> tuple[dict[tuple[str, str], int], int]:
    """Requisition ids by (title, department), reusing existing ones and creating the others.

    A created requisition requires the principles its imported loops all covered on the panel:
    the union would demand more principles than a panel can probe, and fail every old loop.
    An existing requisition is left as it is.
    """
    ids = {
        (title, department): id_
        for id_, title, department in db.session.execute(
            sa.select(Requisition.id, Requisition.title, Requisition.department).order_by(
                Requisition.id.desc()
            )
        )
    }
    new: dict[tuple[str, str], list[Any]] = {}
    required: dict[tuple[str, str], set[str]] = {}
    for loop in loops:
        key = (loop.requisition, loop.department)
        if key in ids:
            continue
        if key not in new:
            new[key] = [
                loop.requisition,
                IMPORTED_LEVEL,
                loop.department,
                user_ids[loop.hiring_manager_email],
                RequisitionStatus.OPEN,
                loop.first_interview_at,
                None,
            ]
            required[key] = set(loop.panel_principles)
        else:
            new[key][5] = min(new[key][5], loop.first_interview_at)
            required[key] &= loop.panel_principles
    keys = list(new)
    new_ids = writer.new_ids(table_of(Requisition), len(keys))
    writer.rows(
        table_of(Requisition),
        (
            "id",
            "title",
            "level",
            "department",
            "hiring_manager_id",
            "status",
            "created_at",
            "created_by_id",
        ),
    ).write((id_, *new[key]) for key, id_ in zip(keys, new_ids, strict=True))
    ids.update(zip(keys, new_ids, strict=True))
    writer.rows(requisition_principle, ("requisition_id", "principle_id")).write(
        (ids[key], principle_ids[name]) for key in keys for name in sorted(required[key])
    )
    return ids, len(keys)
