"""Sending the candidate-experience survey and taking its answers.

Exactly once per decided loop, from any number of sweeps on any number of hosts: the survey row is
inserted before its email is queued, both in the sweep's transaction, and the loop is unique on
it. Of two sweeps that both saw a loop without a survey, the second's insert waits for the first
to commit (PostgreSQL) or never starts before it (SQLite's write lock) and then fails on the
unique loop, so only one email is queued; a savepoint keeps the failure from spoiling the rest.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..audit.services import record
from ..auth.sessions import token_hash
from ..candidates.models import Candidate
from ..domain import LoopState
from ..errors import DomainError, NotFound, RuleViolation
from ..extensions import db
from ..loops.models import Loop
from ..outbox.emails import external_url
from ..outbox.services import queue_email
from ..settings.services import current_settings
from .models import CandidateSurvey, Question

# Loops decided longer ago than this are not surveyed (turning the survey on does not write
# to everyone decided last year); a sweep every few minutes sends well within it.
SEND_WITHIN = timedelta(days=3)
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
UNKNOWN_LINK = "This survey link is not valid."
COMMENT_MAX = 2000


class SurveyGone(DomainError):
    """The link existed and no longer works (answered or expired): 410."""

    status = 410
    title = "This survey link no longer works"


def loops_to_survey(*, now: datetime) -> list[tuple[int, int, str]]:
    """(loop id, candidate id, email) of the loops decided recently, run here (not imported),
    whose candidate has an email and is not erased, and who have no survey yet."""
    query = (
        sa.select(Loop.id, Candidate.id, Candidate.email)
        .join(Candidate, Candidate.id == Loop.candidate_id)
        .where(
            Loop.state == LoopState.DECIDED,
            Loop.decided_at >= now - SEND_WITHIN,
            Loop.decided_at <= now,
            Loop.external_ref.is_(None),
            Candidate.email.is_not(None),
            Candidate.erased_at.is_(None),
            ~sa.select(CandidateSurvey.id).where(CandidateSurvey.loop_id == Loop.id).exists(),
        )
        .order_by(Loop.decided_at, Loop.id)
    )
    return [
        (loop_id, candidate_id, email or "")
        for loop_id, candidate_id, email in db.session.execute(query)
    ]


def queue_surveys(*, now: datetime) -> int:
    """Survey each candidate whose loop was decided, once (see the module); run by the sweep.
    Nothing while the survey is off. Returns how many emails were queued."""
    settings = current_settings()
    if not settings.candidate_survey:
        return 0
    queued = 0
    for loop_id, candidate_id, email in loops_to_survey(now=now):
        token = secrets.token_urlsafe(32)
        survey = CandidateSurvey(
            loop_id=loop_id,
            candidate_id=candidate_id,
            token_hash=token_hash(token),
            sent_at=now,
            expires_at=now + timedelta(days=settings.candidate_survey_days),
        )
        try:
            with db.session.begin_nested():
                db.session.add(survey)
                db.session.flush()
        except sa.exc.IntegrityError:
            continue  # another sweep surveyed this loop first
        queued += queue_email(
            email,
            kind="candidate_survey",
            dedupe_key=f"candidate-survey:{loop_id}",
            subject="How was your interview experience?",
            template="candidate_survey",
            context={
                "link": external_url("surveys.answer", token=token),
                "expires_at": survey.expires_at,
            },
            now=now,
            loop_id=loop_id,
            candidate_id=candidate_id,
        )
        # The token is in no audit event: anyone reading the log could answer in their place.
        record("survey.sent", actor=None, subject=survey, now=now, loop=loop_id)
    return queued


def survey_for_token(token: str, *, now: datetime) -> CandidateSurvey:
    """The survey the link opens: NotFound when there is none (malformed, unknown, erased),
    SurveyGone when it was answered or has expired."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise NotFound(UNKNOWN_LINK)
    survey = db.session.scalar(
        sa.select(CandidateSurvey).where(CandidateSurvey.token_hash == token_hash(token))
    )
    if survey is None:
        raise NotFound(UNKNOWN_LINK)
    if survey.answered_at is not None:
        raise SurveyGone("This survey was already answered. Thank you for your time.")
    if now >= survey.expires_at:
        raise SurveyGone("This survey link has expired.")
    return survey


def answer_survey(
    token: str, *, answers: dict[Question, int | None], comment: str, now: datetime
) -> CandidateSurvey:
    """Store the answers and use the link up; of two submissions at once one wins, the other
    gets SurveyGone. Every question may be skipped, but not all of them with no comment."""
    survey = survey_for_token(token, now=now)
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise RuleViolation(f"Keep the comment under {COMMENT_MAX} characters.", field="comment")
    if all(value is None for value in answers.values()) and not comment:
        raise RuleViolation("Answer at least one question, or leave a comment.")
    for value in answers.values():
        if value is not None and not 1 <= value <= 5:
            raise RuleViolation("Each answer is on the scale from 1 to 5.")
    used = db.session.execute(
        sa.update(CandidateSurvey)
        .where(CandidateSurvey.id == survey.id, CandidateSurvey.answered_at.is_(None))
        .values(
            answered_at=now,
            comment=comment,
            **{question.value: value for question, value in answers.items()},
        )
        .execution_options(synchronize_session="fetch")
    )
    if getattr(used, "rowcount", 0) != 1:
        raise SurveyGone("This survey was already answered. Thank you for your time.")
    record("survey.answered", actor=None, subject=survey, now=now, loop=survey.loop_id)
    return survey
