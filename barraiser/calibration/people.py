"""An interviewer's and a Bar Raiser's figures month by month, and the decided loops behind them.

Everything here reads DECIDED loops of the report's filters only (`queries.loop_ids`, as the
report reads votes), so a loop in flight never shows, nor its votes, whoever asks: an inspector
on that loop's panel included. No feedback text is read at all. Each page costs the same few
statements whatever the history: one for the months, one count and one page of loops.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..candidates.models import Candidate
from ..domain import HIRE_LEANING_SCORE, VOTE_SCORES, FeedbackState, LoopState, Outcome, Vote
from ..extensions import db
from ..feedback.models import Feedback
from ..loops.models import Interview, Loop
from ..requisitions.models import Requisition
from .intervals import wilson
from .queries import ReportFilters, loop_ids
from .tables import TablePage


@dataclass(frozen=True)
class DecidedLoop:
    """A decided loop as a person's page lists it: no text beyond names."""

    loop_id: int
    candidate: str
    requisition: str
    first_interview_at: datetime | None
    decided_at: datetime | None
    vote: Vote | None
    """Their written vote (submitted feedback only); None when they wrote none."""
    outcome: Outcome | None
    vetoed: bool

    @property
    def outcome_label(self) -> str:
        if self.vetoed:
            return "Vetoed"
        return {Outcome.HIRE: "Hire", Outcome.NO_HIRE: "No hire"}.get(self.outcome, "Pending")  # type: ignore[arg-type]

    @property
    def vote_label(self) -> str | None:
        return self.vote.value.replace("_", " ").capitalize() if self.vote else None


def _score(column: Any) -> sa.ColumnElement[int]:
    return sa.case(*((column == vote, score) for vote, score in VOTE_SCORES.items()))


def _submitted_feedback(interview: Any) -> Any:
    """The join to an interview's feedback, only once submitted: a draft is its author's alone."""
    return sa.and_(Feedback.interview_id == interview.id, Feedback.state == FeedbackState.SUBMITTED)


def _month(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.year:04d}-{moment.month:02d}"


def _share(hits: int, n: int) -> float | None:
    return hits / n if n else None


def _rate(prefix: str, hits: int, n: int) -> dict[str, Any]:
    low, high = wilson(hits, n)
    return {prefix: _share(hits, n), f"{prefix}_ci_low": low, f"{prefix}_ci_high": high}


def _page(query: sa.Select, page: int, per_page: int) -> TablePage:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    last = max(1, ceil(total / per_page))
    page = min(max(page, 1), last)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    return TablePage([DecidedLoop(*row) for row in rows], page, per_page, total)


# -- interviewers -------------------------------------------------------------------------------


def interviewer_months(filters: ReportFilters, user_id: int) -> list[dict[str, Any]]:
    """Per month of first interview, over the decided loops where `user_id` sat on the panel:
    panel interviews, written votes, hire lean, raw leniency (their vote minus the other
    panelists' mean, as in the report) and agreement with the decision. One statement."""
    decided = loop_ids(filters, decided_only=True)
    own = aliased(Interview)
    other = aliased(Interview)
    other_feedback = aliased(Feedback)
    others = (
        sa.select(
            other.loop_id.label("loop_id"),
            sa.func.sum(_score(other_feedback.vote)).label("total"),
            sa.func.count(other_feedback.vote).label("n"),
        )
        .join(
            other_feedback,
            sa.and_(
                other_feedback.interview_id == other.id,
                other_feedback.state == FeedbackState.SUBMITTED,
            ),
        )
        .where(
            # Only the loops where they sat: the others' votes of those alone are summed.
            other.loop_id.in_(
                sa.select(Interview.loop_id).where(
                    Interview.loop_id.in_(decided),
                    Interview.interviewer_id == user_id,
                    Interview.is_shadow.is_(False),
                )
            ),
            other.is_shadow.is_(False),
            other.interviewer_id != user_id,
        )
        .group_by(other.loop_id)
        .subquery("others")
    )
    query = (
        sa.select(
            Loop.first_interview_at,
            Loop.outcome,
            _score(Feedback.vote),
            Feedback.is_late,
            Feedback.state,
            others.c.total,
            others.c.n,
        )
        .join(own, own.loop_id == Loop.id)
        .outerjoin(Feedback, _submitted_feedback(own))
        .outerjoin(others, others.c.loop_id == Loop.id)
        .where(Loop.id.in_(decided), own.interviewer_id == user_id, own.is_shadow.is_(False))
    )
    months: defaultdict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "interviews": 0,
            "submitted": 0,
            "on_time": 0,
            "votes": 0,
            "leaning": 0,
            "agreed": 0,
            "leniency": [],
        }
    )
    for first, outcome, score, late, state, total, n in db.session.execute(query):
        tally = months[_month(first)]
        tally["interviews"] += 1
        if state is None:
            continue
        tally["submitted"] += 1
        tally["on_time"] += not late
        if score is None:
            continue
        tally["votes"] += 1
        leans = score >= HIRE_LEANING_SCORE
        tally["leaning"] += leans
        tally["agreed"] += leans == (outcome == Outcome.HIRE)
        if n:
            tally["leniency"].append(score - total / n)
    return [
        {
            "month": month,
            "interviews": tally["interviews"],
            "votes": tally["votes"],
            **_rate("hire_lean", tally["leaning"], tally["votes"]),
            "leniency": sum(tally["leniency"]) / len(tally["leniency"])
            if tally["leniency"]
            else None,
            "leniency_n": len(tally["leniency"]),
            **_rate("agreement_with_decision", tally["agreed"], tally["votes"]),
            **_rate("on_time_rate", tally["on_time"], tally["submitted"]),
        }
        for month, tally in sorted(months.items())
    ]


