"""The debrief's operations: opening it, final votes, the hiring manager's proposal, the Bar
Raiser's concurrence or veto, and the hire's later performance.

Every operation locks the loop row first and re-reads what it decides on, so two people acting at
once queue behind each other; the unique constraints on final votes, proposals and verdicts are the
last line should anything slip past. The loser gets a Conflict (409), never a second row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import User
from ..domain import PERFORMANCE_RATINGS, LoopState, Outcome, VerdictKind, Vote
from ..errors import Conflict, DomainError, RuleViolation
from ..extensions import db
from ..feedback.models import Feedback
from ..feedback.queries import missing_panel_feedback
from ..loops.models import Interview, InterviewPrinciple, Loop
from ..loops.services import lock_loop, transition
from ..principles.models import Principle
from . import notices
from .models import FinalVote, HirePerformance, Proposal, Verdict
from .rules import (
    early_proposal_refusal,
    final_vote_refusal,
    open_refusal,
    performance_refusal,
    proposal_refusal,
    verdict_refusal,
)

MAX_TEXT = 5000


def _raise(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


# --- reading under the lock ----------------------------------------------------------------


def _interview_of(actor: User, loop: Loop) -> Interview | None:
    return db.session.scalar(
        sa.select(Interview).where(
            Interview.loop_id == loop.id, Interview.interviewer_id == actor.id
        )
    )


def _feedback_of(interview: Interview) -> Feedback | None:
    return db.session.scalar(
        sa.select(Feedback)
        .where(Feedback.interview_id == interview.id)
        .execution_options(populate_existing=True)
    )


def _final_vote_of(interview: Interview) -> FinalVote | None:
    return db.session.scalar(sa.select(FinalVote).where(FinalVote.interview_id == interview.id))


def _proposal_of(loop: Loop) -> Proposal | None:
    return db.session.scalar(
        sa.select(Proposal)
        .where(Proposal.loop_id == loop.id)
        .options(sa.orm.joinedload(Proposal.proposed_by))
    )


def _waiting_for_final_vote(loop: Loop) -> list[str]:
    """The panelists (shadows never vote) whose final vote is not in, in interview order."""
    return list(
        db.session.scalars(
            sa.select(User.name)
            .join(Interview, Interview.interviewer_id == User.id)
            .outerjoin(FinalVote, FinalVote.interview_id == Interview.id)
            .where(Interview.loop_id == loop.id, ~Interview.is_shadow, FinalVote.id.is_(None))
            .order_by(Interview.starts_at, Interview.id)
        )
    )


def assigned_principle_ids(loop: Loop) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(InterviewPrinciple.principle_id)
            .join(Interview, Interview.id == InterviewPrinciple.interview_id)
            .where(Interview.loop_id == loop.id)
        )
    )


def _insert(row: object, refusal: str) -> None:
    """Insert one row in a savepoint; a unique constraint that fires means someone got there
    first (possible only if the row lock was bypassed), and the caller gets a Conflict."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except sa.exc.IntegrityError as error:
        raise Conflict(refusal) from error


# --- operations ----------------------------------------------------------------------------


def open_debrief(loop: Loop, *, reason: str = "", actor: User, now: datetime) -> bool:
    """Open the debrief. It opens when every panel feedback is submitted; before that, only
    with a written reason, which is kept on the loop. Returns whether it opened early.

    The panel and the hiring manager are told, once each, through the outbox.
    """
    loop = lock_loop(loop.id)
    _raise(open_refusal(actor, loop))
    missing = missing_panel_feedback(loop)
    reason = (reason or "").strip()
    early = bool(missing)
    if early and not reason:
        names = ", ".join(interview.interviewer.name for interview in missing)
        raise RuleViolation(
            f"Feedback is still missing from {names}. To open the debrief before it is in, "
            "write why.",
            field="reason",
        )
    if len(reason) > MAX_TEXT:
        raise RuleViolation(f"Keep the reason under {MAX_TEXT} characters.", field="reason")
    loop.debrief_opened_at = now
    loop.debrief_opened_by_id = actor.id
    # A reason given when nothing was missing explains nothing: only an early opening keeps one.
    loop.debrief_early_reason = reason if early else None
    transition(loop, LoopState.DEBRIEF, actor=actor, now=now)
    record(
        "debrief.opened",
        actor=actor,
        subject=loop,
        now=now,
        early=early,
        # The reason's text stays on the loop, where erasing the candidate can reach it; the
        # append-only audit log keeps only that there was one.
        with_reason=bool(loop.debrief_early_reason),
        missing_interview_ids=[interview.id for interview in missing],
    )
    notices.debrief_opened(loop, actor=actor, now=now)
    db.session.flush()
    return early


