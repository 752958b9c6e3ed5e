"""A candidate's personal data (DESIGN §6): export everything held on them, and erase them.

Erasure is the one place where submitted feedback and decisions are written to after the fact, and
only to blank their free text: votes, ratings, timestamps, outcomes and vetoes stay, so the
calibration report adds up the same before and after. It writes with bulk UPDATE statements here,
never through the feedback or debrief services, whose "never edit" guards stay as they are.

`PrincipleRating.evidence_words` is kept as it was: it is a count, not text, and the report's
evidence metrics read it (the UPDATE bypasses the model's word-count validator on purpose).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..audit.models import AuditEvent
from ..audit.services import record
from ..auth.models import User
from ..candidates.models import Candidate
from ..debrief.models import FinalVote, HirePerformance, Proposal, Verdict
from ..domain import FeedbackState, LoopState, VerdictKind
from ..errors import Conflict, RuleViolation
from ..extensions import db
from ..feedback.models import Addendum, Feedback, PrincipleRating
from ..loops.models import Interview, InterviewPrinciple, Loop
from ..outbox.models import OutboxMessage

# Where a column must keep non-empty text (a veto's rationale, by CHECK) or where its presence is
# itself a fact a page shows (the loop was cancelled, the debrief opened early), the text becomes
# this marker; everywhere else it becomes "".
ERASED_TEXT = "[erased]"

# A loop still running may gain feedback, addenda and a decision: erase only once it is closed.
OPEN_LOOP_STATES = frozenset({LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF})


@dataclass(frozen=True)
class Erasure:
    """How many rows the erasure blanked, table by table: the audit event's only details."""

    loops: int
    feedback: int
    ratings: int
    addenda: int
    proposals: int
    verdicts: int
    messages: int


# --- export --------------------------------------------------------------------------------------


def _iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _name(user: User | None) -> str | None:
    return user.name if user is not None else None


def candidate_export(candidate: Candidate) -> dict[str, Any]:
    """Everything held on the candidate, as JSON-able data, in a fixed number of queries.

    Feedback is exported once submitted: a draft is its interviewer's private work, shown to
    nobody else (erasure blanks drafts all the same). The caller checks that the reader may see
    every loop's panel feedback (policy.can_export_candidate).
    """
    loop_ids = sa.select(Loop.id).where(Loop.candidate_id == candidate.id).scalar_subquery()
    loops = db.session.scalars(
        sa.select(Loop)
        .where(Loop.candidate_id == candidate.id)
        .options(
            joinedload(Loop.requisition),
            joinedload(Loop.hiring_manager),
            joinedload(Loop.bar_raiser),
            selectinload(Loop.interviews).joinedload(Interview.interviewer),
            selectinload(Loop.interviews)
            .selectinload(Interview.assignments)
            .joinedload(InterviewPrinciple.principle),
        )
        .order_by(Loop.created_at, Loop.id)
    ).all()
    feedback_by_interview = {
        feedback.interview_id: feedback
        for feedback in db.session.scalars(
            sa.select(Feedback)
            .join(Interview, Interview.id == Feedback.interview_id)
            .where(Interview.loop_id.in_(loop_ids), Feedback.state == FeedbackState.SUBMITTED)
            .options(
                selectinload(Feedback.ratings).joinedload(PrincipleRating.principle),
                selectinload(Feedback.addenda).joinedload(Addendum.author),
            )
        )
    }
    final_votes = {
        vote.interview_id: vote
        for vote in db.session.scalars(sa.select(FinalVote).where(FinalVote.loop_id.in_(loop_ids)))
    }
    proposals = {
        proposal.loop_id: proposal
        for proposal in db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.loop_id.in_(loop_ids))
            .options(joinedload(Proposal.proposed_by))
        )
    }
    verdicts = {
        verdict.loop_id: verdict
        for verdict in db.session.scalars(
            sa.select(Verdict)
            .where(Verdict.loop_id.in_(loop_ids))
            .options(joinedload(Verdict.bar_raiser), selectinload(Verdict.principles))
        )
    }
    performance: dict[int, list[HirePerformance]] = {}
    for rating in db.session.scalars(
        sa.select(HirePerformance)
        .where(HirePerformance.loop_id.in_(loop_ids))
        .order_by(HirePerformance.rated_on, HirePerformance.id)
    ):
        performance.setdefault(rating.loop_id, []).append(rating)
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(
                    AuditEvent.subject_type == Candidate.__tablename__,
                    AuditEvent.subject_id == candidate.id,
                ),
                sa.and_(
                    AuditEvent.subject_type == Loop.__tablename__,
                    AuditEvent.subject_id.in_(loop_ids),
                ),
            )
        )
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()

    return {
        "candidate": {
            "id": candidate.id,
            "name": candidate.name,
            "email": candidate.email,
            "source": candidate.source,
            "notes": candidate.notes,
            "created_at": _iso(candidate.created_at),
            "erased_at": _iso(candidate.erased_at),
        },
        "loops": [
            _loop_export(
                loop,
                feedback_by_interview=feedback_by_interview,
                final_votes=final_votes,
                proposal=proposals.get(loop.id),
                verdict=verdicts.get(loop.id),
                performance=performance.get(loop.id, []),
            )
            for loop in loops
        ],
        "audit_events": [
            {
                "at": _iso(event.at),
                "actor": _name(event.actor),
                "action": event.action,
                "subject_type": event.subject_type,
                "subject_id": event.subject_id,
                "details": event.details,
            }
            for event in events
        ],
    }


