"""The panel's work through the API: an interviewer's own feedback (read, save a draft, submit),
the panel's feedback when policy opens it, and the debrief's acts. Every write goes through the
same service as the page, and every read through the same policy predicate: independence holds
here exactly as on the pages."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request
from flask_login import current_user

from .. import clock, policy
from ..debrief import services as debrief
from ..domain import FeedbackState, LoopState
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..feedback.models import Feedback
from ..feedback.services import FeedbackContent, RatingInput, save_draft, submit_feedback
from ..loops.models import Interview, Loop
from .http import Caller, caller, etag, expected_version, make_blueprint, need_scope, person
from .models import Scope
from .resources import visible_loop
from .schemas import (
    ConcurInput,
    FeedbackInput,
    FeedbackList,
    FeedbackSchema,
    FinalVoteInput,
    LoopSchema,
    OpenDebriefInput,
    ProposalInput,
    VetoInput,
)

bp = make_blueprint("api_panel", "Feedback and the debrief")
HIDDEN = "There is nothing here, or you may not see it."


def _feedback_of(interview: Interview) -> Feedback | None:
    return db.session.scalar(sa.select(Feedback).where(Feedback.interview_id == interview.id))


def _interview(interview_id: int) -> Interview:
    """The interview, 404 unless its loop is visible to the caller."""
    interview = db.session.get(Interview, interview_id)
    if interview is None:
        raise NotFound(HIDDEN)
    visible_loop(interview.loop_id)
    return interview


def _service_reads(who: Caller, loop: Loop) -> bool:
    """A service token reads feedback only with `feedback:read`, and only of a decided loop:
    never text or votes of a loop in flight, whatever its scopes."""
    need_scope(who, Scope.FEEDBACK_READ)
    return loop.state is LoopState.DECIDED


def _may_read(who: Caller, feedback: Feedback) -> bool:
    if who.is_service:
        return feedback.submitted and _service_reads(who, feedback.interview.loop)
    return policy.can_read_feedback(current_user, feedback)


def _as_shown(interview: Interview, feedback: Feedback | None) -> dict[str, Any] | Feedback:
    """The feedback, or for its interviewer before anything is saved, an empty draft (version 0)."""
    if feedback is not None:
        return feedback
    return {
        "id": None,
        "interview_id": interview.id,
        "author_id": interview.interviewer_id,
        "state": FeedbackState.DRAFT,
        "vote": None,
        "raises_bar": None,
        "summary": "",
        "ratings": [],
        "submitted_at": None,
        "updated_at": None,
        "is_late": False,
        "version": 0,
    }


def _answer(interview: Interview, feedback: Feedback | None):
    shown = _as_shown(interview, feedback)
    version = feedback.version if feedback is not None else 0
    return shown, 200, {"ETag": etag(version)}


@bp.get("/interviews/<int:interview_id>/feedback")
@bp.response(200, FeedbackSchema)
def feedback(interview_id: int):
    """The interview's feedback: its interviewer always (their draft too); anyone else only once
    it is submitted and policy opens the panel's feedback to them (else 404)."""
    who = caller()
    interview = _interview(interview_id)
    found = _feedback_of(interview)
    if who.user is not None and interview.interviewer_id == who.user.id:
        return _answer(interview, found)
    if found is None or not _may_read(who, found):
        raise NotFound(HIDDEN)
    return _answer(interview, found)


def _content(body: dict) -> FeedbackContent:
    return FeedbackContent(
        ratings={
            row["principle_id"]: RatingInput(row.get("rating"), row.get("evidence", ""))
            for row in body["ratings"]
        },
        vote=body["vote"],
        raises_bar=body["raises_bar"],
        summary=body["summary"],
    )


def _write(interview_id: int, body: dict, service: Any):
    """Save or submit the caller's own feedback; `If-Match` (the ETag read) is required."""
    user = person(caller())
    interview = _interview(interview_id)
    policy.require(policy.can_write_feedback(user, interview))
    found = _feedback_of(interview)
    version = expected_version(found.version if found is not None else 0)
    saved = service(
        interview, _content(body), expected_version=version, actor=user, now=clock.now()
    )
    db.session.commit()
    return _answer(interview, saved)


@bp.put("/interviews/<int:interview_id>/feedback")
@bp.arguments(FeedbackInput)
@bp.response(200, FeedbackSchema)
def save_feedback(body: dict, interview_id: int):
    """Save the interviewer's private draft (If-Match required: 428 without, 412 when stale)."""
    return _write(interview_id, body, save_draft)


