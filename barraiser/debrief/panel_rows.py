"""What the debrief page reads of a loop, as plain rows by statements built once: the loop with
its people, proposal and verdict in one row; its panel, each interview with its principles,
submitted feedback, ratings and final vote, in another statement. Loading them as entities with
their relationships cost several times the reads themselves, and the page needs none of them.

Nothing here decides who may read what: `queries.debrief_page` asks policy, and hands the
template only what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..candidates.models import Candidate, display_name
from ..database import read_rows
from ..domain import LOOP_TRANSITIONS, LoopState, Outcome, VerdictKind, Vote
from ..feedback.models import Addendum, Feedback, PrincipleRating
from ..loops.models import Interview, InterviewPrinciple, Loop
from ..principles.models import Principle
from ..requisitions.models import Requisition
from .models import FinalVote, HirePerformance, Proposal, Verdict, veto_principle


class Person(NamedTuple):
    """Someone named on the page (templates and refusals read `.name`)."""

    name: str


@dataclass(frozen=True, slots=True)
class PrincipleRef:
    """A principle as the page shows it: a matrix column, a card's heading, a veto's choice."""

    id: int
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class PanelInterview:
    """One interview of the loop: who, when, probing what (in the interview's order)."""

    id: int
    interviewer_id: int
    interviewer_name: str
    is_shadow: bool
    starts_at: datetime
    principles: list[PrincipleRef] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AddendumRow:
    author_name: str
    created_at: datetime
    after_debrief_opened: bool
    body: str


@dataclass(frozen=True, slots=True)
class SubmittedFeedback:
    """An interview's submitted feedback; drafts are never read here."""

    vote: Vote
    raises_bar: bool
    summary: str
    submitted_at: datetime
    is_late: bool
    # Whether any addendum follows it (read_addenda reads them).
    has_addenda: bool
    # By principle id: (rating or None, evidence).
    ratings: dict[int, tuple[int | None, str]] = field(default_factory=dict)

    @property
    def submitted(self) -> bool:
        return True


class CastVote(NamedTuple):
    """A panelist's final vote."""

    vote: Vote


@dataclass(frozen=True, slots=True)
class ProposalRow:
    decision: Outcome
    rationale: str
    early_reason: str | None
    proposed_at: datetime
    proposed_by: Person


@dataclass(frozen=True, slots=True)
class VerdictRow:
    id: int
    kind: VerdictKind
    rationale: str
    decided_at: datetime
    bar_raiser: Person
    principles: list[Person] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PerformanceRow:
    rated_on: date
    rating: int


@dataclass(frozen=True, slots=True)
class DebriefLoop:
    """The loop as the debrief page reads it. Its columns keep the names Loop gives them, and
    `interviews` holds each interview's interviewer and shadow flag, so that the same policy
    predicates and debrief rules answer for it as they do for the loop's entity."""

    id: int
    state: LoopState
    outcome: Outcome | None
    vetoed: bool
    decided_at: datetime | None
    hiring_manager_id: int
    bar_raiser_id: int
    certified_shadow_id: int | None
    debrief_opened_at: datetime | None
    debrief_opened_by_id: int | None
    debrief_early_reason: str | None
    candidate_name: str
    requisition_title: str
    requisition_level: int
    requisition_department: str
    hiring_manager_name: str
    bar_raiser_name: str
    certified_shadow_name: str | None
    interviews: list[PanelInterview]

    # Loop's own definitions, for a row.
    @property
    def veto_holder_id(self) -> int:
        if self.certified_shadow_id is not None:
            return self.certified_shadow_id
        return self.bar_raiser_id

    @property
    def trainee_led(self) -> bool:
        return self.certified_shadow_id is not None

    @property
    def decided(self) -> bool:
        return self.state is LoopState.DECIDED

    def can_move_to(self, state: LoopState) -> bool:
        return state in LOOP_TRANSITIONS[self.state]


def as_policy_loop(loop: DebriefLoop) -> Loop:
    """The page's loop where a policy predicate asks for a Loop. The predicates the page asks
    (can_view_debrief, can_view_panel_feedback, is_on_panel) read the loop's people, when its
    debrief opened and its interviews' interviewers, which DebriefLoop carries under Loop's names:
    the page asks the very predicates every other page asks (tests/debrief/test_page_rows.py
    holds their answers equal for the row and the entity)."""
    return cast(Loop, loop)


@dataclass(frozen=True, slots=True)
class DebriefRead:
    """Everything the page may show of a loop, before policy says what the viewer may read."""

    loop: DebriefLoop
    feedback: dict[int, SubmittedFeedback]  # by interview id
    final_votes: dict[int, CastVote]  # by interview id
    proposal: ProposalRow | None
    verdict: VerdictRow | None


_HiringManager = aliased(User)
_BarRaiser = aliased(User)
_Shadow = aliased(User)
_Proposer = aliased(User)
_Ruler = aliased(User)

# The loop, its candidate, requisition and people, its proposal and verdict (at most one each).
LOOP_ROW = (
    sa.select(
        Loop.id,
        Loop.state,
        Loop.outcome,
        Loop.vetoed,
        Loop.decided_at,
        Loop.hiring_manager_id,
        Loop.bar_raiser_id,
        Loop.certified_shadow_id,
        Loop.debrief_opened_at,
        Loop.debrief_opened_by_id,
        Loop.debrief_early_reason,
        Loop.candidate_id,
        Candidate.name.label("candidate_name"),
        Candidate.erased_at.label("candidate_erased_at"),
        Requisition.title.label("requisition_title"),
        Requisition.level.label("requisition_level"),
        Requisition.department.label("requisition_department"),
        _HiringManager.name.label("hiring_manager_name"),
        _BarRaiser.name.label("bar_raiser_name"),
        _Shadow.name.label("certified_shadow_name"),
        Proposal.decision.label("proposal_decision"),
        Proposal.rationale.label("proposal_rationale"),
        Proposal.early_reason.label("proposal_early_reason"),
        Proposal.proposed_at,
        _Proposer.name.label("proposer_name"),
        Verdict.id.label("verdict_id"),
        Verdict.kind.label("verdict_kind"),
        Verdict.rationale.label("verdict_rationale"),
        Verdict.decided_at.label("verdict_decided_at"),
        _Ruler.name.label("verdict_bar_raiser_name"),
    )
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .join(_HiringManager, _HiringManager.id == Loop.hiring_manager_id)
    .join(_BarRaiser, _BarRaiser.id == Loop.bar_raiser_id)
    .outerjoin(_Shadow, _Shadow.id == Loop.certified_shadow_id)
    .outerjoin(Proposal, Proposal.loop_id == Loop.id)
    .outerjoin(_Proposer, _Proposer.id == Proposal.proposed_by_id)
    .outerjoin(Verdict, Verdict.loop_id == Loop.id)
    .outerjoin(_Ruler, _Ruler.id == Verdict.bar_raiser_id)
    .where(Loop.id == sa.bindparam("loop_id"))
)

# The panel: a row per interview and principle it probes (one with no principle for an interview
# without any), with the interview's submitted feedback, that feedback's rating of the principle,
# and the interview's final vote. A feedback rates only its interview's principles: submitting
# drops any other (feedback.services), and the principles stay fixed once feedback has started
# (loops.services), so joining the ratings by principle reads them all.
PANEL_ROWS = (
    sa.select(
        Interview.id,
        Interview.interviewer_id,
        User.name.label("interviewer_name"),
        Interview.is_shadow,
        Interview.starts_at,
        Principle.id.label("principle_id"),
        Principle.name.label("principle_name"),
        Principle.position.label("principle_position"),
        Feedback.id.label("feedback_id"),
        Feedback.vote,
        Feedback.raises_bar,
        Feedback.summary,
        Feedback.submitted_at,
        Feedback.is_late,
        sa.exists()
        .where(Addendum.feedback_id == Feedback.id)
        .correlate(Feedback)
        .label("has_addenda"),
        PrincipleRating.rating,
        PrincipleRating.evidence,
        FinalVote.vote.label("final_vote"),
    )
    .join(User, User.id == Interview.interviewer_id)
    .outerjoin(InterviewPrinciple, InterviewPrinciple.interview_id == Interview.id)
    .outerjoin(Principle, Principle.id == InterviewPrinciple.principle_id)
    .outerjoin(Feedback, sa.and_(Feedback.interview_id == Interview.id, Feedback.submitted))
    .outerjoin(
        PrincipleRating,
        sa.and_(
            PrincipleRating.feedback_id == Feedback.id,
            PrincipleRating.principle_id == InterviewPrinciple.principle_id,
        ),
    )
    .outerjoin(
        FinalVote,
        sa.and_(FinalVote.interview_id == Interview.id, FinalVote.loop_id == Interview.loop_id),
    )
    .where(Interview.loop_id == sa.bindparam("loop_id"))
    .order_by(Interview.id, InterviewPrinciple.position, InterviewPrinciple.principle_id)
)

# The addenda to the loop's submitted feedback, oldest first.
_Author = aliased(User)
ADDENDA = (
    sa.select(
        Feedback.interview_id,
        _Author.name,
        Addendum.created_at,
        Addendum.after_debrief_opened,
        Addendum.body,
    )
    .join(Feedback, Feedback.id == Addendum.feedback_id)
    .join(Interview, Interview.id == Feedback.interview_id)
    .join(_Author, _Author.id == Addendum.author_id)
    .where(Interview.loop_id == sa.bindparam("loop_id"), Feedback.submitted)
    .order_by(Addendum.created_at, Addendum.id)
)

# The principles a veto names.
VETO_PRINCIPLES = (
    sa.select(Principle.name)
    .join(veto_principle, veto_principle.c.principle_id == Principle.id)
    .where(veto_principle.c.verdict_id == sa.bindparam("verdict_id"))
    .order_by(veto_principle.c.principle_id)
)

PERFORMANCES = (
    sa.select(HirePerformance.rated_on, HirePerformance.rating)
    .where(HirePerformance.loop_id == sa.bindparam("loop_id"))
    .order_by(HirePerformance.rated_on, HirePerformance.id)
)


def read_debrief(loop_id: int) -> DebriefRead | None:
    """The loop and its panel in two statements; None when there is no such loop."""
    head = read_rows(LOOP_ROW, {"loop_id": loop_id}).one_or_none()
    if head is None:
        return None
    interviews: dict[int, PanelInterview] = {}
    feedback: dict[int, SubmittedFeedback] = {}
    final_votes: dict[int, CastVote] = {}
    for (
        interview_id,
        interviewer_id,
        interviewer_name,
        is_shadow,
        starts_at,
        principle_id,
        principle_name,
        principle_position,
        feedback_id,
        vote,
        raises_bar,
        summary,
        submitted_at,
        is_late,
        has_addenda,
        rating,
        evidence,
        final_vote,
    ) in read_rows(PANEL_ROWS, {"loop_id": loop_id}).all():
        interview = interviews.get(interview_id)
        if interview is None:
            interview = interviews[interview_id] = PanelInterview(
                interview_id, interviewer_id, interviewer_name, is_shadow, starts_at
            )
            if feedback_id is not None:
                feedback[interview_id] = SubmittedFeedback(
                    vote, raises_bar, summary, submitted_at, is_late, bool(has_addenda)
                )
            if final_vote is not None:
                final_votes[interview_id] = CastVote(final_vote)
        if principle_id is not None:
            interview.principles.append(
                PrincipleRef(principle_id, principle_name, principle_position)
            )
            if feedback_id is not None and evidence is not None:
                feedback[interview_id].ratings[principle_id] = (rating, evidence)
    loop = DebriefLoop(
        id=head.id,
        state=head.state,
        outcome=head.outcome,
        vetoed=head.vetoed,
        decided_at=head.decided_at,
        hiring_manager_id=head.hiring_manager_id,
        bar_raiser_id=head.bar_raiser_id,
        certified_shadow_id=head.certified_shadow_id,
        debrief_opened_at=head.debrief_opened_at,
        debrief_opened_by_id=head.debrief_opened_by_id,
        debrief_early_reason=head.debrief_early_reason,
        candidate_name=display_name(
            head.candidate_id, head.candidate_name, head.candidate_erased_at
        ),
        requisition_title=head.requisition_title,
        requisition_level=head.requisition_level,
        requisition_department=head.requisition_department,
        hiring_manager_name=head.hiring_manager_name,
        bar_raiser_name=head.bar_raiser_name,
        certified_shadow_name=head.certified_shadow_name,
        interviews=list(interviews.values()),
    )
    proposal = (
        ProposalRow(
            decision=head.proposal_decision,
            rationale=head.proposal_rationale,
            early_reason=head.proposal_early_reason,
            proposed_at=head.proposed_at,
            proposed_by=Person(head.proposer_name),
        )
        if head.proposal_decision is not None
        else None
    )
    verdict = (
        VerdictRow(
            id=head.verdict_id,
            kind=head.verdict_kind,
            rationale=head.verdict_rationale,
            decided_at=head.verdict_decided_at,
            bar_raiser=Person(head.verdict_bar_raiser_name),
        )
        if head.verdict_id is not None
        else None
    )
    return DebriefRead(
        loop=loop, feedback=feedback, final_votes=final_votes, proposal=proposal, verdict=verdict
    )


def read_addenda(loop_id: int) -> dict[int, list[AddendumRow]]:
    """The addenda to the loop's submitted feedback, by interview id, oldest first."""
    addenda: dict[int, list[AddendumRow]] = {}
    for interview_id, *addendum in read_rows(ADDENDA, {"loop_id": loop_id}):
        addenda.setdefault(interview_id, []).append(AddendumRow(*addendum))
    return addenda


def veto_principles(verdict: VerdictRow) -> list[Person]:
    return [Person(name) for (name,) in read_rows(VETO_PRINCIPLES, {"verdict_id": verdict.id})]


def performances(loop: DebriefLoop) -> list[PerformanceRow]:
    """The hire's performance ratings, oldest first: only a loop decided as a hire has any (the
    service records none for another)."""
    if loop.state is not LoopState.DECIDED:
        return []
    return [
        PerformanceRow(rated_on, rating)
        for rated_on, rating in read_rows(PERFORMANCES, {"loop_id": loop.id})
    ]
