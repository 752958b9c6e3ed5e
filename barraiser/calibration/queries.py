"""The aggregate SQL behind the calibration report: one Core query per row type, no ORM objects.

Every query selects plain columns over the loops the filters keep (a subquery of loop ids), so a
report costs the same handful of statements at 2 loops or 20,000; the rows come back as tuples
and are turned into the dataclasses of `rows.py` in one pass each.
"""

from __future__ import annotations

import sqlite3
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
from .rows import EvidenceCount, InterviewRow, LoopRow, PrincipleCount, RatingCounts, TraineeRow

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
    ratings: RatingCounts
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
    """The row sets the metrics read, in a fixed handful of queries whatever the number of
    loops: one per row type (the principle ratings as two counts, by principle and by
    interviewer), plus small lookups (people, requisitions, principles, final votes) so that the
    big queries return numbers rather than the same names a hundred thousand times.

    `deadline_hours` is the deadline setting in force now, for feedback not yet submitted (a
    submission keeps the deadline that applied to it).
    """
    ids = loop_ids(filters)
    dialect = db.session.get_bind().dialect.name
    people = _people(ids)
    interviews, last_feedback = _interviews(ids, people, dialect, deadline_hours=deadline_hours)
    return ReportRows(
        loops=_loops(ids, people, Moments(dialect), last_feedback),
        interviews=interviews,
        ratings=RatingCounts(_principle_counts(ids), _evidence_counts(ids, people)),
        trainees=_trainees(ids),
    )


# A report reads every interview of the period: at 20,000 loops some 100,000 interviews and
# 100,000 principle assignments. Four things would cost more than the queries themselves, so the
# big queries avoid them: SQLAlchemy's Row objects and ORM processing (`_execute` returns the
# driver's tuples); datetimes per interview (the database computes hours to submit and whether
# it was on time, in exact integer microseconds, `_epoch_microseconds`; the few datetimes left,
# one or two per loop, are read as stored and parsed once each by `Moments`); a row per
# principle assignment (the database counts them, GROUP BY); and the same names decoded on every
# row (ids are mapped to names through small lookups).


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


MICROSECONDS_PER_HOUR = 3_600_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_microseconds(column: sa.ColumnElement, dialect: str) -> sa.ColumnElement[int]:
    """The datetime as whole microseconds since 1970 (UTC), computed by the database.

    Integers, so that differences and comparisons are exact, and identical on both databases:
    SQLite stores UTCDateTime as text 'YYYY-MM-DD HH:MM:SS.ffffff' (unixepoch, SQLite 3.38+,
    gives the whole seconds and is four times cheaper than strftime('%s'); the text after the
    dot is the microseconds); PostgreSQL's epoch is an exact numeric.
    """
    if dialect == "sqlite":
        seconds = (
            sa.func.unixepoch(column)
            if sqlite3.sqlite_version_info >= (3, 38)
            else sa.cast(sa.func.strftime("%s", column), sa.BigInteger)  # older SQLite builds
        )
        fraction = sa.cast(sa.func.substr(column, 21, 6), sa.BigInteger)
        return seconds * 1_000_000 + fraction
    return sa.cast(sa.extract("epoch", column) * 1_000_000, sa.BigInteger)


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


def _loops(
    ids: sa.Select,
    people: dict[int, Person],
    moments: Moments,
    last_feedback: dict[int, datetime],
) -> list[LoopRow]:
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
    # Missing or late for the debrief: not submitted (a draft, or no feedback at all), or after.
    late_for_debrief = (
        sa.select(Interview.id)
        .outerjoin(Feedback, Feedback.interview_id == Interview.id)
        .where(
            Interview.loop_id == Loop.id,
            Interview.is_shadow.is_(False),
            sa.or_(
                Feedback.id.is_(None),
                Feedback.state != FeedbackState.SUBMITTED,
                Feedback.submitted_at > Loop.debrief_opened_at,
            ),
        )
        .exists()
    )
    in_before_debrief = sa.case(
        (Loop.debrief_opened_at.is_(None), sa.null()), else_=~late_for_debrief
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
        _as_stored(in_before_debrief),
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
        before_debrief,
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
                last_feedback.get(loop_id),
                None if before_debrief is None else bool(before_debrief),
            )
        )
    return rows


