"""Reading the debrief page: the loop and its panel read as plain rows in a fixed number of
statements whatever the panel size (panel_rows), and shaped for the template (columns, matrix,
tallies) so the template decides nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

import sqlalchemy as sa

from .. import policy
from ..auth.models import User
from ..domain import LoopState, Vote
from ..extensions import db
from ..loops.models import Loop
from . import rules
from .models import Proposal
from .panel_rows import (
    AddendumRow,
    CastVote,
    DebriefLoop,
    DebriefRead,
    PanelInterview,
    PerformanceRow,
    PrincipleRef,
    ProposalRow,
    SubmittedFeedback,
    VerdictRow,
    as_policy_loop,
    performances,
    read_addenda,
    veto_principles,
)

# Strongest first, as the feedback form lists them.
VOTES: tuple[Vote, ...] = tuple(sorted(Vote, key=lambda vote: -vote.score))

# Text longer than this many words is shown as its first PREVIEW_WORDS, with "show all".
LONG_WORDS = 120
PREVIEW_WORDS = 60


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A piece of written text as a card shows it: whole, or previewed with the rest behind
    "show all" (the print view always shows it whole)."""

    text: str
    preview: str
    words: int

    @property
    def is_long(self) -> bool:
        return self.preview != self.text

    @classmethod
    def of(cls, text: str | None) -> Excerpt:
        text = text or ""
        words = text.split()
        if len(words) <= LONG_WORDS and len(text) <= LONG_WORDS * 8:
            return cls(text=text, preview=text, words=len(words))
        preview = " ".join(words[:PREVIEW_WORDS])[: PREVIEW_WORDS * 8]
        return cls(text=text, preview=preview, words=len(words))


NO_TEXT = Excerpt.of("")


@dataclass(frozen=True, slots=True)
class Entry:
    """One assigned principle on a card: its rating and evidence."""

    principle: PrincipleRef
    rating: int | None
    evidence: Excerpt


@dataclass(frozen=True, slots=True)
class Column:
    """One interview on the page: its feedback and final vote (when the viewer may read them),
    and the card's entries and summary drawn from that feedback."""

    interview: PanelInterview
    feedback: SubmittedFeedback | None
    final_vote: CastVote | None
    is_hiring_manager: bool
    entries: list[Entry] = field(default_factory=list)
    summary: Excerpt = NO_TEXT
    addenda: list[AddendumRow] = field(default_factory=list)

    @property
    def is_shadow(self) -> bool:
        return self.interview.is_shadow

    @property
    def changed(self) -> bool:
        return (
            self.feedback is not None
            and self.final_vote is not None
            and self.final_vote.vote is not self.feedback.vote
        )

    @classmethod
    def of(
        cls,
        interview: PanelInterview,
        feedback: SubmittedFeedback | None,
        final_vote: CastVote | None,
        *,
        is_hiring_manager: bool,
        addenda: list[AddendumRow],
    ) -> Column:
        if feedback is None:
            return cls(interview, None, final_vote, is_hiring_manager)
        ratings = feedback.ratings
        entries = []
        for principle in interview.principles:
            rating, evidence = ratings.get(principle.id, (None, ""))
            entries.append(Entry(principle, rating, Excerpt.of(evidence)))
        return cls(
            interview,
            feedback,
            final_vote,
            is_hiring_manager,
            entries=entries,
            summary=Excerpt.of(feedback.summary),
            addenda=addenda,
        )


@dataclass(frozen=True, slots=True)
class MatrixRow:
    column: Column
    # One cell per matrix principle: (assigned to this interview?, rating or None).
    cells: list[tuple[bool, int | None]]


@dataclass(frozen=True)
class Tally:
    written: dict[Vote, int]
    final: dict[Vote, int]
    raises_bar_yes: int
    raises_bar_no: int
    submitted: int
    final_cast: int
    panel_size: int

    @property
    def written_hire(self) -> int:
        return sum(count for vote, count in self.written.items() if vote.leans_hire)

    @property
    def final_hire(self) -> int:
        return sum(count for vote, count in self.final.items() if vote.leans_hire)