def _loop_export(
    loop: Loop,
    *,
    feedback_by_interview: dict[int, Feedback],
    final_votes: dict[int, FinalVote],
    proposal: Proposal | None,
    verdict: Verdict | None,
    performance: list[HirePerformance],
) -> dict[str, Any]:
    return {
        "id": loop.id,
        "requisition": {
            "id": loop.requisition.id,
            "title": loop.requisition.title,
            "level": loop.requisition.level,
            "department": loop.requisition.department,
        },
        "state": loop.state.value,
        "hiring_manager": _name(loop.hiring_manager),
        "bar_raiser": _name(loop.bar_raiser),
        "created_at": _iso(loop.created_at),
        "first_interview_at": _iso(loop.first_interview_at),
        "cancel_reason": loop.cancel_reason,
        "debrief_opened_at": _iso(loop.debrief_opened_at),
        "debrief_early_reason": loop.debrief_early_reason,
        "decided_at": _iso(loop.decided_at),
        "outcome": loop.outcome.value if loop.outcome is not None else None,
        "vetoed": loop.vetoed,
        "interviews": [
            _interview_export(
                interview, feedback_by_interview.get(interview.id), final_votes.get(interview.id)
            )
            for interview in loop.interviews
        ],
        "proposal": None
        if proposal is None
        else {
            "decision": proposal.decision.value,
            "rationale": proposal.rationale,
            "proposed_by": _name(proposal.proposed_by),
            "proposed_at": _iso(proposal.proposed_at),
        },
        "verdict": None
        if verdict is None
        else {
            "kind": verdict.kind.value,
            "rationale": verdict.rationale,
            "principles": [principle.name for principle in verdict.principles],
            "bar_raiser": _name(verdict.bar_raiser),
            "decided_at": _iso(verdict.decided_at),
        },
        "hire_performance": [
            {"rating": rating.rating, "rated_on": _iso(rating.rated_on)} for rating in performance
        ],
    }


def _interview_export(
    interview: Interview, feedback: Feedback | None, final_vote: FinalVote | None
) -> dict[str, Any]:
    return {
        "id": interview.id,
        "interviewer": interview.interviewer.name,
        "starts_at": _iso(interview.starts_at),
        "duration_minutes": interview.duration_minutes,
        "shadow": interview.is_shadow,
        "principles": [principle.name for principle in interview.principles],
        "feedback": None if feedback is None else _feedback_export(feedback),
        "final_vote": None
        if final_vote is None
        else {"vote": final_vote.vote.value, "cast_at": _iso(final_vote.cast_at)},
    }


def _feedback_export(feedback: Feedback) -> dict[str, Any]:
    return {
        "vote": feedback.vote.value if feedback.vote is not None else None,
        "raises_bar": feedback.raises_bar,
        "ratings": [
            {"principle": row.principle.name, "rating": row.rating, "evidence": row.evidence}
            for row in sorted(feedback.ratings, key=lambda row: row.principle.position)
        ],
        "summary": feedback.summary,
        "created_at": _iso(feedback.created_at),
        "submitted_at": _iso(feedback.submitted_at),
        "late": feedback.is_late,
        "addenda": [
            {
                "author": _name(addendum.author),
                "body": addendum.body,
                "created_at": _iso(addendum.created_at),
                "after_debrief_opened": addendum.after_debrief_opened,
            }
            for addendum in feedback.addenda
        ],
    }


# --- erasure -------------------------------------------------------------------------------------


