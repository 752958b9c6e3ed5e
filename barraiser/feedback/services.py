"""Writing feedback: private drafts, submit-and-lock, and addenda after submission.

Each function checks its own rules (who, which state, when) whoever calls it — view, CLI or test —
writes its audit event and flushes; the caller commits. Writes take the loop's row lock first
(loops.services.lock_loop) and the feedback's second, always in that order, so two writers in one
loop queue instead of racing: that is what makes a double submit end with one winner, and the
"last feedback" message go out exactly when the last one lands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import User
from ..database import mark_changed
from ..domain import RATING_LABELS, FeedbackState, LoopState, Vote
from ..errors import Conflict, Forbidden, RuleViolation
from ..extensions import db
from ..loops.models import Interview, Loop
from ..loops.services import lock_loop
from ..outbox.emails import app_path
from ..outbox.services import queue_message
from ..outbox.webhooks import queue_event
from ..settings.services import current_settings
from .deadline import submitted_late
from .models import Addendum, Feedback, PrincipleRating
from .quality import word_count
from .queries import panel_complete

# Drafts may be written while the loop is being prepared or run; submission needs a scheduled
# loop (the panel is fixed); a decided or cancelled loop is read-only.
DRAFT_LOOP_STATES = frozenset({LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF})
SUBMIT_LOOP_STATES = frozenset({LoopState.SCHEDULED, LoopState.DEBRIEF})
ADDENDUM_LOOP_STATES = frozenset({LoopState.DRAFT, LoopState.SCHEDULED, LoopState.DEBRIEF})


@dataclass(frozen=True)
class RatingInput:
    rating: int | None
    evidence: str


@dataclass(frozen=True)
class FeedbackContent:
    """What the form carries, keyed by principle id; a draft may leave anything empty."""

    ratings: Mapping[int, RatingInput] = field(default_factory=dict)
    vote: Vote | None = None
    raises_bar: bool | None = None
    summary: str = ""
    private_notes: str = ""


class IncompleteFeedback(RuleViolation):
    """Submission refused; `problems` maps each form field to what it still needs."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(
            "The feedback is not complete yet: see the marked fields. Your text is kept below.",
            field=next(iter(problems)),
        )
        self.problems = problems


def addenda_open(loop: Loop) -> bool:
    return loop.state in ADDENDUM_LOOP_STATES


