"""What a line of the home page's loop and feedback lists shows, as plain rows: read as columns by
statements built once, so a home page costs its SQL and little more (loading entities, their
relationships and the identity map cost several times the reads themselves)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from ..domain import LoopState
from ..principles.models import Principle
from .models import InterviewPrinciple


class PrincipleName(NamedTuple):
    """A principle as the lists show it (loops/macros.html's principle_list reads `.name`)."""

    name: str


def with_principles(interviews: sa.Subquery) -> sa.Select[Any]:
    """Each row of `interviews` (a subquery with an `id` column, one page of interviews) followed
    by the names of the principles its interviewer probes, one row per principle in their order
    (a NULL name for an interview without any): one statement for the page and its principles."""
    return (
        sa.select(interviews, Principle.name.label("principle"))
        .outerjoin(InterviewPrinciple, InterviewPrinciple.interview_id == interviews.c.id)
        .outerjoin(Principle, Principle.id == InterviewPrinciple.principle_id)
    )


def grouped_by_interview(
    rows: Iterable[Any],
) -> list[tuple[Any, tuple[PrincipleName, ...]]]:
    """Rows of a with_principles statement ordered by interview, as (the interview's first row,
    its principles)."""
    grouped: list[tuple[Any, list[PrincipleName]]] = []
    last_id = None
    for row in rows:
        if row.id != last_id:
            grouped.append((row, []))
            last_id = row.id
        if row.principle is not None:
            grouped[-1][1].append(PrincipleName(row.principle))
    return [(row, tuple(names)) for row, names in grouped]


@dataclass(frozen=True, slots=True)
class UpcomingInterview:
    """One of the user's interviews to come, with what the home page shows of its loop."""

    id: int
    loop_id: int
    interviewer_id: int
    starts_at: datetime
    duration_minutes: int
    is_shadow: bool
    candidate_name: str
    requisition_title: str
    principles: Sequence[PrincipleName]


@dataclass(frozen=True, slots=True)
class DraftLoop:
    """A loop waiting to be scheduled, and what the user is to do with it, in words."""

    loop_id: int
    state: LoopState
    candidate_name: str
    requisition_title: str
    action: str