def interviewer_loops(
    filters: ReportFilters, user_id: int, *, page: int, per_page: int
) -> TablePage:
    """The decided loops where `user_id` sat on the panel, newest first, with their vote."""
    decided = loop_ids(filters, decided_only=True)
    query = (
        sa.select(
            Loop.id,
            Candidate.name,
            Requisition.title,
            Loop.first_interview_at,
            Loop.decided_at,
            Feedback.vote,
            Loop.outcome,
            Loop.vetoed,
        )
        .join(Interview, Interview.loop_id == Loop.id)
        .join(Candidate, Candidate.id == Loop.candidate_id)
        .join(Requisition, Requisition.id == Loop.requisition_id)
        .outerjoin(Feedback, _submitted_feedback(Interview))
        .where(
            Loop.id.in_(decided),
            Interview.interviewer_id == user_id,
            Interview.is_shadow.is_(False),
        )
        .order_by(Loop.first_interview_at.desc(), Loop.id.desc())
    )
    return _page(query, page, per_page)


# -- Bar Raisers --------------------------------------------------------------------------------


def bar_raiser_months(filters: ReportFilters, user_id: int) -> list[dict[str, Any]]:
    """Per month of first interview, the loops `user_id` ran as Bar Raiser: all of them (their
    workload), the decided ones, the vetoes and the veto rate. One statement."""
    query = sa.select(Loop.first_interview_at, Loop.state, Loop.vetoed, Loop.outcome).where(
        Loop.id.in_(loop_ids(filters)), Loop.bar_raiser_id == user_id
    )
    months: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for first, state, vetoed, _outcome in db.session.execute(query):
        tally = months[_month(first)]
        tally[0] += 1
        if state == LoopState.DECIDED:  # as the report reads decided loops (queries.loop_ids)
            tally[1] += 1
            tally[2] += bool(vetoed)
    return [
        {
            "month": month,
            "loops": loops,
            "decided": decided,
            "vetoes": vetoes,
            **_rate("veto_rate", vetoes, decided),
        }
        for month, (loops, decided, vetoes) in sorted(months.items())
    ]


def bar_raiser_loops(
    filters: ReportFilters, user_id: int, *, page: int, per_page: int
) -> TablePage:
    """The decided loops `user_id` ran as Bar Raiser, newest first, with their own written vote."""
    decided = loop_ids(filters, decided_only=True)
    own = aliased(Interview)
    query = (
        sa.select(
            Loop.id,
            Candidate.name,
            Requisition.title,
            Loop.first_interview_at,
            Loop.decided_at,
            Feedback.vote,
            Loop.outcome,
            Loop.vetoed,
        )
        .join(Candidate, Candidate.id == Loop.candidate_id)
        .join(Requisition, Requisition.id == Loop.requisition_id)
        .outerjoin(
            own,
            sa.and_(
                own.loop_id == Loop.id, own.interviewer_id == user_id, own.is_shadow.is_(False)
            ),
        )
        .outerjoin(Feedback, _submitted_feedback(own))
        .where(Loop.id.in_(decided), Loop.bar_raiser_id == user_id)
        .order_by(Loop.first_interview_at.desc(), Loop.id.desc())
    )
    return _page(query, page, per_page)