@dataclass
class DebriefPage:
    loop: DebriefLoop
    can_read_feedback: bool
    columns: list[Column]
    principles: list[PrincipleRef]
    matrix: list[MatrixRow]
    tally: Tally
    missing: list[PanelInterview]
    proposal: ProposalRow | None
    verdict: VerdictRow | None
    performances: list[PerformanceRow]
    actions: frozenset[str] = field(default_factory=frozenset)
    # The panelists whose final vote is in (names only: never their votes) and those awaited.
    final_voters: list[str] = field(default_factory=list)
    awaiting_final: list[str] = field(default_factory=list)
    # Why the viewer sees counts only, in words for their role; None when they read everything.
    sealed_message: str | None = None
    # Where the viewer's own feedback is written, when they still owe it.
    own_interview: PanelInterview | None = None

    @property
    def changes(self) -> list[Column]:
        return [column for column in self.columns if not column.is_shadow and column.changed]

    @property
    def latest_performance(self) -> PerformanceRow | None:
        return self.performances[-1] if self.performances else None

    @property
    def stage(self) -> str:
        """Where the loop stands, in words that reveal nothing the viewer may not read."""
        loop, tally = self.loop, self.tally
        if loop.state is LoopState.DECIDED:
            if self.can_read_feedback and loop.outcome is not None:
                decided = loop.outcome.value.replace("_", " ")
                return f"Decided: {decided}{', vetoed' if loop.vetoed else ''}."
            return "Decided."
        if loop.state is LoopState.CANCELLED:
            return "Cancelled."
        if loop.state is not LoopState.DEBRIEF:
            return (
                f"Waiting for feedback: {tally.submitted} of {tally.panel_size} panel feedback "
                "submitted. The Bar Raiser opens the debrief."
            )
        if self.proposal is not None:
            return "The hiring manager has proposed; the Bar Raiser concurs or vetoes next."
        return (
            f"Debrief open: {tally.final_cast} of {tally.panel_size} final votes cast. "
            "The hiring manager proposes next."
        )

    @property
    def concur_outcome(self) -> str:
        """What the loop becomes if the Bar Raiser concurs: the proposal, as it stands."""
        if self.proposal is None:
            return "as proposed"
        return self.proposal.decision.value.replace("_", " ")

    @property
    def read_only_message(self) -> str | None:
        """The same words a refused change would answer with, shown before anyone tries."""
        refusal = rules.read_only_refusal(self.loop)
        return refusal.message if refusal is not None else None


def _ordered(interviews: list[PanelInterview], hiring_manager_id: int) -> list[PanelInterview]:
    """Panel first, shadows next, the hiring manager's interview last: the most senior voice is
    read after everyone else's, so it does not anchor the room."""
    return sorted(
        interviews,
        key=lambda i: (i.interviewer_id == hiring_manager_id, i.is_shadow, i.starts_at, i.id),
    )


class _Ranked(Protocol):
    """A principle as the catalog orders it: a Principle, or the page's PrincipleRef."""

    @property
    def id(self) -> int: ...
    @property
    def position(self) -> int: ...


R = TypeVar("R", bound=_Ranked)
R_co = TypeVar("R_co", bound=_Ranked, covariant=True)


class _Probing(Protocol[R_co]):
    """An interview with the principles it probes: an Interview, or the page's PanelInterview."""

    @property
    def principles(self) -> Sequence[R_co]: ...


def matrix_principles(interviews: Iterable[_Probing[R]]) -> list[R]:
    """The principles the panel was assigned, each once, in catalog order: the page's matrix and
    veto choices (of its rows), and the veto form's choices when it is submitted (of the
    loop's entities)."""
    seen: dict[int, R] = {}
    for interview in interviews:
        for principle in interview.principles:
            seen.setdefault(principle.id, principle)
    return sorted(seen.values(), key=lambda principle: (principle.position, principle.id))


def _tally(columns: list[Column], panel_size: int) -> Tally:
    counted = [column for column in columns if not column.is_shadow]
    written = Counter(c.feedback.vote for c in counted if c.feedback is not None)
    final = Counter(c.final_vote.vote for c in counted if c.final_vote is not None)
    bar = Counter(c.feedback.raises_bar for c in counted if c.feedback is not None)
    return Tally(
        written={vote: written.get(vote, 0) for vote in VOTES},
        final={vote: final.get(vote, 0) for vote in VOTES},
        raises_bar_yes=bar.get(True, 0),
        raises_bar_no=bar.get(False, 0),
        submitted=sum(written.values()),
        final_cast=sum(final.values()),
        panel_size=panel_size,
    )