@bp.post("/interviews/<int:interview_id>/feedback/submit")
@bp.arguments(FeedbackInput)
@bp.response(200, FeedbackSchema)
def submit(body: dict, interview_id: int):
    """Submit and lock the interviewer's feedback with this content (422 listing what is
    missing; 409 when already submitted)."""
    return _write(interview_id, body, submit_feedback)


@bp.get("/loops/<int:loop_id>/feedback")
@bp.response(200, FeedbackList)
def panel_feedback(loop_id: int):
    """The panel's submitted feedback, when policy opens it to the caller: 403 until then
    (a panelist: until they submit their own)."""
    who = caller()
    loop = visible_loop(loop_id)
    if who.is_service:
        allowed = _service_reads(who, loop)
    else:
        allowed = policy.can_view_panel_feedback(current_user, loop)
    if not allowed:
        raise Forbidden(
            "The panel's feedback is not open to you yet: a panelist reads it once their own is "
            "submitted; a service token, once the loop is decided."
        )
    rows = db.session.scalars(
        sa.select(Feedback)
        .join(Interview, Interview.id == Feedback.interview_id)
        .where(Interview.loop_id == loop.id, Feedback.submitted)
        .order_by(Interview.starts_at, Interview.id)
    )
    return {"items": list(rows)}


# --- the debrief ---------------------------------------------------------------------------------


def _debrief_act(loop_id: int, allowed: Any, act: Any):
    """One debrief act, by the person policy allows (403 for anyone else who sees the loop);
    the service decides when (409: already done, wrong state). `If-Match` is optional here: the
    acts are one-shot and the services refuse a second; when sent, a stale loop is a 412."""
    user = person(caller())
    loop = visible_loop(loop_id)
    policy.require(allowed(user, loop))
    if "If-Match" in request.headers:
        expected_version(loop.version)
    act(loop, user)
    db.session.commit()
    done = visible_loop(loop_id)
    return done, 200, {"ETag": etag(done.version)}


@bp.post("/loops/<int:loop_id>/debrief/open")
@bp.arguments(OpenDebriefInput)
@bp.response(200, LoopSchema)
def open_debrief(body: dict, loop_id: int):
    """The Bar Raiser opens the debrief (before all feedback is in, only with a reason)."""
    return _debrief_act(
        loop_id,
        policy.can_open_debrief,
        lambda loop, user: debrief.open_debrief(
            loop, reason=body["reason"], actor=user, now=clock.now()
        ),
    )


@bp.post("/loops/<int:loop_id>/debrief/final-vote")
@bp.arguments(FinalVoteInput)
@bp.response(200, LoopSchema)
def final_vote(body: dict, loop_id: int):
    """A panelist casts their final vote in the debrief."""
    return _debrief_act(
        loop_id,
        policy.can_cast_final_vote,
        lambda loop, user: debrief.cast_final_vote(
            loop, vote=body["vote"], actor=user, now=clock.now()
        ),
    )


@bp.post("/loops/<int:loop_id>/debrief/proposal")
@bp.arguments(ProposalInput)
@bp.response(200, LoopSchema)
def propose(body: dict, loop_id: int):
    """The hiring manager proposes hire or no hire, with a rationale; before every final vote
    is in, only with `early_reason` saying why now (else 422)."""
    return _debrief_act(
        loop_id,
        policy.can_propose,
        lambda loop, user: debrief.propose(
            loop,
            decision=body["decision"],
            rationale=body["rationale"],
            early_reason=body["early_reason"],
            actor=user,
            now=clock.now(),
        ),
    )


@bp.post("/loops/<int:loop_id>/debrief/concur")
@bp.arguments(ConcurInput)
@bp.response(200, LoopSchema)
def concur(body: dict, loop_id: int):
    """The Bar Raiser concurs with the proposal: the loop is decided."""
    return _debrief_act(
        loop_id,
        policy.can_rule,
        lambda loop, user: debrief.concur(
            loop, rationale=body["rationale"], actor=user, now=clock.now()
        ),
    )


@bp.post("/loops/<int:loop_id>/debrief/veto")
@bp.arguments(VetoInput)
@bp.response(200, LoopSchema)
def veto(body: dict, loop_id: int):
    """The Bar Raiser vetoes a hire proposal, naming the principles concerned. Final."""
    return _debrief_act(
        loop_id,
        policy.can_rule,
        lambda loop, user: debrief.veto(
            loop,
            rationale=body["rationale"],
            principle_ids=body["principle_ids"],
            actor=user,
            now=clock.now(),
        ),
    )
