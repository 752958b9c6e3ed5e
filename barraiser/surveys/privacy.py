"""The candidate's survey answers in their export and erasure: the answers and the comment are
exported, and erased (with the link's hash, so the link never works again)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..personal_data import DataSubject, ExportDocument, blank, iso
from .models import CandidateSurvey, Question


def _about(subject: DataSubject) -> sa.ColumnElement[bool]:
    return sa.or_(
        CandidateSurvey.candidate_id == subject.candidate_id,
        CandidateSurvey.loop_id.in_(subject.loop_ids),
    )


class SurveyAnswers:
    handles = (CandidateSurvey.comment, CandidateSurvey.token_hash)

    def export(self, subject: DataSubject, document: ExportDocument) -> None:
        document.sections["experience_surveys"] = [
            {
                "loop_id": survey.loop_id,
                "sent_at": iso(survey.sent_at),
                "expires_at": iso(survey.expires_at),
                "answered_at": iso(survey.answered_at),
                **{question.value: getattr(survey, question.value) for question in Question},
                "comment": survey.comment,
            }
            for survey in db.session.scalars(
                sa.select(CandidateSurvey).where(_about(subject)).order_by(CandidateSurvey.id)
            )
        ]

    def erase(self, subject: DataSubject, *, now: datetime) -> dict[str, int]:
        return {
            "experience_surveys": blank(
                sa.update(CandidateSurvey)
                .where(_about(subject))
                .values(
                    token_hash=None,
                    comment="",
                    erased_at=now,
                    **{question.value: None for question in Question},
                )
            )
        }


personal_data = SurveyAnswers()