def debrief_page(read: DebriefRead, viewer: User) -> DebriefPage:
    """Everything the debrief page shows to `viewer`. A panelist who has not submitted their own
    feedback gets counts only: the page then holds no one else's feedback, vote or rationale."""
    loop = read.loop
    own_submitted = any(
        interview.interviewer_id == viewer.id and interview.id in read.feedback
        for interview in loop.interviews
    )
    can_read = policy.can_view_panel_feedback(
        viewer, as_policy_loop(loop), own_submitted=own_submitted
    )
    interviews = _ordered(loop.interviews, loop.hiring_manager_id)
    addenda = (
        read_addenda(loop.id)
        if can_read and any(feedback.has_addenda for feedback in read.feedback.values())
        else {}
    )
    full_columns = [
        Column.of(
            interview,
            read.feedback.get(interview.id),
            read.final_votes.get(interview.id),
            is_hiring_manager=interview.interviewer_id == loop.hiring_manager_id,
            addenda=addenda.get(interview.id, []),
        )
        for interview in interviews
    ]
    missing = [
        column.interview
        for column in full_columns
        if column.feedback is None and not column.is_shadow
    ]
    viewer_column = next(
        (column for column in full_columns if column.interview.interviewer_id == viewer.id), None
    )
    proposal, verdict = read.proposal, read.verdict
    actions = _actions(viewer, loop, viewer_column, proposal)
    panel_size = sum(1 for interview in loop.interviews if not interview.is_shadow)
    tally = _tally(full_columns, panel_size=panel_size)
    if can_read:
        columns = full_columns
        if verdict is not None:
            verdict = replace(verdict, principles=veto_principles(verdict))
    else:
        # Independence: counts stay (how many submitted), everything written by others goes.
        columns = [
            Column(interview=c.interview, feedback=None, final_vote=None, is_hiring_manager=False)
            for c in full_columns
        ]
        tally = Tally(
            written={},
            final={},
            raises_bar_yes=0,
            raises_bar_no=0,
            submitted=tally.submitted,
            final_cast=tally.final_cast,
            panel_size=tally.panel_size,
        )
        proposal = None
        verdict = None
    panel_columns = [column for column in full_columns if not column.is_shadow]
    final_voters = [c.interview.interviewer_name for c in panel_columns if c.final_vote is not None]
    awaiting_final = (
        [c.interview.interviewer_name for c in panel_columns if c.final_vote is None]
        if loop.state is LoopState.DEBRIEF
        else []
    )
    own_interview = (
        viewer_column.interview
        if viewer_column is not None and viewer_column.feedback is None and not can_read
        else None
    )
    principles = matrix_principles(interviews)
    matrix = []
    for column in columns:
        assigned = {principle.id for principle in column.interview.principles}
        ratings = column.feedback.ratings if column.feedback is not None else {}
        matrix.append(
            MatrixRow(
                column=column,
                cells=[
                    (principle.id in assigned, ratings.get(principle.id, (None, ""))[0])
                    for principle in principles
                ],
            )
        )
    return DebriefPage(
        loop=loop,
        can_read_feedback=can_read,
        columns=columns,
        principles=principles,
        matrix=matrix,
        tally=tally,
        missing=missing,
        proposal=proposal,
        verdict=verdict,
        performances=performances(loop) if can_read else [],
        actions=actions,
        final_voters=final_voters,
        awaiting_final=awaiting_final,
        sealed_message=None if can_read else sealed_message(viewer, loop),
        own_interview=own_interview,
    )


def proposed_outcome(loop: Loop) -> str:
    """The loop's proposal in words ("hire", "no hire"), which a concurrence makes the outcome."""
    decision = db.session.scalar(sa.select(Proposal.decision).where(Proposal.loop_id == loop.id))
    return decision.value.replace("_", " ") if decision is not None else "as proposed"


def sealed_message(viewer: User, loop: DebriefLoop) -> str:
    """Why `viewer` sees counts only on this loop's debrief, in the words of their role: a
    panelist (the Bar Raiser, a shadow or an interviewing hiring manager included) until their
    own feedback is in; a hiring manager who does not interview until the debrief opens."""
    if policy.is_on_panel(viewer, as_policy_loop(loop)):
        return (
            "Submit your own feedback to read the panel's. Until then you see only how many "
            "have submitted."
        )
    if viewer.id == loop.hiring_manager_id:
        return (
            "You read the panel's feedback once the Bar Raiser opens the debrief. Until then "
            "you see only how many have submitted."
        )
    return "The panel's feedback is not open to you. You see only how many have submitted."


def _actions(
    viewer: User, loop: DebriefLoop, own: Column | None, proposal: ProposalRow | None
) -> frozenset[str]:
    """The forms to offer `viewer`: asked of the services' own refusals, so a form is shown
    exactly when submitting it would be accepted."""
    checks = {
        "open": rules.open_refusal(viewer, loop),
        "final_vote": rules.final_vote_refusal(
            viewer,
            loop,
            own.interview if own else None,
            own.feedback if own else None,
            own.final_vote if own else None,
        ),
        "propose": rules.proposal_refusal(viewer, loop, proposal),
        "rule": rules.verdict_refusal(viewer, loop, proposal),
        "performance": rules.performance_refusal(viewer, loop),
    }
    return frozenset(action for action, refusal in checks.items() if refusal is None)
