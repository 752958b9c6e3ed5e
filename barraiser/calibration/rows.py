"""The plain rows the calibration metrics read, from a few SQL queries and no ORM objects.

Each row type is the result of one flat query (joins and left joins, no per-loop queries), already
restricted to the report's period and department or requisition. The rows carry facts, not
judgements: whether feedback counts (submitted, not shadow) is decided by the metrics, so the
rule lives in one place and is tested without a database. Datetimes that would cost a parse
per interview arrive as integer microseconds since `EPOCH`, computed by the database (on time
was fixed at submission), and what only counts (principle ratings, evidence words) arrives
counted.

Every other datetime is timezone-aware UTC, as the database layer stores them. Vote scores
follow the design: `domain.VOTE_SCORES` (1..4).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, NamedTuple

Outcome = Literal["hire", "no_hire"]
MICROSECONDS_PER_HOUR = 3_600_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Where the microsecond timestamps of the rows count from."""
TraineeStatus = Literal["in_training", "certified"]


class LoopRow(NamedTuple):
    """One loop: who raised the bar, when it was decided, how it ended, how the hire did.

    Query: the loops, named through small lookups of requisitions and people, with the latest
    performance rating as a scalar subquery and the covered required principles counted per loop.
    """

    loop_id: int
    department: str
    requisition: str
    """The requisition's title, for drill-down; metrics do not read it."""
    bar_raiser_email: str
    bar_raiser_name: str
    bar_raiser_certified: bool
    """Whether the Bar Raiser was certified when the loop ran (certified_at <= first interview),
    not today: adoption asks whether the loop had a certified Bar Raiser."""
    first_interview_at: datetime
    debrief_opened_at: datetime | None
    """None while the debrief has not opened. Whether all panel feedback was in by then is
    read with the interviews (metrics.panel_in_before_debrief)."""
    decided_at: datetime | None
    outcome: Outcome | None
    """None while the loop is undecided; 'hire' only when the Bar Raiser concurred with a hire."""
    vetoed: bool
    performance_rating: int | None
    """The hire's later performance rating, 1..5, or None when not (yet) recorded."""
    required_principles_covered: bool
    """Every principle the requisition requires is assigned to at least one panel interview."""


class InterviewRow(NamedTuple):
    """One interview of a loop and its feedback (left-joined: the feedback may not be submitted).

    The interview query returns plain rows (tuples, or lists from a reader) in exactly this
    field order, so the hundred thousand rows of a long history are never copied into
    NamedTuples; this class names the fields (and the tests build their rows with it). A
    shadow row is the feedback of a Bar Raiser in training; it is kept so the query stays one
    query, and the metrics leave it out of every panel count. Interviewers are ids: `Person`
    rows give their email and name.
    """

    loop_id: int
    interviewer_id: int
    is_shadow: bool
    ends_at: int
    """When the interview ended, in microseconds since `EPOCH` (UTC): exact integers, which
    survive any encoding; hours to submit are measured from here."""
    submitted_at: int | None
    """When the feedback was submitted, in microseconds since `EPOCH`; None when the feedback
    is a draft or was never started (drafts never count), and so are the fields below."""
    on_time: bool | None
    """Submitted by its deadline: the due date it was given when submitted (the deadline setting
    in force then), kept with it as `Feedback.is_late`."""
    vote_score: int | None
    """The written vote, 1..4, locked at submission. Calibration reads this one."""
    final_vote_score: int | None
    """The vote cast in the debrief, 1..4, or None when no final vote was cast."""
    bar_raiser_answer: bool | None
    """The answer to "would this candidate raise the bar?", None when not answered."""


class Person(NamedTuple):
    """Someone who interviewed on, or ran, a loop of the report."""

    email: str
    name: str


class PrincipleCount(NamedTuple):
    """How many panel (non-shadow) interviews were assigned one principle with one rating, in
    loops that ended one way.

    The principles table only counts, so the database counts (GROUP BY) and a report reads a
    few hundred of these rather than one row per assignment.
    """

    principle_name: str
    rating: int | None
    """1..4; None when not rated or when the feedback is not submitted (a draft does not count)."""
    outcome: Outcome | None
    """The loop's outcome; None while it is undecided."""
    assignments: int


class EvidenceCount(NamedTuple):
    """How many principles an interviewer was assigned on submitted panel feedback with this many
    words of evidence: a histogram, from which the median is exact.

    SQL cannot count words portably, so `evidence_words` is a count kept on the rating when its
    feedback is submitted (the text is locked from then on); 0 when no evidence was written.
    """

    interviewer_id: int
    evidence_words: int
    assignments: int


class TraineeRow(NamedTuple):
    """A Bar Raiser in training (or one who has since been certified) and how far along they are."""

    email: str
    name: str
    status: TraineeStatus
    loops_shadowed: int
    """Loops where they wrote shadow feedback."""
    loops_led: int
    """Loops they ran as Bar Raiser while a certified Bar Raiser shadowed them."""
    certified_at: datetime | None


class RatingCounts(NamedTuple):
    """What the report needs of the principle ratings, counted by the database."""

    principles: list[PrincipleCount]
    evidence: list[EvidenceCount]