def cast_final_vote(loop: Loop, *, vote: Vote, actor: User, now: datetime) -> FinalVote:
    """The panelist's vote after reading everyone's feedback. It may differ from the written
    vote; both are kept, the written one untouched."""
    loop = lock_loop(loop.id)
    interview = _interview_of(actor, loop)
    feedback = _feedback_of(interview) if interview is not None else None
    existing = _final_vote_of(interview) if interview is not None else None
    _raise(final_vote_refusal(actor, loop, interview, feedback, existing))
    assert interview is not None and feedback is not None and feedback.vote is not None
    final = FinalVote(
        loop_id=loop.id, interview_id=interview.id, voter_id=actor.id, vote=vote, cast_at=now
    )
    _insert(final, "You already cast your final vote.")
    record(
        "debrief.final_vote_cast",
        actor=actor,
        subject=loop,
        now=now,
        interview_id=interview.id,
        written=feedback.vote.value,
        final=vote.value,
        changed=vote is not feedback.vote,
    )
    db.session.flush()
    return final


def propose(
    loop: Loop,
    *,
    decision: Outcome,
    rationale: str,
    early_reason: str = "",
    actor: User,
    now: datetime,
) -> Proposal:
    """The hiring manager's proposal, made once, in the debrief: once every panelist has cast a
    final vote, or before that with a written reason, kept on the proposal."""
    loop = lock_loop(loop.id)
    _raise(proposal_refusal(actor, loop, _proposal_of(loop)))
    rationale = (rationale or "").strip()
    if not rationale:
        raise RuleViolation("Write the rationale for your proposal.", field="rationale")
    if len(rationale) > MAX_TEXT:
        raise RuleViolation(f"Keep the rationale under {MAX_TEXT} characters.", field="rationale")
    waiting_on = _waiting_for_final_vote(loop)
    early_reason = (early_reason or "").strip()
    _raise(early_proposal_refusal(waiting_on, early_reason))
    if len(early_reason) > MAX_TEXT:
        raise RuleViolation(f"Keep the reason under {MAX_TEXT} characters.", field="early_reason")
    proposal = Proposal(
        loop_id=loop.id,
        proposed_by_id=actor.id,
        decision=decision,
        rationale=rationale,
        # A reason given when every vote was in explains nothing: only an early proposal keeps one.
        early_reason=early_reason if waiting_on else None,
        proposed_at=now,
    )
    _insert(proposal, "The hiring manager's proposal was already made.")
    record(
        "debrief.proposed",
        actor=actor,
        subject=loop,
        now=now,
        decision=decision.value,
        rationale_words=len(rationale.split()),
        # The reason's text stays on the proposal, where erasing the candidate reaches it.
        early=bool(waiting_on),
        final_votes_missing=len(waiting_on),
    )
    notices.proposal_made(loop, actor=actor, now=now)
    db.session.flush()
    return proposal


def outcome_of(proposal: Outcome, verdict: VerdictKind) -> Outcome:
    """Hire only when the hiring manager proposed hire and the Bar Raiser concurred: the Bar
    Raiser can block a hire, never force one."""
    if proposal is Outcome.HIRE and verdict is VerdictKind.CONCUR:
        return Outcome.HIRE
    return Outcome.NO_HIRE


def concur(loop: Loop, *, rationale: str = "", actor: User, now: datetime) -> Verdict:
    """The Bar Raiser agrees with the proposal; the loop is decided as proposed."""
    return _rule(loop, VerdictKind.CONCUR, rationale=rationale, principles=(), actor=actor, now=now)


def veto(
    loop: Loop,
    *,
    rationale: str,
    principle_ids: Iterable[int],
    actor: User,
    now: datetime,
) -> Verdict:
    """The Bar Raiser blocks the proposal. Final: the loop ends no_hire, vetoed, and nothing
    turns it into a hire afterwards (a new loop is the only way)."""
    return _rule(
        loop, VerdictKind.VETO, rationale=rationale, principles=principle_ids, actor=actor, now=now
    )


