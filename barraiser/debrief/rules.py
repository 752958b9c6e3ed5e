"""The debrief's rules as refusals: each function returns the error its service would raise, or
None. The services raise them; the page asks the same functions which forms to show, so a form is
offered exactly when its service would accept it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ..auth.models import User
from ..domain import LoopState, Outcome, Vote
from ..errors import Conflict, DomainError, Forbidden, RuleViolation

# What the rules read, as protocols: the services pass the entities, the page the rows it read
# (panel_rows), and both are asked the same questions.


class LoopFacts(Protocol):
    @property
    def state(self) -> LoopState: ...
    @property
    def outcome(self) -> Outcome | None: ...
    @property
    def decided_at(self) -> datetime | None: ...
    @property
    def bar_raiser_id(self) -> int: ...
    @property
    def hiring_manager_id(self) -> int: ...
    @property
    def veto_holder_id(self) -> int: ...
    @property
    def trainee_led(self) -> bool: ...
    def can_move_to(self, state: LoopState) -> bool: ...


class InterviewFacts(Protocol):
    @property
    def is_shadow(self) -> bool: ...


class FeedbackFacts(Protocol):
    @property
    def submitted(self) -> bool: ...


class VoteFacts(Protocol):
    @property
    def vote(self) -> Vote: ...


class Named(Protocol):
    @property
    def name(self) -> str: ...


class ProposalFacts(Protocol):
    @property
    def decision(self) -> Outcome: ...
    @property
    def proposed_by(self) -> Named: ...


def read_only_refusal(loop: LoopFacts) -> Conflict | None:
    if loop.state is LoopState.DECIDED:
        decided = loop.decided_at.strftime("%Y-%m-%d %H:%M UTC") if loop.decided_at else "—"
        return Conflict(f"This loop was decided on {decided} and is read-only.")
    if loop.state is LoopState.CANCELLED:
        return Conflict("This loop was cancelled and is read-only.")
    return None


def _state_refusal(loop: LoopFacts, expected: LoopState, doing: str) -> Conflict | None:
    if (refusal := read_only_refusal(loop)) is not None:
        return refusal
    if loop.state is not expected:
        return Conflict(f"{doing} only while the loop is in {expected.value}; it is {loop.state}.")
    return None


def open_refusal(actor: User, loop: LoopFacts) -> DomainError | None:
    if actor.id != loop.bar_raiser_id:
        return Forbidden("Only the loop's Bar Raiser opens the debrief.")
    if loop.state is LoopState.DEBRIEF:
        return Conflict("The debrief is already open.")
    if (refusal := read_only_refusal(loop)) is not None:
        return refusal
    if not loop.can_move_to(LoopState.DEBRIEF):
        return Conflict(f"A {loop.state} loop cannot go to debrief; schedule it first.")
    return None


def final_vote_refusal(
    actor: User,
    loop: LoopFacts,
    interview: InterviewFacts | None,
    feedback: FeedbackFacts | None,
    existing: VoteFacts | None,
) -> DomainError | None:
    if interview is None:
        return Forbidden("Only the panel casts final votes.")
    if interview.is_shadow:
        return Forbidden("Shadow interviewers do not vote: their feedback is shown, not counted.")
    if (refusal := _state_refusal(loop, LoopState.DEBRIEF, "Final votes are cast")) is not None:
        return refusal
    if feedback is None or not feedback.submitted:
        return Conflict("Submit your written feedback before casting a final vote.")
    if existing is not None:
        return Conflict(f"You already cast your final vote ({existing.vote.label}).")
    return None


def proposal_refusal(
    actor: User, loop: LoopFacts, existing: ProposalFacts | None
) -> DomainError | None:
    if actor.id != loop.hiring_manager_id:
        return Forbidden("Only the loop's hiring manager proposes the decision.")
    if (refusal := _state_refusal(loop, LoopState.DEBRIEF, "A proposal is made")) is not None:
        return refusal
    if existing is not None:
        decision = existing.decision.value.replace("_", " ")
        return Conflict(f"{existing.proposed_by.name} already proposed {decision}.")
    return None


def early_proposal_refusal(waiting_on: list[str], reason: str) -> RuleViolation | None:
    """A proposal made before every panelist has cast a final vote needs a written reason: the
    hiring manager must not decide ahead of the room without saying why. `waiting_on` names the
    panelists whose final vote is not in."""
    if waiting_on and not reason.strip():
        return RuleViolation(
            f"{len(waiting_on)} final {'vote is' if len(waiting_on) == 1 else 'votes are'} not "
            f"in yet ({', '.join(waiting_on)}). Wait for them, or write why you propose now.",
            field="early_reason",
        )
    return None


def verdict_refusal(
    actor: User, loop: LoopFacts, proposal: ProposalFacts | None
) -> DomainError | None:
    """The veto is its holder's: the loop's Bar Raiser, or in a trainee-led loop the certified
    Bar Raiser shadowing it (the trainee leads the debrief but does not rule)."""
    if actor.id != loop.veto_holder_id:
        if loop.trainee_led:
            return Forbidden(
                "In a loop led by a Bar Raiser in training, the certified Bar Raiser shadowing "
                "it concurs or vetoes."
            )
        return Forbidden("Only the loop's Bar Raiser concurs or vetoes.")
    if (refusal := _state_refusal(loop, LoopState.DEBRIEF, "The Bar Raiser rules")) is not None:
        return refusal
    if proposal is None:
        return Conflict("The hiring manager has not proposed a decision yet.")
    return None


def performance_refusal(actor: User, loop: LoopFacts) -> DomainError | None:
    if actor.id != loop.hiring_manager_id:
        return Forbidden("Only the loop's hiring manager records the hire's performance.")
    if loop.state is not LoopState.DECIDED or loop.outcome is not Outcome.HIRE:
        return Conflict("Performance is recorded only for a loop decided as a hire.")
    return None