def ensure_erasable(candidate: Candidate) -> None:
    """Refuse (409) a candidate already erased and (422) one with a loop still open, naming it."""
    if candidate.erased_at is not None:
        raise Conflict("This candidate was already erased.")
    open_loops = db.session.execute(
        sa.select(Loop.id, Loop.state)
        .where(Loop.candidate_id == candidate.id, Loop.state.in_(OPEN_LOOP_STATES))
        .order_by(Loop.id)
    ).all()
    if open_loops:
        listed = ", ".join(f"loop #{loop_id} ({state.value})" for loop_id, state in open_loops)
        raise RuleViolation(
            f"This candidate still has an open loop: {listed}. Cancel it or take it to a "
            "decision first, then erase the candidate."
        )


def _blank(statement: sa.Update) -> int:
    """Run one bulk UPDATE; objects already in the session are refreshed from what it wrote."""
    result = db.session.execute(statement.execution_options(synchronize_session="fetch"))
    return result.rowcount


def _marker_if_present(column: Any) -> sa.Case:
    """NULL stays NULL (so "not cancelled", "opened on time" stay true); text becomes the marker."""
    return sa.case((column.is_(None), sa.null()), else_=sa.literal(ERASED_TEXT))


def _erase_messages(name: str) -> int:
    """Reminders and notices name the candidate, and nothing else ties a message to a loop: blank
    every message that holds the name. Unsent ones are marked so they are never delivered."""
    if len(name.strip()) < 3:  # too short to find safely; such messages keep their text
        return 0
    return _blank(
        sa.update(OutboxMessage)
        .where(
            sa.or_(
                OutboxMessage.subject.contains(name, autoescape=True),
                OutboxMessage.body.contains(name, autoescape=True),
            )
        )
        .values(
            subject=ERASED_TEXT,
            body=ERASED_TEXT,
            error=sa.case(
                (OutboxMessage.sent_at.is_(None), sa.literal("erased with the candidate")),
                else_=OutboxMessage.error,
            ),
        )
    )


def erase_candidate(candidate: Candidate, *, actor: User | None, now: datetime) -> Erasure:
    """Blank the candidate's name, email, source and notes, and every free text on their loops.

    Refuses (409) a candidate already erased and (422) one with a loop still open. Writes one
    audit event, "candidate.erased", holding row counts only.
    """
    ensure_erasable(candidate)
    name = candidate.name
    # Claim the erasure with a conditional UPDATE: of two admins erasing at once, one wins and the
    # other gets a 409, never a second audit event.
    claimed = _blank(
        sa.update(Candidate)
        .where(Candidate.id == candidate.id, Candidate.erased_at.is_(None))
        .values(name="", email=None, source="", notes="", erased_at=now)
    )
    if claimed != 1:
        raise Conflict("This candidate was already erased.")

    loop_ids = sa.select(Loop.id).where(Loop.candidate_id == candidate.id).scalar_subquery()
    feedback_ids = (
        sa.select(Feedback.id)
        .join(Interview, Interview.id == Feedback.interview_id)
        .where(Interview.loop_id.in_(loop_ids))
        .scalar_subquery()
    )
    erasure = Erasure(
        ratings=_blank(
            sa.update(PrincipleRating)
            .where(PrincipleRating.feedback_id.in_(feedback_ids))
            .values(evidence="")
        ),
        addenda=_blank(
            sa.update(Addendum).where(Addendum.feedback_id.in_(feedback_ids)).values(body="")
        ),
        feedback=_blank(
            sa.update(Feedback)
            .where(Feedback.id.in_(feedback_ids))
            .values(summary="", version=Feedback.version + 1)
        ),
        proposals=_blank(
            sa.update(Proposal).where(Proposal.loop_id.in_(loop_ids)).values(rationale="")
        ),
        verdicts=_blank(
            sa.update(Verdict)
            .where(Verdict.loop_id.in_(loop_ids))
            .values(
                rationale=sa.case(
                    (Verdict.kind == VerdictKind.VETO, sa.literal(ERASED_TEXT)), else_=""
                )
            )
        ),
        loops=_blank(
            sa.update(Loop)
            .where(Loop.candidate_id == candidate.id)
            .values(
                cancel_reason=_marker_if_present(Loop.cancel_reason),
                debrief_early_reason=_marker_if_present(Loop.debrief_early_reason),
                version=Loop.version + 1,
            )
        ),
        messages=_erase_messages(name),
    )
    record(
        "candidate.erased",
        actor=actor,
        subject=candidate,
        now=now,
        **asdict(erasure),
    )
    db.session.flush()
    return erasure
