"""Reading loops for pages, with everything a page shows loaded in a
fixed number of queries, whatever the panel size or the number of rows."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from .. import policy
from ..auth.models import BarRaiserStatus, User
from ..candidates.models import Candidate, display_name
from ..candidates.queries import candidate_choices
from ..database import read_rows
from ..domain import LoopState, Outcome
from ..extensions import db
from ..pages import state_filter
from ..requisitions.models import Requisition
from ..requisitions.queries import (
    active_users,
    hiring_manager_choices,
    open_requisition_choices,
    person_label,
    principle_choices,
)
from .models import PANEL, Interview, InterviewPrinciple, Loop
from .rules import may_lead_as_bar_raiser_clause, may_lead_as_trainee_clause

# An interview's calendar file: the interview with its principles, and its loop as the loop's
# pages have it.
CALENDAR = (
    joinedload(Interview.interviewer),
    joinedload(Interview.loop).options(*PANEL),
    selectinload(Interview.assignments).joinedload(InterviewPrinciple.principle),
)


class ListOutcome(enum.StrEnum):
    """A loop's outcome as lists show and filter it."""

    HIRE = "hire"
    NO_HIRE = "no_hire"
    VETOED = "vetoed"
    PENDING = "pending"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


def outcome_clause(outcome: ListOutcome) -> sa.ColumnElement[bool]:
    """Loops with `outcome`; pending: not decided yet (cancelled loops have none)."""
    decided = Loop.state == LoopState.DECIDED
    return {
        ListOutcome.HIRE: sa.and_(decided, Loop.outcome == Outcome.HIRE),
        ListOutcome.NO_HIRE: sa.and_(
            decided, Loop.outcome == Outcome.NO_HIRE, Loop.vetoed.is_(False)
        ),
        ListOutcome.VETOED: sa.and_(decided, Loop.vetoed.is_(True)),
        ListOutcome.PENDING: Loop.state.in_(
            [LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF]
        ),
    }[outcome]


def outcome_filter() -> ListOutcome | None:
    """The `outcome=` of a loop list's query string (400 for one that is not an outcome)."""
    return state_filter(
        "outcome",
        ListOutcome,
        default="",
        everything="",
        refusal="There is no outcome called {value!r}; pick hire, no hire, vetoed or pending.",
    )


def with_outcome(
    query: sa.Select, outcome: ListOutcome | None, reader: User | sa.ColumnElement[int]
) -> sa.Select:
    """`query` (over Loop) narrowed to loops with `outcome`. A decided outcome never finds a
    loop whose outcome is sealed from `reader` (policy.sealed_loop_clause; a user, or their id
    as a bound parameter): filtering would tell them what the list hides."""
    if outcome is None:
        return query
    query = query.where(outcome_clause(outcome))
    if outcome is not ListOutcome.PENDING:
        query = query.where(~policy.sealed_loop_clause(reader))
    return query


def people_choices() -> list[tuple[int, str]]:
    return [(user.id, person_label(user)) for user in db.session.scalars(active_users())]


def trainee_lead_choices(
    requisition: Requisition | None, *, hiring_manager_id: int | None = None
) -> list[tuple[int, str]]:
    """Bar Raisers in training who may lead a loop on `requisition` under a certified shadow."""
    if requisition is not None and hiring_manager_id is None:
        hiring_manager_id = requisition.hiring_manager_id
    query = active_users().where(
        may_lead_as_trainee_clause(requisition, hiring_manager_id=hiring_manager_id)
    )
    return [(user.id, person_label(user)) for user in db.session.scalars(query)]


def bar_raiser_choices(
    status: BarRaiserStatus,
    requisition: Requisition | None = None,
    *,
    hiring_manager_id: int | None = None,
) -> list[tuple[int, str]]:
    if status is BarRaiserStatus.CERTIFIED:
        # The rule the service checks (loops.rules), as SQL: with the requisition chosen, only
        # those who may lead a loop on it; before that, those who may lead one on any.
        if requisition is not None and hiring_manager_id is None:
            hiring_manager_id = requisition.hiring_manager_id
        who = may_lead_as_bar_raiser_clause(requisition, hiring_manager_id=hiring_manager_id)
    else:
        who = User.bar_raiser_status == status
    query = active_users().where(who)
    return [(user.id, person_label(user)) for user in db.session.scalars(query)]


TRAINEE_LEADS = "in training: leads with a certified shadow"
CERTIFIED_SHADOWS = "certified: shadows a trainee who leads, and holds the veto"


def _marked(choices: list[tuple[int, str]], note: str) -> list[tuple[int, str]]:
    return [(user_id, f"{label} — {note}") for user_id, label in choices]


def panel_choices(
    requisition: Requisition | None = None, *, hiring_manager_id: int | None = None
) -> dict[str, list[tuple[int, str]]]:
    """The options of every select in the panel editor; the Bar Raisers offered are those
    eligible for `requisition` with that hiring manager (the requisition's when None). A trainee
    may lead under a certified shadow (reverse shadow), so each list offers both."""
    certified = bar_raiser_choices(
        BarRaiserStatus.CERTIFIED, requisition, hiring_manager_id=hiring_manager_id
    )
    return {
        "people": people_choices(),
        "bar_raisers": [
            *certified,
            *_marked(
                trainee_lead_choices(requisition, hiring_manager_id=hiring_manager_id),
                TRAINEE_LEADS,
            ),
        ],
        "trainees": [
            *bar_raiser_choices(BarRaiserStatus.IN_TRAINING),
            *_marked(certified, CERTIFIED_SHADOWS),
        ],
        "managers": hiring_manager_choices(),
        "principles": principle_choices(),
    }


