"""The mechanism's vocabulary, without the ORM: votes and their scores, outcomes, verdicts, and
the states of loops and feedback. Models, services, metrics, the importer and templates all speak
it, so the vote scale and the state names are written down once, here."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta


class Vote(enum.StrEnum):
    """The four-point vote. There is deliberately no middle: every interviewer leans."""

    STRONG_HIRE = "strong_hire"
    INCLINED_HIRE = "inclined_hire"
    INCLINED_NO_HIRE = "inclined_no_hire"
    STRONG_NO_HIRE = "strong_no_hire"

    @property
    def score(self) -> int:
        return VOTE_SCORES[self]

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def leans_hire(self) -> bool:
        return self.score >= HIRE_LEANING_SCORE

    @classmethod
    def from_score(cls, score: int) -> Vote:
        return VOTES_BY_SCORE[score]


# The scale (DESIGN §3): strong_no_hire=1 … strong_hire=4; a score of 3 or more leans hire.
VOTE_SCORES: dict[Vote, int] = {
    Vote.STRONG_HIRE: 4,
    Vote.INCLINED_HIRE: 3,
    Vote.INCLINED_NO_HIRE: 2,
    Vote.STRONG_NO_HIRE: 1,
}
VOTES_BY_SCORE: dict[int, Vote] = {score: vote for vote, score in VOTE_SCORES.items()}
HIRE_LEANING_SCORE = 3

# Principle ratings run 1–4, labelled for the form and the debrief matrix.
RATING_LABELS: dict[int, str] = {
    4: "4 — Strong: clearly above the bar",
    3: "3 — Meets: at the bar",
    2: "2 — Below: short of the bar",
    1: "1 — Weak: well short of the bar",
}

# A hire's performance, rated later by the hiring manager, runs 1–5.
PERFORMANCE_RATINGS = range(1, 6)


class FeedbackState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class LoopState(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    DEBRIEF = "debrief"
    DECIDED = "decided"
    CANCELLED = "cancelled"


# The only moves a loop can make. DEBRIEF and DECIDED are entered by the debrief slice.
LOOP_TRANSITIONS: dict[LoopState, frozenset[LoopState]] = {
    LoopState.DRAFT: frozenset({LoopState.SCHEDULED, LoopState.CANCELLED}),
    LoopState.SCHEDULED: frozenset({LoopState.DRAFT, LoopState.DEBRIEF, LoopState.CANCELLED}),
    LoopState.DEBRIEF: frozenset({LoopState.DECIDED}),
    LoopState.DECIDED: frozenset(),
    LoopState.CANCELLED: frozenset(),
}


class Outcome(enum.StrEnum):
    HIRE = "hire"
    NO_HIRE = "no_hire"


class VerdictKind(enum.StrEnum):
    """The Bar Raiser's answer to the hiring manager's proposal."""

    CONCUR = "concur"
    VETO = "veto"


def interview_end(starts_at: datetime, duration_minutes: int) -> datetime:
    """When an interview ends: deadlines and "hours to submit" are measured from here."""
    return starts_at + timedelta(minutes=duration_minutes)


class MessageState(enum.StrEnum):
    """Where an outgoing message stands. QUEUED and RETRYING wait for a sweep (RETRYING after a
    failed send, due again at its next attempt); SENT and WITHHELD (erased with the candidate
    before it went out) are final; DEAD gave up after the last attempt, until an admin retries."""

    QUEUED = "queued"
    RETRYING = "retrying"
    DEAD = "dead"
    SENT = "sent"
    WITHHELD = "withheld"


# The states a sweep delivers from, and those an admin may send again now.
MESSAGE_STATES_DUE = frozenset({MessageState.QUEUED, MessageState.RETRYING})
MESSAGE_STATES_RETRIABLE = frozenset({MessageState.RETRYING, MessageState.DEAD})
