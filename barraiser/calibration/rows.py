"""The plain rows the calibration metrics read, one SQL query per row type and no ORM objects.

Each row type is the result of one flat query (joins and left joins, no per-loop queries), already
restricted to the report's period and department or requisition. The rows carry facts, not
judgements: whether feedback counts (submitted, not shadow) and whether it was on time are decided
by the metrics, so the rule lives in one place and is tested without a database.

Every datetime is timezone-aware UTC, as the database layer stores them. Vote scores follow the
design: strong_no_hire=1, inclined_no_hire=2, inclined_hire=3, strong_hire=4.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple

Outcome = Literal["hire", "no_hire"]
TraineeStatus = Literal["in_training", "certified"]


class LoopRow(NamedTuple):
    """One loop: who raised the bar, when it was decided, how it ended, how the hire did.

    Query: loops joined to their requisition and Bar Raiser, with the first interview's start as
    a scalar subquery or a MIN over interviews grouped by loop.
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

    A shadow row is the feedback of a Bar Raiser in training; it is kept so the query stays one
    query, and the metrics leave it out of every panel count.
    """

    loop_id: int
    interview_id: int
    interviewer_email: str
    interviewer_name: str
    is_shadow: bool
    interview_end: datetime
    deadline: datetime
    """When the feedback was due (interview end plus the deadline setting in force)."""
    submitted_at: datetime | None
    """None when the feedback is a draft or was never started; drafts never count."""
    vote_score: int | None
    """The written vote, 1..4, locked at submission. Calibration reads this one."""
    final_vote_score: int | None
    """The vote cast in the debrief, 1..4, or None when no final vote was cast."""
    bar_raiser_answer: bool | None
    """The answer to "would this candidate raise the bar?", None when not answered."""


class RatingRow(NamedTuple):
    """One principle assigned to one interview, with its rating and evidence if any.

    Carrying the interviewer and the evidence length here, rather than as a tuple on the
    interview, keeps this one flat query over principle assignments (left-joined to the rating)
    with no string aggregation, which SQLite and PostgreSQL spell differently.
    """

    loop_id: int
    interview_id: int
    interviewer_email: str
    principle_name: str
    is_shadow: bool
    submitted: bool
    """Whether the interview's feedback is submitted; a draft's rating and evidence do not count."""
    rating: int | None
    """1..4, or None when not rated."""
    evidence_words: int
    """Words of written evidence for this principle; 0 when none was written. SQL cannot count
    words portably, so this is a count kept on the rating when its feedback is submitted (the
    text is locked from then on), read here like any other column."""


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
