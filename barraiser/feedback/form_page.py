"""What the interviewer's feedback form shows, read as plain rows by one statement built once: the
interview with its loop's heading and the panel's progress, its principles with their kits and
the role's own questions, and the reader's own feedback with its ratings. Loading the interview,
its loop, its principles and the draft as entities cost several times these reads; the form's
refusals, saves and locked page still go through the entities (views.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ..candidates.models import Candidate, display_name
from ..database import read_rows
from ..domain import FeedbackState, Vote
from ..loops.models import Interview, InterviewPrinciple, Loop
from ..principles.models import Principle
from ..requisitions.models import Requisition, RequisitionQuestions
from .models import Feedback, PrincipleRating
from .queries import PanelProgress, progress_columns, progress_of


@dataclass(frozen=True, slots=True)
class FormPrinciple:
    """An assigned principle as the form shows it: its kit (principles/_kit.html reads it as it
    reads a Principle) and the role's own questions for it."""

    id: int
    name: str
    description: str
    kit_questions: str
    kit_strong: str
    kit_weak: str
    role_questions: str | None

    # The kit read as the catalog's Principle reads it, so both say the same.
    questions = Principle.questions
    has_kit = Principle.has_kit

    @property
    def own_questions(self) -> list[str]:
        """The role's own questions, one a line (as RequisitionQuestions.lines)."""
        return [line.strip() for line in (self.role_questions or "").splitlines() if line.strip()]


@dataclass(frozen=True, slots=True)
class OwnFeedback:
    """The reader's own feedback on the interview (never anyone else's): a draft's answers, or
    that it is submitted. `ratings`: (rating, evidence) by principle id, for the interview's
    principles that have one."""

    state: FeedbackState
    version: int
    vote: Vote | None
    raises_bar: bool | None
    summary: str
    private_notes: str
    ratings: dict[int, tuple[int | None, str]] = field(default_factory=dict)

    @property
    def submitted(self) -> bool:
        return self.state is FeedbackState.SUBMITTED


@dataclass(frozen=True, slots=True)
class FormPage:
    """The interview (named as an Interview's columns, so the pages' header reads either), what
    the heading says of its loop, its principles in order and the reader's own feedback."""

    id: int
    loop_id: int
    interviewer_id: int
    starts_at: datetime
    duration_minutes: int
    is_shadow: bool
    feedback_due_at: datetime
    candidate_name: str
    role_title: str
    progress: PanelProgress
    principles: tuple[FormPrinciple, ...]
    own: OwnFeedback | None


# One row per assigned principle (one row with NULL principle columns for an interview without
# any), each carrying the interview, its heading and the reader's feedback. The feedback joined is
# the reader's own: a page built on this statement cannot show anyone else's.
_FORM_PAGE = (
    sa.select(
        Interview.id,
        Interview.loop_id,
        Interview.interviewer_id,
        Interview.starts_at,
        Interview.duration_minutes,
        Interview.is_shadow,
        Interview.feedback_due_at,
        Candidate.id.label("candidate_id"),
        Candidate.name.label("candidate_name"),
        Candidate.erased_at.label("candidate_erased_at"),
        Requisition.title.label("role_title"),
        Feedback.id.label("feedback_id"),
        Feedback.state.label("feedback_state"),
        Feedback.version,
        Feedback.vote,
        Feedback.raises_bar,
        Feedback.summary,
        Feedback.private_notes,
        Principle.id.label("principle_id"),
        Principle.name.label("principle_name"),
        Principle.description,
        Principle.kit_questions,
        Principle.kit_strong,
        Principle.kit_weak,
        RequisitionQuestions.questions.label("role_questions"),
        PrincipleRating.principle_id.label("rated_principle_id"),
        PrincipleRating.rating,
        PrincipleRating.evidence,
        *progress_columns(Interview.loop_id),
    )
    .join(Loop, Loop.id == Interview.loop_id)
    .join(Candidate, Candidate.id == Loop.candidate_id)
    .join(Requisition, Requisition.id == Loop.requisition_id)
    .outerjoin(
        Feedback,
        sa.and_(
            Feedback.interview_id == Interview.id,
            Feedback.author_id == sa.bindparam("reader"),
        ),
    )
    .outerjoin(InterviewPrinciple, InterviewPrinciple.interview_id == Interview.id)
    .outerjoin(Principle, Principle.id == InterviewPrinciple.principle_id)
    .outerjoin(
        RequisitionQuestions,
        sa.and_(
            RequisitionQuestions.requisition_id == Loop.requisition_id,
            RequisitionQuestions.principle_id == Principle.id,
        ),
    )
    .outerjoin(
        PrincipleRating,
        sa.and_(
            PrincipleRating.feedback_id == Feedback.id,
            PrincipleRating.principle_id == Principle.id,
        ),
    )
    .where(Interview.id == sa.bindparam("interview"))
    .order_by(InterviewPrinciple.position, InterviewPrinciple.principle_id)
)


def form_page(interview_id: int, *, reader_id: int) -> FormPage | None:
    """The form page of interview `interview_id` as `reader_id` writes it (None: no such
    interview). Whether the reader may write it is the caller's to ask (policy)."""
    rows = read_rows(_FORM_PAGE, {"interview": interview_id, "reader": reader_id}).all()
    if not rows:
        return None
    first = rows[0]
    own = None
    if first.feedback_id is not None:
        own = OwnFeedback(
            state=first.feedback_state,
            version=first.version,
            vote=first.vote,
            raises_bar=first.raises_bar,
            summary=first.summary,
            private_notes=first.private_notes,
            ratings={
                row.principle_id: (row.rating, row.evidence)
                for row in rows
                if row.rated_principle_id is not None
            },
        )
    return FormPage(
        id=first.id,
        loop_id=first.loop_id,
        interviewer_id=first.interviewer_id,
        starts_at=first.starts_at,
        duration_minutes=first.duration_minutes,
        is_shadow=first.is_shadow,
        feedback_due_at=first.feedback_due_at,
        candidate_name=display_name(
            first.candidate_id, first.candidate_name, first.candidate_erased_at
        ),
        role_title=first.role_title,
        progress=progress_of(first),
        principles=tuple(
            FormPrinciple(
                id=row.principle_id,
                name=row.principle_name,
                description=row.description,
                kit_questions=row.kit_questions,
                kit_strong=row.kit_strong,
                kit_weak=row.kit_weak,
                role_questions=row.role_questions,
            )
            for row in rows
            if row.principle_id is not None
        ),
        own=own,
    )
