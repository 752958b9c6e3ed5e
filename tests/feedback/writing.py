"""Feedback as an interviewer would write it, for the feedback tests: evidence of a given length,
complete content for an interview, and the same as posted form fields."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from builders import BuiltLoop

from barraiser.domain import Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.feedback.services import FeedbackContent, RatingInput, submit_feedback
from barraiser.loops.models import Interview

STORY = (
    "Situation: the nightly settlement job missed its window twice a week. Action: the candidate "
    "profiled it, found a query per merchant, batched the reads and added an alarm on duration. "
    "Result: the job finished in twelve minutes and the misses stopped for the whole quarter."
)


def evidence(words: int = 40, marker: str = "") -> str:
    """Evidence of exactly `words` words (the marker, when given, is one of them)."""
    pool = (STORY.split() * (words // len(STORY.split()) + 1))[: words - (1 if marker else 0)]
    return " ".join([marker, *pool] if marker else pool)


def content(
    interview: Interview,
    *,
    vote: Vote | None = Vote.INCLINED_HIRE,
    raises_bar: bool | None = True,
    rating: int | None = 3,
    words: int = 40,
    marker: str = "",
    summary: str = "",
) -> FeedbackContent:
    return FeedbackContent(
        ratings={
            principle.id: RatingInput(rating, evidence(words, marker))
            for principle in interview.principles
        },
        vote=vote,
        raises_bar=raises_bar,
        summary=summary or (f"{marker} summary" if marker else "Hire: owns problems end to end."),
    )


def form_data(
    interview: Interview,
    *,
    version: int = 0,
    action: str = "save_draft",
    vote: Vote | None = Vote.INCLINED_HIRE,
    raises_bar: str | None = "yes",
    rating: int | None = 3,
    words: int = 40,
    marker: str = "",
    summary: str = "Hire: owns problems end to end.",
) -> dict[str, str]:
    """The fields a browser posts for the feedback form; `action` is the button pressed."""
    data = {"version": str(version), action: "1", "summary": summary}
    for principle in interview.principles:
        if rating is not None:
            data[f"rating_{principle.id}"] = str(rating)
        data[f"evidence_{principle.id}"] = evidence(words, marker)
    if vote is not None:
        data["vote"] = vote.value
    if raises_bar is not None:
        data["raises_bar"] = raises_bar
    return data


def submit_for(
    interview: Interview, now: datetime, *, vote: Vote = Vote.INCLINED_HIRE, marker: str = ""
) -> Feedback:
    """Submit complete feedback for `interview` through the service, as its interviewer. Commits."""
    feedback = submit_feedback(
        interview,
        content(interview, vote=vote, marker=marker),
        expected_version=current_version(interview),
        actor=interview.interviewer,
        now=now,
    )
    db.session.commit()
    return feedback


def current_version(interview: Interview) -> int:
    feedback = db.session.scalar(
        sa.select(Feedback)
        .where(Feedback.interview_id == interview.id)
        .execution_options(populate_existing=True)
    )
    return feedback.version if feedback is not None else 0


def after_interviews(built: BuiltLoop) -> datetime:
    """A moment when every interview of the loop has ended (and none is overdue by default)."""
    return max(interview.ends_at for interview in built.loop.interviews)
