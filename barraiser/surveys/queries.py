"""The survey's figures for the calibration report and its comments for the next review: in
aggregate only, never with the candidate's name, and per interviewer only from MIN_N answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..auth.models import User
from ..extensions import db
from ..loops.models import Interview
from .models import STATEMENTS, CandidateSurvey, Question

MIN_N = 5
"""Fewer answers than this about an interviewer and their row is not shown: a handful of
answers would let a reader guess who said what."""


def _figures(rows: list[tuple[int | None, ...]]) -> dict[str, Any]:
    """Per question: answers, mean and the share who agree (4 or 5)."""
    figures: dict[str, Any] = {}
    for index, question in enumerate(Question):
        values = [value for row in rows if (value := row[index]) is not None]
        figures[question.value] = {
            "statement": STATEMENTS[question],
            "n": len(values),
            "mean": sum(values) / len(values) if values else None,
            "agree_rate": sum(v >= 4 for v in values) / len(values) if values else None,
        }
    return figures


def survey_summary(loop_ids: sa.Select, *, sent_since: datetime | None = None) -> dict[str, Any]:
    """The survey of the loops whose ids `loop_ids` selects: how many were sent and answered,
    each question's figures, and one row per interviewer with at least MIN_N answers (those
    below it are counted, not shown). Three queries whatever the number of loops."""
    answers = (CandidateSurvey.fair, CandidateSurvey.prepared, CandidateSurvey.time_respected)
    in_scope = CandidateSurvey.loop_id.in_(loop_ids)
    sent = db.session.scalar(sa.select(sa.func.count(CandidateSurvey.id)).where(in_scope)) or 0
    answered = [
        tuple(row)
        for row in db.session.execute(
            sa.select(*answers).where(in_scope, CandidateSurvey.answered_at.is_not(None))
        )
    ]
    by_interviewer: dict[int, list[tuple[int | None, ...]]] = {}
    names: dict[int, tuple[str, str]] = {}
    # One row per survey and interviewer (an interviewer with two interviews in a loop once).
    for user_id, name, email, _survey, *values in db.session.execute(
        sa.select(User.id, User.name, User.email, CandidateSurvey.id, *answers)
        .select_from(CandidateSurvey)
        .join(Interview, Interview.loop_id == CandidateSurvey.loop_id)
        .join(User, User.id == Interview.interviewer_id)
        .where(in_scope, CandidateSurvey.answered_at.is_not(None))
        .distinct()
    ):
        by_interviewer.setdefault(user_id, []).append(tuple(values))
        names[user_id] = (name, email)
    shown = sorted(
        (
            {
                "name": names[user_id][0],
                "email": names[user_id][1],
                "n": len(rows),
                **_figures(rows),
            }
            for user_id, rows in by_interviewer.items()
            if len(rows) >= MIN_N
        ),
        key=lambda row: (row["name"].casefold(), row["email"]),
    )
    return {
        "min_n": MIN_N,
        "sent": sent,
        "answered": len(answered),
        "questions": _figures(answered),
        "interviewers": shown,
        "interviewers_below_min_n": len(by_interviewer) - len(shown),
    }


def survey_comments(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The comments answered in [start, end), oldest first: the text and when, nothing else
    (no candidate, no loop), read as they stand (an erased comment is gone)."""
    query = (
        sa.select(CandidateSurvey.answered_at, CandidateSurvey.comment)
        .where(
            CandidateSurvey.answered_at >= start,
            CandidateSurvey.answered_at < end,
            CandidateSurvey.comment != "",
        )
        .order_by(CandidateSurvey.answered_at, CandidateSurvey.id)
    )
    return [{"answered_at": at, "comment": comment} for at, comment in db.session.execute(query)]
