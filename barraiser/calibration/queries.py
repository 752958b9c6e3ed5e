"""The aggregate SQL behind the calibration report: one Core query per row type, no ORM objects.

Every query selects plain columns over the loops the filters keep (a subquery of loop ids), so a
report costs the same handful of statements at 2 loops or 20,000; the rows come back as tuples
and are turned into the dataclasses of `rows.py` in one pass each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..auth.models import BarRaiserStatus, User
from ..debrief.models import FinalVote, HirePerformance
from ..extensions import db
from ..feedback.models import VOTE_SCORES, Feedback, FeedbackState, PrincipleRating
from ..loops.models import (
    Interview,
    InterviewPrinciple,
    Loop,
    LoopState,
    Requisition,
    requisition_principle,
)
from ..principles.models import Principle
from .rows import InterviewRow, LoopRow, RatingRow, TraineeRow

COUNTED_STATES = (LoopState.SCHEDULED, LoopState.DEBRIEF, LoopState.DECIDED)
"""Draft and cancelled loops never ran as planned, so they are not in any report."""


@dataclass(frozen=True)
class ReportFilters:
    """Which loops a report covers: first interview within [since, until] (whole UTC days),
    optionally one department's requisitions or one requisition."""

    since: date
    until: date
    department: str | None = None
    requisition_id: int | None = None

    @property
    def period(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: `until` counts through the end of its day."""
        start = datetime.combine(self.since, time.min, tzinfo=UTC)
        end = datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=UTC)
        return start, end

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "department": self.department,
            "requisition": self.requisition_id,
        }


@dataclass(frozen=True)
class ReportRows:
    loops: list[LoopRow]
    interviews: list[InterviewRow]
    ratings: list[RatingRow]
    trainees: list[TraineeRow]


def loop_ids(filters: ReportFilters) -> sa.Select:
    """The ids of the loops in the report, as a subquery for the other queries to select within."""
    start, end = filters.period
    # Never correlated: the queries embedding it select from `loop` themselves.
    query = (
        sa.select(Loop.id)
        .where(
            Loop.first_interview_at >= start,
            Loop.first_interview_at < end,
            Loop.state.in_(COUNTED_STATES),
        )
        .correlate(None)
    )
    if filters.department is not None:
        query = query.join(Requisition, Requisition.id == Loop.requisition_id).where(
            Requisition.department == filters.department
        )
    if filters.requisition_id is not None:
        query = query.where(Loop.requisition_id == filters.requisition_id)
    return query


def _vote_score(column: sa.ColumnElement) -> sa.ColumnElement[int]:
    """The vote as its score, 1..4, computed by the database (no enum objects per row)."""
    return sa.case(*((column == vote, score) for vote, score in VOTE_SCORES.items()))


def fetch_rows(filters: ReportFilters, *, deadline_hours: int) -> ReportRows:
    """The four row sets the metrics read, in a fixed handful of queries whatever the number of
    loops: one per row type, plus small lookups (people, requisitions, principles, final votes)
    so that the big queries return numbers rather than the same names a hundred thousand times.

    `deadline_hours` is the deadline setting in force now, for feedback not yet submitted (a
    submission keeps the deadline that applied to it).
    """
    ids = loop_ids(filters)
    moments = Moments(db.session.get_bind().dialect.name)
    people = _people(ids)
    interviews = _interviews(ids, people, moments, deadline=timedelta(hours=deadline_hours))
    return ReportRows(
        loops=_loops(ids, people, moments),
        interviews=interviews,
        ratings=_ratings(ids, {row.interview_id: row for row in interviews}),
        trainees=_trainees(ids),
    )


# A report reads every interview of the period: at 20,000 loops some 100,000 interviews and
# 300,000 datetimes. Three things would cost more than the queries themselves, so the big
# queries avoid them: SQLAlchemy's Row objects and ORM processing (`_execute` returns the
# driver's tuples); its per-value conversions, which parse SQLite's datetime text with a regular
# expression (`_as_stored` reads the stored value, and `Moments` parses each distinct one once
# with the C `fromisoformat`: interviews start on the hour, so most values repeat); and the same
# names decoded on every row (ids are mapped to names through small lookups).


def _execute(query: sa.Select) -> list[tuple[Any, ...]]:
    """All the rows at once, as the driver's own tuples.

    Every column of these queries is read as stored (plain numbers and text, or `_as_stored`),
    so SQLAlchemy has nothing to convert and its Row objects would only cost time.
    """
    result = db.session.connection().execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _as_stored(column: sa.ColumnElement) -> sa.ColumnElement:
    """The column as the driver returns it, with no per-value processing in Python: text on
    SQLite for datetimes and enums, 0/1 for booleans (the callers apply bool())."""
    return sa.type_coerce(column, sa.String())


class Moments(dict[Any, datetime | None]):
    """Stored datetimes -> aware UTC datetimes, exactly as UTCDateTime reads them; each distinct
    value is converted once (a lookup of a known value is a plain dict lookup, no call)."""

    def __init__(self, dialect: str) -> None:
        super().__init__({None: None})
        self.sqlite = dialect == "sqlite"

    def __missing__(self, value: Any) -> datetime:
        # UTCDateTime stores naive UTC text on SQLite; appending the offset is ten times
        # cheaper than .replace(tzinfo=UTC), and gives the same datetime.
        moment = datetime.fromisoformat(value + "+00:00") if self.sqlite else value.astimezone(UTC)
        self[value] = moment
        return moment


Person = tuple[str, str, Any]
"""(email, name, certified_at as stored)"""


def _people(ids: sa.Select) -> dict[int, Person]:
    """Everyone who interviewed on, or ran, a loop of the report."""
    on_panel = sa.select(Interview.interviewer_id).where(Interview.loop_id.in_(ids))
    ran = sa.select(Loop.bar_raiser_id).where(Loop.id.in_(ids))
    query = sa.select(User.id, User.email, User.name, _as_stored(User.certified_at)).where(
        sa.or_(User.id.in_(on_panel), User.id.in_(ran))
    )
    return {id_: (email, name, certified) for id_, email, name, certified in _execute(query)}


def _loops(ids: sa.Select, people: dict[int, Person], moments: Moments) -> list[LoopRow]:
    requisitions = {
        id_: (department, title)
        for id_, department, title in _execute(
            sa.select(Requisition.id, Requisition.department, Requisition.title).where(
                Requisition.id.in_(sa.select(Loop.requisition_id).where(Loop.id.in_(ids)))
            )
        )
    }
    latest_rating = (
        sa.select(HirePerformance.rating)
        .where(HirePerformance.loop_id == Loop.id)
        .order_by(HirePerformance.rated_on.desc(), HirePerformance.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    assigned_on_panel = (
        sa.select(InterviewPrinciple.principle_id)
        .join(Interview, Interview.id == InterviewPrinciple.interview_id)
        .where(
            Interview.loop_id == Loop.id,
            Interview.is_shadow.is_(False),
            InterviewPrinciple.principle_id == requisition_principle.c.principle_id,
        )
        .exists()
    )
    uncovered = (
        sa.select(requisition_principle.c.principle_id)
        .where(requisition_principle.c.requisition_id == Loop.requisition_id, ~assigned_on_panel)
        .exists()
    )
    query = sa.select(
        Loop.id,
        Loop.requisition_id,
        Loop.bar_raiser_id,
        _as_stored(Loop.first_interview_at),
        _as_stored(Loop.debrief_opened_at),
        _as_stored(Loop.decided_at),
        _as_stored(Loop.outcome),
        _as_stored(Loop.vetoed),
        latest_rating,
        _as_stored(~uncovered),
    ).where(Loop.id.in_(ids))
    rows = []
    for (
        loop_id,
        requisition_id,
        bar_raiser_id,
        first_interview,
        opened,
        decided,
        outcome,
        vetoed,
        rating,
        covered,
    ) in _execute(query):
        department, title = requisitions[requisition_id]
        email, name, certified_at = people[bar_raiser_id]
        started, certified = moments[first_interview], moments[certified_at]
        rows.append(
            LoopRow(
                loop_id,
                department,
                title,
                email,
                name,
                # Certified when the loop ran, not merely today.
                certified is not None and certified <= started,  # type: ignore[operator]
                started,  # type: ignore[arg-type]
                moments[opened],
                moments[decided],
                outcome,
                bool(vetoed),
                rating,
                bool(covered),
            )
        )
    return rows


def _interviews(
    ids: sa.Select,
    people: dict[int, Person],
    moments: Moments,
    *,
    deadline: timedelta,
) -> list[InterviewRow]:
    final_votes = {
        interview_id: score
        for interview_id, score in _execute(
            sa.select(FinalVote.interview_id, _vote_score(FinalVote.vote)).where(
                FinalVote.loop_id.in_(ids)
            )
        )
    }
    query = (
        sa.select(
            Interview.loop_id,
            Interview.id,
            Interview.interviewer_id,
            _as_stored(Interview.is_shadow),
            _as_stored(Interview.starts_at),
            Interview.duration_minutes,
            _as_stored(Feedback.state == FeedbackState.SUBMITTED),
            _as_stored(Feedback.submitted_at),
            _as_stored(Feedback.due_at),
            _vote_score(Feedback.vote),
            _as_stored(Feedback.raises_bar),
        )
        .outerjoin(Feedback, Feedback.interview_id == Interview.id)
        .where(Interview.loop_id.in_(ids))
    )
    ends: dict[tuple[Any, int], datetime] = {}
    rows = []
    for (
        loop_id,
        interview_id,
        interviewer_id,
        is_shadow,
        starts_at,
        minutes,
        is_submitted,
        submitted_at,
        due_at,
        vote,
        raises_bar,
    ) in _execute(query):
        email, name, _ = people[interviewer_id]
        end = ends.get((starts_at, minutes))
        if end is None:
            start = moments[starts_at]
            end = ends[starts_at, minutes] = start + timedelta(minutes=minutes)  # type: ignore[operator]
        if is_submitted:
            due = moments[due_at]
            rows.append(
                InterviewRow(
                    loop_id,
                    interview_id,
                    email,
                    name,
                    bool(is_shadow),
                    end,
                    due if due is not None else end + deadline,
                    moments[submitted_at],
                    vote,
                    final_votes.get(interview_id),
                    None if raises_bar is None else bool(raises_bar),
                )
            )
        else:
            # A draft or missing feedback: nothing in it counts yet, and it is due by the
            # deadline in force now.
            rows.append(
                InterviewRow(
                    loop_id,
                    interview_id,
                    email,
                    name,
                    bool(is_shadow),
                    end,
                    end + deadline,
                    None,
                    None,
                    final_votes.get(interview_id),
                    None,
                )
            )
    return rows


def _ratings(ids: sa.Select, interviews: dict[int, InterviewRow]) -> list[RatingRow]:
    """One row per principle assigned to an interview of the report; who interviewed and
    whether the feedback is submitted come from the interview rows already read."""
    principles = {id_: name for id_, name in _execute(sa.select(Principle.id, Principle.name))}
    query = (
        sa.select(
            InterviewPrinciple.interview_id,
            InterviewPrinciple.principle_id,
            PrincipleRating.rating,
            PrincipleRating.evidence_words,
        )
        .outerjoin(Feedback, Feedback.interview_id == InterviewPrinciple.interview_id)
        .outerjoin(
            PrincipleRating,
            sa.and_(
                PrincipleRating.feedback_id == Feedback.id,
                PrincipleRating.principle_id == InterviewPrinciple.principle_id,
            ),
        )
        .where(
            InterviewPrinciple.interview_id.in_(
                sa.select(Interview.id).where(Interview.loop_id.in_(ids))
            )
        )
    )
    rows = []
    for interview_id, principle_id, rating, words in _execute(query):
        interview = interviews[interview_id]
        submitted = interview.submitted_at is not None
        rows.append(
            RatingRow(
                interview.loop_id,
                interview_id,
                interview.interviewer_email,
                principles[principle_id],
                interview.is_shadow,
                submitted,
                rating if submitted else None,
                (words or 0) if submitted else 0,
            )
        )
    return rows


def _trainees(ids: sa.Select) -> list[TraineeRow]:
    """Bar Raisers in training, and certified ones who shadowed or led as trainees in the period."""
    shadow = aliased(Interview)
    certified_shadow = aliased(User)
    shadowed = (
        sa.select(sa.func.count(shadow.id))
        .join(Feedback, Feedback.interview_id == shadow.id)
        .where(
            shadow.interviewer_id == User.id,
            shadow.is_shadow.is_(True),
            Feedback.state == FeedbackState.SUBMITTED,
            shadow.loop_id.in_(ids),
        )
        .scalar_subquery()
    )
    shadowed_by_certified = (
        sa.select(shadow.id)
        .join(certified_shadow, certified_shadow.id == shadow.interviewer_id)
        .where(
            shadow.loop_id == Loop.id,
            shadow.is_shadow.is_(True),
            certified_shadow.bar_raiser_status == BarRaiserStatus.CERTIFIED,
        )
        .exists()
    )
    led = (
        sa.select(sa.func.count(Loop.id))
        .where(Loop.bar_raiser_id == User.id, Loop.id.in_(ids), shadowed_by_certified)
        .scalar_subquery()
    )
    query = (
        sa.select(User.email, User.name, User.bar_raiser_status, shadowed, led, User.certified_at)
        .where(User.bar_raiser_status.in_((BarRaiserStatus.IN_TRAINING, BarRaiserStatus.CERTIFIED)))
        .order_by(User.name, User.email)
    )
    return [
        TraineeRow(
            email=email,
            name=name,
            status=status.value,
            loops_shadowed=loops_shadowed,
            loops_led=loops_led,
            certified_at=certified_at,
        )
        for email, name, status, loops_shadowed, loops_led, certified_at in db.session.execute(
            query
        )
        # A certified Bar Raiser is in the pipeline only if they trained within the period.
        if status is BarRaiserStatus.IN_TRAINING or loops_shadowed or loops_led
    ]