__all__ = ["candidate_choices", "open_requisition_choices"]


# --- the lines of a list of loops ------------------------------------------------------------
# (the loop list, a requisition's and a candidate's loops, a Bar Raiser's loops on the home
# page). A list shows 25 loops; loading them as entities with their candidate, requisition, Bar
# Raiser and every interview cost several times the query itself: a line needs a few columns
# and two counts, read as plain rows in one statement.


@dataclass(frozen=True)
class LoopRow:
    """One loop as a list shows it. Its outcome is shown only where the list's `sealed` set
    (policy.loops_sealed_for) does not hold its id."""

    id: int
    state: LoopState
    outcome: Outcome | None
    vetoed: bool
    first_interview_at: datetime | None
    candidate_name: str
    requisition_title: str
    requisition_level: int
    requisition_department: str
    bar_raiser_name: str
    panel_size: int  # the interviews that vote (shadows excluded)
    shadowed: bool  # a trainee shadows the loop


_BarRaiser = aliased(User)

# A line's panel, counted from the loop's interviews by index: the interviews that vote, and
# whether a trainee shadows. The latter is a scalar subquery, not EXISTS: PostgreSQL may run an
# EXISTS once for the whole table (a hashed subplan) when it expects many rows, as it does
# before a page's LIMIT, and that reads every shadow interview in the history.
PANEL_SIZE = (
    sa.select(sa.func.count(Interview.id))
    .where(Interview.loop_id == Loop.id, Interview.is_shadow.is_(False))
    .correlate(Loop)
    .scalar_subquery()
)
SHADOWED = (
    sa.select(Interview.id)
    .where(Interview.loop_id == Loop.id, Interview.is_shadow.is_(True))
    .limit(1)
    .correlate(Loop)
    .scalar_subquery()
    .is_not(None)
)

_COLUMNS = (
    Loop.id,
    Loop.state,
    Loop.outcome,
    Loop.vetoed,
    Loop.first_interview_at,
    Loop.candidate_id,
    Candidate.name,
    Candidate.erased_at,
    Requisition.title,
    Requisition.level,
    Requisition.department,
    _BarRaiser.name,
    PANEL_SIZE,
    SHADOWED,
)


def _joined(query: sa.Select[Any], *columns: Any) -> sa.Select[Any]:
    """`query`, a select of Loop, with the line's columns (and `columns`) in place of its own."""
    return (
        query.with_only_columns(*_COLUMNS, *columns)
        .join_from(Loop, Candidate, Candidate.id == Loop.candidate_id)
        .join_from(Loop, Requisition, Requisition.id == Loop.requisition_id)
        .join_from(Loop, _BarRaiser, _BarRaiser.id == Loop.bar_raiser_id)
    )


def _line(row: Any) -> LoopRow:
    """A line from a row of `_COLUMNS` (and any columns after them)."""
    (
        loop_id,
        state,
        outcome,
        vetoed,
        first_interview_at,
        candidate_id,
        name,
        erased_at,
        title,
        level,
        department,
        bar_raiser_name,
        panel_size,
        shadowed,
    ) = row[: len(_COLUMNS)]
    return LoopRow(
        id=loop_id,
        state=state,
        outcome=outcome,
        vetoed=vetoed,
        first_interview_at=first_interview_at,
        candidate_name=display_name(candidate_id, name, erased_at),
        requisition_title=title,
        requisition_level=level,
        requisition_department=department,
        bar_raiser_name=bar_raiser_name,
        panel_size=panel_size,
        shadowed=bool(shadowed),
    )


def loop_rows(query: sa.Select[Any]) -> list[LoopRow]:
    """The lines for `query`, a select of Loop, filtered, ordered and limited as the list wants:
    its columns are replaced by the line's (each loop has one candidate, requisition and Bar
    Raiser; the counts read the loop's interviews by index)."""
    return [_line(row) for row in read_rows(_joined(query))]


class SealedLine(NamedTuple):
    """A line, and whether its loop's outcome is sealed from the reader."""

    line: LoopRow
    sealed: bool


_SEALED = policy.sealed_loop_clause(sa.bindparam("reader_id")).label("sealed")


def sealed_lines_of(query: sa.Select[Any]) -> sa.Select[Any]:
    """The lines for `query`, as loop_rows reads them, each with whether its loop is sealed
    from the reader (:reader_id) in the same statement: policy.sealed_loop_clause as a column,
    where policy.loops_sealed_for would cost a statement more."""
    return _joined(query, _SEALED)


def sealed_lines(rows: Iterable[Any]) -> list[SealedLine]:
    """The rows of a sealed_lines_of statement, as lines."""
    return [SealedLine(_line(row), bool(row.sealed)) for row in rows]
