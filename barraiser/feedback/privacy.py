"""Feedback on a candidate's loops in their export and erasure: summaries, evidence, addenda.

Feedback is exported once submitted: a draft is its interviewer's private work, shown to nobody
else (erasure blanks drafts all the same). Erasure is the one place where submitted feedback is
written to after the fact, and only to blank its text; votes, ratings and timestamps stay.
`PrincipleRating.evidence_words` stays as it was: a count, not text, which the report's evidence
metrics read (the UPDATE bypasses the model's word-count validator on purpose).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..loops.models import Interview
from ..personal_data import DataSubject, ExportDocument, blank, iso, name_of
from .models import Addendum, Feedback, PrincipleRating


class FeedbackRecords:
    # Private notes are erased like the rest, and never exported: they are the interviewer's
    # alone, not to be read by the admin who runs the export.
    handles = (Feedback.summary, Feedback.private_notes, PrincipleRating.evidence, Addendum.body)

    def export(self, subject: DataSubject, document: ExportDocument) -> None:
        submitted = db.session.scalars(
            sa.select(Feedback)
            .join(Interview, Interview.id == Feedback.interview_id)
            .where(
                Interview.loop_id.in_(subject.loop_ids),
                Feedback.submitted,
            )
            .options(
                selectinload(Feedback.ratings).joinedload(PrincipleRating.principle),
                selectinload(Feedback.addenda).joinedload(Addendum.author),
            )
        )
        by_interview = {feedback.interview_id: feedback for feedback in submitted}
        for interview_id, interview in document.interviews.items():
            feedback = by_interview.get(interview_id)
            interview["feedback"] = None if feedback is None else _export(feedback)

    def erase(self, subject: DataSubject, *, now: datetime) -> dict[str, int]:
        feedback_ids = (
            sa.select(Feedback.id)
            .join(Interview, Interview.id == Feedback.interview_id)
            .where(Interview.loop_id.in_(subject.loop_ids))
            .scalar_subquery()
        )
        return {
            "feedback": blank(
                sa.update(Feedback)
                .where(Feedback.id.in_(feedback_ids))
                .values(summary="", private_notes="", version=Feedback.version + 1)
            ),
            "ratings": blank(
                sa.update(PrincipleRating)
                .where(PrincipleRating.feedback_id.in_(feedback_ids))
                .values(evidence="")
            ),
            "addenda": blank(
                sa.update(Addendum).where(Addendum.feedback_id.in_(feedback_ids)).values(body="")
            ),
        }


def _export(feedback: Feedback) -> dict[str, Any]:
    return {
        "vote": feedback.vote.value if feedback.vote is not None else None,
        "raises_bar": feedback.raises_bar,
        "ratings": [
            {"principle": row.principle.name, "rating": row.rating, "evidence": row.evidence}
            for row in sorted(feedback.ratings, key=lambda row: row.principle.position)
        ],
        "summary": feedback.summary,
        "private_notes": "withheld: private to the interviewer" if feedback.private_notes else None,
        "created_at": iso(feedback.created_at),
        "submitted_at": iso(feedback.submitted_at),
        "late": feedback.is_late,
        "addenda": [
            {
                "author": name_of(addendum.author),
                "body": addendum.body,
                "created_at": iso(addendum.created_at),
                "after_debrief_opened": addendum.after_debrief_opened,
            }
            for addendum in feedback.addenda
        ],
    }


personal_data = FeedbackRecords()
