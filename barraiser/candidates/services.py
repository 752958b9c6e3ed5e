"""Candidate operations. Candidate data is personal: audit events name the fields that changed,
never their values, so erasing a candidate leaves nothing of them in the append-only trail."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import User
from ..errors import Conflict, RuleViolation
from ..extensions import db
from .models import Candidate


def _clean_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def _check_candidate(name: str, email: str | None, *, except_id: int | None = None) -> None:
    if not name.strip():
        raise RuleViolation("Give the candidate's name.", field="name")
    if email is None:
        return
    query = sa.select(Candidate.id).where(Candidate.email == email, Candidate.erased_at.is_(None))
    if except_id is not None:
        query = query.where(Candidate.id != except_id)
    if db.session.scalar(query) is not None:
        raise Conflict(
            "A candidate with this email already exists; open their page from the candidate "
            "list instead of adding them twice.",
            field="email",
        )


def create_candidate(
    *,
    name: str,
    email: str | None,
    source: str,
    notes: str,
    actor: User | None,
    now: datetime,
) -> Candidate:
    email = _clean_email(email)
    _check_candidate(name, email)
    candidate = Candidate(
        name=name.strip(),
        email=email,
        source=source.strip(),
        notes=notes.strip(),
        created_at=now,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(candidate)
    db.session.flush()
    record("candidate.created", actor=actor, subject=candidate, now=now)
    return candidate


def update_candidate(
    candidate: Candidate,
    *,
    name: str,
    email: str | None,
    source: str,
    notes: str,
    actor: User,
    now: datetime,
) -> None:
    if candidate.erased_at is not None:
        raise Conflict("This candidate was erased; their record can no longer change.")
    email = _clean_email(email)
    _check_candidate(name, email, except_id=candidate.id)
    changed = []
    for attribute, value in (
        ("name", name.strip()),
        ("email", email),
        ("source", source.strip()),
        ("notes", notes.strip()),
    ):
        if getattr(candidate, attribute) != value:
            changed.append(attribute)
            setattr(candidate, attribute, value)
    if changed:
        record(
            "candidate.updated",
            actor=actor,
            subject=candidate,
            now=now,
            fields=changed,
        )
    db.session.flush()