def _interviews(
    ids: sa.Select, people: dict[int, Person], dialect: str, *, deadline_hours: int
) -> tuple[list[InterviewRow], dict[int, datetime]]:
    """The interview rows, and when each loop's last submitted panel feedback came in (read in
    the same pass: a query of its own would join the same hundred thousand rows again)."""
    final_votes = {
        interview_id: score
        for interview_id, score in _execute(
            sa.select(FinalVote.interview_id, _vote_score(FinalVote.vote)).where(
                FinalVote.loop_id.in_(ids)
            )
        )
    }
    submitted = Feedback.state == FeedbackState.SUBMITTED
    submitted_at = _epoch_microseconds(Feedback.submitted_at, dialect)
    end = _epoch_microseconds(Interview.starts_at, dialect) + (
        sa.cast(Interview.duration_minutes, sa.BigInteger) * 60_000_000
    )
    # A submission keeps the due date it was given; without one, the deadline in force now.
    due = sa.func.coalesce(
        _epoch_microseconds(Feedback.due_at, dialect),
        end + deadline_hours * MICROSECONDS_PER_HOUR,
    )
    query = (
        sa.select(
            Interview.loop_id,
            Interview.id,
            Interview.interviewer_id,
            _as_stored(Interview.is_shadow),
            sa.case((submitted, submitted_at)),
            sa.case((submitted, submitted_at - end)),
            _as_stored(sa.case((submitted, submitted_at <= due))),
            sa.case((submitted, _vote_score(Feedback.vote))),
            sa.case((submitted, _as_stored(Feedback.raises_bar))),
        )
        .outerjoin(Feedback, Feedback.interview_id == Interview.id)
        .where(Interview.loop_id.in_(ids))
    )
    rows = []
    last_submitted: dict[int, int] = {}
    for (
        loop_id,
        interview_id,
        interviewer_id,
        is_shadow,
        submitted_microseconds,
        microseconds_to_submit,
        on_time,
        vote,
        raises_bar,
    ) in _execute(query):
        email, name, _ = people[interviewer_id]
        # Nothing in a draft or missing feedback counts yet: the database left it all NULL.
        submitted_row = microseconds_to_submit is not None
        if (
            submitted_row
            and not is_shadow
            and submitted_microseconds > last_submitted.get(loop_id, -1)
        ):
            last_submitted[loop_id] = submitted_microseconds
        rows.append(
            InterviewRow(
                loop_id,
                interview_id,
                email,
                name,
                bool(is_shadow),
                microseconds_to_submit / MICROSECONDS_PER_HOUR if submitted_row else None,
                bool(on_time) if submitted_row else None,
                vote,
                final_votes.get(interview_id),
                None if raises_bar is None else bool(raises_bar),
            )
        )
    last_feedback = {
        loop_id: EPOCH + timedelta(microseconds=microseconds)
        for loop_id, microseconds in last_submitted.items()
    }
    return rows, last_feedback


def _panel_assignments(ids: sa.Select, *columns: sa.ColumnElement) -> sa.Select:
    """`columns` over the principles assigned to panel (non-shadow) interviews of the report,
    each with its feedback and rating if any (left-joined), grouped by those columns."""
    return (
        sa.select(*columns, sa.func.count())
        .select_from(InterviewPrinciple)
        .join(Interview, Interview.id == InterviewPrinciple.interview_id)
        .outerjoin(Feedback, Feedback.interview_id == Interview.id)
        .outerjoin(
            PrincipleRating,
            sa.and_(
                PrincipleRating.feedback_id == Feedback.id,
                PrincipleRating.principle_id == InterviewPrinciple.principle_id,
            ),
        )
        .where(Interview.loop_id.in_(ids), Interview.is_shadow.is_(False))
        .group_by(*columns)
    )


def _principle_counts(ids: sa.Select) -> list[PrincipleCount]:
    """Panel assignments counted by principle, rating (of submitted feedback) and outcome."""
    principles = {id_: name for id_, name in _execute(sa.select(Principle.id, Principle.name))}
    submitted_rating = sa.case(
        (Feedback.state == FeedbackState.SUBMITTED, PrincipleRating.rating), else_=sa.null()
    )
    query = _panel_assignments(
        ids, InterviewPrinciple.principle_id, submitted_rating, _as_stored(Loop.outcome)
    ).join(Loop, Loop.id == Interview.loop_id)
    return [
        PrincipleCount(principles[principle_id], rating, outcome, count)
        for principle_id, rating, outcome, count in _execute(query)
    ]


def _evidence_counts(ids: sa.Select, people: dict[int, Person]) -> list[EvidenceCount]:
    """Principles assigned on submitted panel feedback, counted by interviewer and words."""
    words = sa.func.coalesce(PrincipleRating.evidence_words, 0)
    query = _panel_assignments(ids, Interview.interviewer_id, words).where(
        Feedback.state == FeedbackState.SUBMITTED
    )
    return [
        EvidenceCount(people[interviewer_id][0], evidence_words, count)
        for interviewer_id, evidence_words, count in _execute(query)
    ]


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
