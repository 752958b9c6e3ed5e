"""The aggregate SQL behind the calibration report: one Core query per row type, no ORM objects.

Every query selects plain columns over the loops the filters keep (a subquery of loop ids), so a
report costs the same handful of statements at 2 loops or 20,000; the rows come back as plain
rows, in the field order of the row types of `rows.py` (the interviews' are used as they come;
the few thousand others are turned into those types in one pass each).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..auth.models import BarRaiserStatus, User
from ..database import STATEMENT_READER
from ..debrief.models import FinalVote, HirePerformance
from ..domain import VOTE_SCORES, LoopState
from ..extensions import db
from ..feedback.models import Feedback
from ..loops.models import Interview, InterviewPrinciple, Loop
from ..principles.models import Principle
from ..requisitions.models import Requisition, requisition_principle
from .readers import report_readers
from .rows import (
    EvidenceCount,
    InterviewRow,
    LoopRow,
    Person,
    PrincipleCount,
    RatingCounts,
    TraineeRow,
)

# A column of a model or an expression: what the helpers below build SQL over.
SQLColumn = sa.ColumnElement[Any] | sa.orm.QueryableAttribute[Any]

COUNTED_STATES = (LoopState.SCHEDULED, LoopState.DEBRIEF, LoopState.DECIDED)
"""Draft and cancelled loops never ran as planned, so they are not in any report."""

VOTES_FROM = "decided loops only"
"""Whose votes, ratings, evidence and final votes the report reads (its `filters.votes_from`).

