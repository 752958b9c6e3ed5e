"""Reading candidates for pages and forms."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .models import Candidate

CANDIDATE_CHOICES = 500
SEARCH_RESULTS = 50


def _label(candidate: Candidate) -> str:
    return candidate.name + (f" <{candidate.email}>" if candidate.email else "")


def search_candidates(
    text: str | None, *, include_id: int | None = None, limit: int = SEARCH_RESULTS
) -> tuple[list[tuple[int, str]], int]:
    """Candidates whose name or email holds `text` (all when empty), most recent first, at most
    `limit` of them, plus the one already picked; and how many match in all."""
    text = (text or "").strip()
    where: list[sa.ColumnElement[bool]] = [Candidate.erased_at.is_(None)]
    if text:
        needle = text.lower()
        where.append(
            sa.or_(
                sa.func.lower(Candidate.name).contains(needle, autoescape=True),
                sa.func.lower(Candidate.email).contains(needle, autoescape=True),
            )
        )
    total = db.session.scalar(sa.select(sa.func.count(Candidate.id)).where(*where)) or 0
    query = (
        sa.select(Candidate)
        .where(*where)
        .order_by(Candidate.created_at.desc(), Candidate.id.desc())
        .limit(limit)
    )
    candidates = list(db.session.scalars(query))
    if include_id is not None and include_id not in {c.id for c in candidates}:
        picked = db.session.get(Candidate, include_id)
        if picked is not None and picked.erased_at is None:
            candidates.insert(0, picked)
    return [(candidate.id, _label(candidate)) for candidate in candidates], total


def candidate_choices(*, include_id: int | None = None) -> list[tuple[int, str]]:
    """The most recent candidates (a select is no search box), plus the one already picked."""
    query = (
        sa.select(Candidate)
        .where(Candidate.erased_at.is_(None))
        .order_by(Candidate.created_at.desc(), Candidate.id.desc())
        .limit(CANDIDATE_CHOICES)
    )
    candidates = list(db.session.scalars(query))
    if include_id is not None and include_id not in {c.id for c in candidates}:
        picked = db.session.get(Candidate, include_id)
        if picked is not None and picked.erased_at is None:
            candidates.insert(0, picked)
    return [
        (candidate.id, candidate.name + (f" <{candidate.email}>" if candidate.email else ""))
        for candidate in candidates
    ]