def _lock_feedback(interview_id: int) -> Feedback | None:
    """The feedback, re-read under its row lock so a state read earlier in the request cannot
    be trusted by mistake."""
    return db.session.scalars(
        sa.select(Feedback)
        .where(Feedback.interview_id == interview_id)
        .options(sa.orm.selectinload(Feedback.ratings))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def _check_writer(interview: Interview, feedback: Feedback | None, actor: User) -> None:
    if interview.interviewer_id != actor.id or (
        feedback is not None and feedback.author_id != actor.id
    ):
        raise Forbidden("Only the interviewer writes the feedback for their interview.")


def _refuse_if_submitted(feedback: Feedback | None) -> None:
    if feedback is not None and feedback.submitted:
        assert feedback.submitted_at is not None
        raise Conflict(
            f"This feedback was already submitted at {feedback.submitted_at:%Y-%m-%d %H:%M} UTC. "
            "It is locked now; add an addendum if something is missing."
        )


def _check_version(feedback: Feedback | None, expected_version: int) -> None:
    current = feedback.version if feedback is not None else 0
    if current == expected_version:
        return
    saved = f" at {feedback.updated_at:%H:%M} UTC" if feedback is not None else ""
    raise Conflict(
        f"This draft was saved from another window{saved} after you opened this page. "
        "Your text is below and was not saved: save again to keep it (it replaces the other "
        "window's version), or reload to see that version."
    )


def _assigned_ids(interview: Interview) -> list[int]:
    return [assignment.principle_id for assignment in interview.assignments]


def _apply(feedback: Feedback, interview: Interview, content: FeedbackContent) -> bool:
    """Write `content` into the feedback; returns whether anything changed."""
    changed = False
    rows = {row.principle_id: row for row in feedback.ratings}
    for principle_id in _assigned_ids(interview):
        given = content.ratings.get(principle_id)
        if given is None:
            continue
        if given.rating is not None and given.rating not in RATING_LABELS:
            raise RuleViolation("A rating is 1, 2, 3 or 4.", field=f"rating_{principle_id}")
        row = rows.get(principle_id)
        if row is None:
            row = PrincipleRating(principle_id=principle_id, rating=None, evidence="")
            feedback.ratings.append(row)
        if (row.rating, row.evidence) != (given.rating, given.evidence):
            row.rating, row.evidence = given.rating, given.evidence
            changed = True
    for name in ("vote", "raises_bar", "summary", "private_notes"):
        value = getattr(content, name)
        if getattr(feedback, name) != value:
            setattr(feedback, name, value)
            changed = True
    return changed


def stamp_assignments(interview: Interview, ratings: list[PrincipleRating]) -> None:
    """Record on each of the interview's assignments what its feedback, being submitted, says
    of that principle: the rating (None when not rated) and the words of evidence (0 when none).
    Submitted feedback never changes again, and neither do these."""
    by_principle = {row.principle_id: row for row in ratings}
    for assignment in interview.assignments:
        row = by_principle.get(assignment.principle_id)
        assignment.submitted_rating = None if row is None else row.rating
        assignment.submitted_evidence_words = 0 if row is None else row.evidence_words


def _new_feedback(interview: Interview, actor: User, now: datetime) -> Feedback:
    feedback = Feedback(
        interview_id=interview.id,
        author_id=actor.id,
        state=FeedbackState.DRAFT,
        summary="",
        created_at=now,
        updated_at=now,
        is_late=False,
    )
    db.session.add(feedback)
    return feedback


def save_draft(
    interview: Interview,
    content: FeedbackContent,
    *,
    expected_version: int,
    actor: User,
    now: datetime,
) -> Feedback:
    """Save the interviewer's private draft. `expected_version` is the version the page was
    opened on (0 for none): a draft saved meanwhile from another window is not overwritten
    unseen (409)."""
    loop = lock_loop(interview.loop_id)
    feedback = _lock_feedback(interview.id)
    _check_writer(interview, feedback, actor)
    _refuse_if_submitted(feedback)
    if loop.state not in DRAFT_LOOP_STATES:
        raise RuleViolation(f"This loop is {loop.state.value}; its feedback can no longer change.")
    _check_version(feedback, expected_version)
    created = feedback is None
    if feedback is None:
        feedback = _new_feedback(interview, actor, now)
    changed = _apply(feedback, interview, content)
    if not (created or changed):
        return feedback
    feedback.updated_at = now
    if not created:
        mark_changed(feedback)  # a change to the ratings alone moves the version on too
    db.session.flush()
    record(
        "feedback.draft_saved",
        actor=actor,
        subject=feedback,
        now=now,
        interview_id=interview.id,
        loop_id=loop.id,
        version=feedback.version,
    )
    return feedback


def submission_problems(
    interview: Interview, content: FeedbackContent, *, min_words: int
) -> dict[str, str]:
    """What stands between `content` and a submission, by form field; empty when complete."""
    problems: dict[str, str] = {}
    for assignment in interview.assignments:
        principle = assignment.principle
        given = content.ratings.get(principle.id) or RatingInput(None, "")
        if given.rating is None:
            problems[f"rating_{principle.id}"] = f"Rate {principle.name} from 1 to 4."
        words = word_count(given.evidence)
        if words < min_words:
            problems[f"evidence_{principle.id}"] = (
                f"Evidence for {principle.name} needs at least {min_words} words "
                f"(it has {words}): what did the candidate say and do?"
            )
    if content.vote is None:
        problems["vote"] = "Choose your overall vote."
    if content.raises_bar is None:
        problems["raises_bar"] = "Answer the Bar Raiser question: yes or no."
    return problems


def submit_feedback(
    interview: Interview,
    content: FeedbackContent,
    *,
    expected_version: int,
    actor: User,
    now: datetime,
) -> Feedback:
    """Submit and lock the interviewer's feedback, saving `content` first.

    Refused when already submitted or changed meanwhile (409), before the interview started or
    while incomplete (422). Records the deadline in force and whether the submission is late.
    When this is the last panel feedback of the loop, the Bar Raiser is told, once.
    """
    loop = lock_loop(interview.loop_id)
    feedback = _lock_feedback(interview.id)
    _check_writer(interview, feedback, actor)
    _refuse_if_submitted(feedback)
    _check_version(feedback, expected_version)
    if loop.state not in SUBMIT_LOOP_STATES:
        raise RuleViolation(
            "Feedback can be submitted once the loop is scheduled and until it is decided; "
            f"this loop is {loop.state.value}. Your draft can still be saved."
        )
    if now < interview.starts_at:
        raise RuleViolation(
            f"The interview starts at {interview.starts_at:%Y-%m-%d %H:%M} UTC; feedback can be "
            "submitted once it has started. Save a draft until then."
        )
    problems = submission_problems(
        interview, content, min_words=current_settings().min_evidence_words
    )
    if problems:
        raise IncompleteFeedback(problems)
    # Read before changing anything: a query would flush half the submission, and the version
    # would move twice.
    if feedback is None:
        feedback = _new_feedback(interview, actor, now)
    _apply(feedback, interview, content)
    # A principle taken off the interview after a draft was written is not part of the record.
    assigned = set(_assigned_ids(interview))
    feedback.ratings = [row for row in feedback.ratings if row.principle_id in assigned]
    stamp_assignments(interview, feedback.ratings)
    # The deadline fixed when the interview was scheduled, whatever the setting says now.
    feedback.due_at = interview.feedback_due_at
    feedback.is_late = submitted_late(now, feedback.due_at)
    feedback.state = FeedbackState.SUBMITTED
    feedback.submitted_at = now
    feedback.updated_at = now
    db.session.flush()
    # No vote or text in the event: the audit log must not become a way around independence.
    record(
        "feedback.submitted",
        actor=actor,
        subject=feedback,
        now=now,
        interview_id=interview.id,
        loop_id=loop.id,
        late=feedback.is_late,
        shadow=interview.is_shadow,
    )
    # The fact of the submission only: no rating, vote or text leaves with it.
    queue_event(
        "feedback.submitted",
        {
            "loop_id": loop.id,
            "interview_id": interview.id,
            "interviewer_id": actor.id,
            "shadow": interview.is_shadow,
            "late": feedback.is_late,
            "submitted_at": now.isoformat(),
        },
        key=str(feedback.id),
        now=now,
        loop_id=loop.id,
        candidate_id=loop.candidate_id,
    )
    if not interview.is_shadow and panel_complete(loop):
        _tell_bar_raiser(loop, now=now)
    return feedback


def _tell_bar_raiser(loop: Loop, *, now: datetime) -> None:
    candidate = loop.candidate.display_name
    queue_message(
        loop.bar_raiser,
        kind="loop_ready",
        dedupe_key=f"loop-ready:{loop.id}",
        subject=f"All feedback is in for {candidate} ({loop.requisition.title})",
        template="loop_ready",
        context={"loop": loop, "candidate": candidate},
        now=now,
        loop_id=loop.id,
        candidate_id=loop.candidate_id,
        link=app_path("feedback.loop_feedback", loop_id=loop.id),
    )


def add_addendum(feedback: Feedback, body: str, *, actor: User, now: datetime) -> Addendum:
    """Append a note to the author's submitted feedback; the original is never touched.
    Marked when written after the debrief opened, so readers know it came later."""
    loop = lock_loop(feedback.interview.loop_id)
    if feedback.author_id != actor.id:
        raise Forbidden("Only the author adds addenda to their feedback.")
    if not feedback.submitted:
        raise RuleViolation(
            "Addenda follow submitted feedback; while it is a draft, edit the draft.", field="body"
        )
    if not addenda_open(loop):
        raise RuleViolation(f"This loop is {loop.state.value}; its feedback is read-only.")
    text = body.strip()
    if not text:
        raise RuleViolation("Write the addendum first.", field="body")
    addendum = Addendum(
        author_id=actor.id,
        body=text,
        created_at=now,
        after_debrief_opened=loop.debrief_opened_at is not None and loop.debrief_opened_at <= now,
    )
    feedback.addenda.append(addendum)
    db.session.flush()
    record(
        "feedback.addendum_added",
        actor=actor,
        subject=feedback,
        now=now,
        addendum_id=addendum.id,
        after_debrief_opened=addendum.after_debrief_opened,
    )
    return addendum
