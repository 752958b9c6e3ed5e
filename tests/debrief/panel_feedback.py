"""Submitted feedback written straight into the models, so debrief tests need not go through the
feedback slice's forms: a panel whose written votes are whatever the test says."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from builders import BuiltLoop

from barraiser.domain import FeedbackState, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback, PrincipleRating
from barraiser.feedback.services import stamp_assignments
from barraiser.loops.models import Interview

EVIDENCE = (
    "Situation: the payments ledger drifted by a cent a day. Action: the candidate traced it to "
    "rounding in a currency conversion, wrote the failing test first, fixed it and back-filled. "
    "Result: ledger reconciled, alert added."
)


def write_feedback(
    interview: Interview,
    vote: Vote,
    now: datetime,
    *,
    raises_bar: bool | None = None,
    rating: int | None = None,
) -> Feedback:
    """One interview's feedback, submitted, with a rating and evidence for each principle."""
    feedback = Feedback(
        interview=interview,
        author_id=interview.interviewer_id,
        state=FeedbackState.SUBMITTED,
        vote=vote,
        raises_bar=vote.leans_hire if raises_bar is None else raises_bar,
        summary=f"Summary from {interview.interviewer.name}: {vote.label}.",
        created_at=now,
        updated_at=now,
        submitted_at=now,
        due_at=now + timedelta(hours=24),
        is_late=False,
    )
    feedback.ratings = [
        PrincipleRating(
            principle_id=principle.id,
            rating=rating if rating is not None else vote.score,
            evidence=f"{principle.name}: {EVIDENCE}",
        )
        for principle in interview.principles
    ]
    stamp_assignments(interview, feedback.ratings)
    db.session.add(feedback)
    return feedback


def submit_panel_feedback(
    built: BuiltLoop,
    votes: Sequence[Vote],
    now: datetime,
    *,
    raises_bar: Sequence[bool] | None = None,
    shadow_vote: Vote | None = None,
) -> list[Feedback]:
    """Feedback for the first len(votes) panel interviews (the rest stay unsubmitted), and for
    the shadow when `shadow_vote` is given. Commits."""
    written = [
        write_feedback(interview, vote, now, raises_bar=raises_bar[index] if raises_bar else None)
        for index, (interview, vote) in enumerate(zip(built.panel, votes, strict=False))
    ]
    if shadow_vote is not None:
        shadow = next(interview for interview in built.loop.interviews if interview.is_shadow)
        written.append(write_feedback(shadow, shadow_vote, now))
    db.session.commit()
    return written