A loop still in flight (scheduled, or in its debrief) is sealed: its panelists may not yet read
one another's feedback, and a report filtered to its requisition would show each of them the
others' votes. So every figure built from feedback reads decided loops only; the loops
themselves (how many, the Bar Raisers' workload, the adoption of the mechanism's rules) count
every loop of the period."""


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
            "votes_from": VOTES_FROM,
        }


@dataclass(frozen=True)
class ReportRows:
    loops: list[LoopRow]
    interviews: list[InterviewRow]
    ratings: RatingCounts
    trainees: list[TraineeRow]
    people: dict[int, Person]
    """Everyone the interview and evidence rows name, by id."""


def loop_ids(
    filters: ReportFilters, *, part: tuple[int, int] = (0, 1), decided_only: bool = False
) -> sa.Select:
    """The ids of the loops in the report, as a subquery for the other queries to select within;
    with `part` (k, n), only the k-th of n parts of them (by id); with `decided_only`, only the
    decided ones: the loops whose feedback the report may read (see `VOTES_FROM`)."""
    start, end = (
        # Written into the statement's text (midnights, so one text per period), not bound: a
        # plan made for any period guesses that a third of the history is in it, so PostgreSQL
        # planned the people's pages anew on every load for the period given.
        sa.literal(moment, type_=Loop.first_interview_at.type, literal_execute=True)
        for moment in filters.period
    )
    # Never correlated: the queries embedding it select from `loop` themselves.
    query = (
        sa.select(Loop.id)
        .where(
            Loop.first_interview_at >= start,
            Loop.first_interview_at < end,
            Loop.state == LoopState.DECIDED if decided_only else Loop.state.in_(COUNTED_STATES),
        )
        .correlate(None)
    )
    if filters.department is not None:
        query = query.join(Requisition, Requisition.id == Loop.requisition_id).where(
            Requisition.department == filters.department
        )
    if filters.requisition_id is not None:
        query = query.where(Loop.requisition_id == filters.requisition_id)
    index, parts = part
    if parts > 1:
        query = query.where(Loop.id % parts == index)
    return query


def _vote_score(column: SQLColumn) -> sa.ColumnElement[int]:
    """The vote as its score, 1..4, computed by the database (no enum objects per row)."""
    return sa.case(*((column == vote, score) for vote, score in VOTE_SCORES.items()))


def fetch_rows(filters: ReportFilters, *, reader_threads: int = 0) -> ReportRows:
    """The row sets the metrics read, in a fixed handful of queries whatever the number of
    loops: one per row type (the principle ratings as two counts, by principle and by
    interviewer), plus small lookups (people, requisitions, principles) so that the big queries
    return numbers rather than the same names a hundred thousand times.

    With `reader_threads`, the big statements run side by side where that reads the same data
    (`readers.py`), the interviews' (the longest) in two halves, by loop; the rows are the same
    either way.

    Every row set built from feedback (interviews, ratings, evidence) reads decided loops only
    (`VOTES_FROM`); the loops and the trainees' counts read every loop of the report.
    """
    ids = loop_ids(filters)
    decided = loop_ids(filters, decided_only=True)
    connection = db.session.connection()
    with report_readers(connection, reader_threads) as readers:
        here = readers.connection  # the caller's statements read what the readers read
        people = _people(here)
        halves = 2 if readers.side_by_side else 1
        # The longest first: the readers take them in this order.
        loops = readers.submit(_loops, ids, people)
        later_halves = [
            readers.submit(_interviews, loop_ids(filters, part=(half, halves), decided_only=True))
            for half in range(1, halves)
        ]
        principles = readers.submit(_principle_counts, decided)
        evidence = readers.submit(_evidence_counts, decided)
        # Meanwhile, here:
        interviews = _interviews(here, loop_ids(filters, part=(0, halves), decided_only=True))
        trainees = _trainees(here, ids)
    for half in later_halves:
        interviews += half.result()
    return ReportRows(
        loops=loops.result(),
        interviews=interviews,
        ratings=RatingCounts(principles.result(), evidence.result()),
        trainees=trainees,
        people={id_: Person(email, name) for id_, (email, name, _) in people.items()},
    )


# A report reads every interview of the period: at 20,000 loops some 100,000 interviews and
# 100,000 principle assignments. Five things would cost more than the queries themselves, so the
# big queries avoid them: SQLAlchemy's Row objects and ORM processing (`_execute` returns plain
# rows, and the interview query's rows ARE the InterviewRows, no object is built per row);
# datetimes per interview (the database computes the time to submit, in exact integer
# microseconds, `_epoch_microseconds`; the few datetimes left, a few per loop, are read as stored
# and parsed once each by `Moments`); a row per principle assignment (the database counts them,
# GROUP BY); the same names decoded on every row (rows carry ids, named through one small
# lookup of people); and lookups per row in Python (the final vote is joined, not looked up).


def _execute(connection: sa.Connection, query: sa.Select) -> list[Sequence[Any]]:
    """All the rows at once, as plain sequences.

    Every column of these queries is read as stored (plain numbers and text, or `_as_stored`),
    so SQLAlchemy has nothing to convert and its Row objects would only cost time. On a reader
    connection (`readers.py`) the whole result comes back as one JSON array that SQLite builds,
    so that the statement runs in one call that lets go of Python's lock throughout: read row by
    row, a reader and the report's own thread would trade the lock for every row, and each
    would wait for the other. (Integers and text survive JSON exactly; these queries return no
    floats.) On the report's own connection, rows one by one cost less.
    """
    if connection.get_execution_options().get(STATEMENT_READER):
        rows = query.subquery("rows")
        whole = sa.select(sa.func.json_group_array(sa.func.json_array(*rows.c)))
        rows_as_json: list[Sequence[Any]] = json.loads(connection.execute(whole).scalar_one())
        return rows_as_json
    result = connection.execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _as_stored(column: SQLColumn) -> sa.ColumnElement[Any]:
    """The column as the driver returns it, with no per-value processing in Python: text on
    SQLite for datetimes and enums, 0/1 for booleans (the callers apply bool())."""
    return sa.type_coerce(column, sa.String())


def _epoch_microseconds(column: SQLColumn, dialect: str) -> sa.ColumnElement[int]:
    """The datetime as whole microseconds since 1970 (UTC), computed by the database.

    Integers, so that differences and comparisons are exact, and identical on both databases:
    SQLite stores UTCDateTime as text 'YYYY-MM-DD HH:MM:SS.ffffff' (unixepoch, SQLite 3.38+,
    gives the whole seconds and is four times cheaper than strftime('%s'); the text after the
    dot is the microseconds); PostgreSQL's epoch is an exact numeric. Why the version branch:
    at 20,000 loops strftime alone adds 0.05-0.07 s to the interviews query.
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
    value is converted once (a lookup of a known value is a plain dict lookup, no call). Why not
    the column type: its processing per row costs the loops query some 0.07 s at 20,000 loops,
    and on a reader the rows arrive as JSON text anyway."""

    def __init__(self, dialect: str) -> None:
        super().__init__({None: None})
        self.sqlite = dialect == "sqlite"

    def __missing__(self, value: Any) -> datetime:
        # UTCDateTime stores naive UTC text on SQLite; appending the offset is ten times
        # cheaper than .replace(tzinfo=UTC), and gives the same datetime.
        moment = datetime.fromisoformat(value + "+00:00") if self.sqlite else value.astimezone(UTC)
        self[value] = moment
        return moment


StoredPerson = tuple[str, str, Any]
"""(email, name, certified_at as stored)"""


def _people(connection: sa.Connection) -> dict[int, StoredPerson]:
    """Everyone, by id: one small table read whole, cheaper than finding who is in the report."""
    query = sa.select(User.id, User.email, User.name, _as_stored(User.certified_at))
    return {
        id_: (email, name, certified) for id_, email, name, certified in _execute(connection, query)
    }


def _loops(
    connection: sa.Connection, ids: sa.Select, people: dict[int, StoredPerson]
) -> list[LoopRow]:
    """The loops of the report, each with its requisition, Bar Raiser, the hire's latest
    performance rating and whether the panel covered the requisition's required principles."""
    moments = Moments(connection.dialect.name)
    required = (
        sa.select(sa.func.count())
        .where(requisition_principle.c.requisition_id == Requisition.id)
        .scalar_subquery()
    )
    requisitions = {
        id_: (department, title, required_count)
        for id_, department, title, required_count in _execute(
            connection,
            sa.select(Requisition.id, Requisition.department, Requisition.title, required).where(
                Requisition.id.in_(sa.select(Loop.requisition_id).where(Loop.id.in_(ids)))
            ),
        )
    }
    latest_rating = (
        sa.select(HirePerformance.rating)
        .where(HirePerformance.loop_id == Loop.id)
        .order_by(HirePerformance.rated_on.desc(), HirePerformance.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # Per loop, how many of its requisition's required principles some panel (non-shadow)
    # interview was assigned: all are covered when that is as many as the requisition requires
    # (a loop missing here covers none). One grouped pass over the report's assignments, which
    # both databases plan well; the first way of asking, "no required principle without an
    # assignment" (NOT EXISTS within NOT EXISTS), made SQLite walk every assignment of each
    # required principle in the whole history, for every loop: over a minute at 20,000 loops.
    own_loop = aliased(Loop)
    covered = (
        sa.select(
            Interview.loop_id,
            sa.func.count(sa.distinct(InterviewPrinciple.principle_id)).label("count"),
        )
        .join(InterviewPrinciple, InterviewPrinciple.interview_id == Interview.id)
        .join(own_loop, own_loop.id == Interview.loop_id)
        .join(
            requisition_principle,
            sa.and_(
                requisition_principle.c.requisition_id == own_loop.requisition_id,
                requisition_principle.c.principle_id == InterviewPrinciple.principle_id,
            ),
        )
        .where(Interview.loop_id.in_(ids), Interview.is_shadow.is_(False))
        .group_by(Interview.loop_id)
        .subquery("covered")
    )
    query = (
        sa.select(
            Loop.id,
            Loop.requisition_id,
            # The Bar Raiser who holds the veto: in a trainee-led loop, the certified shadow.
            Loop.veto_holder_id,
            _as_stored(Loop.first_interview_at),
            _as_stored(Loop.debrief_opened_at),
            _as_stored(Loop.decided_at),
            _as_stored(Loop.outcome),
            _as_stored(Loop.vetoed),
            latest_rating,
            sa.func.coalesce(covered.c.count, 0),
        )
        .outerjoin(covered, covered.c.loop_id == Loop.id)
        .where(Loop.id.in_(ids))
    )
    rows = []
    # A NamedTuple's own __new__ is Python code, six times slower than tuple's; the fields are
    # given whole and in order, so tuple.__new__ builds the same LoopRow.
    make = tuple.__new__
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
        covered_count,
    ) in _execute(connection, query):
        department, title, required_count = requisitions[requisition_id]
        email, name, certified_at = people[bar_raiser_id]
        started, certified = moments[first_interview], moments[certified_at]
        rows.append(
            make(
                LoopRow,
                (
                    loop_id,
                    department,
                    title,
                    email,
                    name,
                    # Certified when the loop ran, not merely today.
                    certified is not None and certified <= started,  # type: ignore[operator]
                    started,
                    moments[opened],
                    moments[decided],
                    outcome,
                    bool(vetoed),
                    rating,
                    covered_count == required_count,
                ),
            )
        )
    return rows


def _interviews(connection: sa.Connection, ids: sa.Select) -> list[InterviewRow]:
    """The interview rows, as plain rows in InterviewRow's field order (see there).

    Feedback is joined only when submitted, so a draft or missing feedback leaves every column
    from it NULL: nothing in it counts yet.
    """
    dialect = connection.dialect.name
    submitted_at = _epoch_microseconds(Feedback.submitted_at, dialect)
    end = _epoch_microseconds(Interview.starts_at, dialect) + (
        sa.cast(Interview.duration_minutes, sa.BigInteger) * 60_000_000
    )
    query = (
        sa.select(
            Interview.loop_id,
            Interview.interviewer_id,
            _as_stored(Interview.is_shadow),
            end,
            submitted_at,
            # Fixed at submission, against the due date the feedback was given then.
            _as_stored(sa.not_(Feedback.is_late)),
            _vote_score(Feedback.vote),
            _vote_score(FinalVote.vote),
            _as_stored(Feedback.raises_bar),
        )
        .outerjoin(
            Feedback,
            sa.and_(
                Feedback.interview_id == Interview.id,
                Feedback.submitted,
            ),
        )
        .outerjoin(FinalVote, FinalVote.interview_id == Interview.id)
        .where(Interview.loop_id.in_(ids))
    )
    return _execute(connection, query)  # type: ignore[return-value]


def _panel_assignments(ids: sa.Select, *columns: SQLColumn) -> sa.Select:
    """`columns` over the principles assigned to panel (non-shadow) interviews of the report,
    grouped by those columns. Each assignment carries what its submitted feedback said of it
    (`InterviewPrinciple.submitted_*`), so no feedback or rating is joined."""
    return (
        sa.select(*columns, sa.func.count())
        .select_from(InterviewPrinciple)
        .join(Interview, Interview.id == InterviewPrinciple.interview_id)
        .where(Interview.loop_id.in_(ids), Interview.is_shadow.is_(False))
        .group_by(*columns)
    )


def _principle_counts(connection: sa.Connection, ids: sa.Select) -> list[PrincipleCount]:
    """Panel assignments counted by principle, rating (of submitted feedback) and outcome."""
    principles = {
        id_: name for id_, name in _execute(connection, sa.select(Principle.id, Principle.name))
    }
    query = _panel_assignments(
        ids,
        InterviewPrinciple.principle_id,
        InterviewPrinciple.submitted_rating,
        _as_stored(Loop.outcome),
    ).join(Loop, Loop.id == Interview.loop_id)
    return [
        PrincipleCount(principles[principle_id], rating, outcome, count)
        for principle_id, rating, outcome, count in _execute(connection, query)
    ]


def _evidence_counts(connection: sa.Connection, ids: sa.Select) -> list[EvidenceCount]:
    """Principles assigned on submitted panel feedback, counted by interviewer and words."""
    words = InterviewPrinciple.submitted_evidence_words
    query = _panel_assignments(ids, Interview.interviewer_id, words).where(words.is_not(None))
    return [EvidenceCount(*row) for row in _execute(connection, query)]


def _trainees(connection: sa.Connection, ids: sa.Select) -> list[TraineeRow]:
    """Bar Raisers in training, and certified ones who shadowed or led as trainees in the period."""
    shadow = aliased(Interview)
    certified_shadow = aliased(User)
    shadowed = (
        sa.select(sa.func.count(shadow.id))
        .join(Feedback, Feedback.interview_id == shadow.id)
        .where(
            shadow.interviewer_id == User.id,
            shadow.is_shadow.is_(True),
            Feedback.submitted,
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
        for email, name, status, loops_shadowed, loops_led, certified_at in connection.execute(
            query
        )
        # A certified Bar Raiser is in the pipeline only if they trained within the period.
        if status is BarRaiserStatus.IN_TRAINING or loops_shadowed or loops_led
    ]
