"""Reading candidates for pages and forms."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .models import Candidate

CANDIDATE_CHOICES = 500


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