def _rule(
    loop: Loop,
    kind: VerdictKind,
    *,
    rationale: str,
    principles: Iterable[int],
    actor: User,
    now: datetime,
) -> Verdict:
    loop = lock_loop(loop.id)
    proposal = _proposal_of(loop)
    _raise(verdict_refusal(actor, loop, proposal))
    assert proposal is not None
    rationale = (rationale or "").strip()
    if len(rationale) > MAX_TEXT:
        raise RuleViolation(f"Keep the rationale under {MAX_TEXT} characters.", field="rationale")
    chosen: list[Principle] = []
    if kind is VerdictKind.VETO:
        if proposal.decision is not Outcome.HIRE:
            # A veto blocks a hire. Counting a "veto" of a no-hire would inflate veto rates.
            raise RuleViolation(
                "A veto stops a hire, and the proposal is already no hire. Concur, and write "
                "your concerns in the rationale.",
                field="rationale",
            )
        if not rationale:
            raise RuleViolation("A veto needs a written rationale.", field="rationale")
        wanted = set(principles)
        if not wanted:
            raise RuleViolation(
                "Name at least one principle the veto is about.", field="principles"
            )
        if not wanted <= assigned_principle_ids(loop):
            raise RuleViolation(
                "Name only principles this loop's panel was assigned.", field="principles"
            )
        chosen = list(
            db.session.scalars(
                sa.select(Principle).where(Principle.id.in_(wanted)).order_by(Principle.position)
            )
        )
    verdict = Verdict(
        loop_id=loop.id,
        proposal_id=proposal.id,
        bar_raiser_id=actor.id,
        kind=kind,
        rationale=rationale,
        decided_at=now,
    )
    verdict.principles = chosen
    _insert(verdict, "The Bar Raiser has already ruled on this loop.")
    # The outcome columns and the state are flushed together: the database checks they agree.
    loop.outcome = outcome_of(proposal.decision, kind)
    loop.vetoed = kind is VerdictKind.VETO
    loop.decided_at = now
    transition(loop, LoopState.DECIDED, actor=actor, now=now)
    record(
        "debrief.vetoed" if kind is VerdictKind.VETO else "debrief.concurred",
        actor=actor,
        subject=loop,
        now=now,
        proposal=proposal.decision.value,
        outcome=loop.outcome.value,
        rationale_words=len(rationale.split()),
        principles=[principle.name for principle in chosen],
    )
    notices.loop_decided(loop, actor=actor, now=now)
    db.session.flush()
    return verdict


def record_hire_performance(
    loop: Loop, *, rating: int, rated_on: date, actor: User, now: datetime
) -> HirePerformance:
    """The hire's performance rating (1–5) on a date, appended; the latest date is reported."""
    loop = lock_loop(loop.id)
    _raise(performance_refusal(actor, loop))
    if not isinstance(rating, int) or rating not in PERFORMANCE_RATINGS:
        raise RuleViolation("Rate the hire's performance from 1 to 5.", field="rating")
    assert loop.decided_at is not None
    if rated_on < loop.decided_at.date():
        raise RuleViolation(
            "The rating date cannot be before the hiring decision.", field="rated_on"
        )
    if rated_on > now.date():
        raise RuleViolation("The rating date cannot be in the future.", field="rated_on")
    clash = db.session.scalar(
        sa.select(HirePerformance.id).where(
            HirePerformance.loop_id == loop.id, HirePerformance.rated_on == rated_on
        )
    )
    if clash is not None:
        raise Conflict(f"A rating dated {rated_on.isoformat()} is already recorded.")
    performance = HirePerformance(
        loop_id=loop.id, rating=rating, rated_on=rated_on, recorded_by_id=actor.id, recorded_at=now
    )
    _insert(performance, f"A rating dated {rated_on.isoformat()} is already recorded.")
    record(
        "debrief.performance_recorded",
        actor=actor,
        subject=loop,
        now=now,
        rating=rating,
        rated_on=rated_on.isoformat(),
    )
    db.session.flush()
    return performance
