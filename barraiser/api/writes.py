"""The API's writes to loops and action items, through the same services and rules as the pages:
a loop is created with its panel and principles, its panel changed, scheduled, taken back to
draft or cancelled; an action item created (free, or from the report's flag) and updated.

A personal token acts as its user, with that user's roles (the pages' policy); a service token
needs `loops:write` or `actions:write` and acts as nobody (its changes are audited without an
actor). Every change answers the resource and its ETag; `If-Match` is required where a change
could overwrite another's (a panel, an action item: 428 without it, 412 when stale) and checked
when sent on the state moves (schedule, unschedule, cancel), which the state table makes
one-shot."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import request
from flask_login import current_user

from .. import clock, policy
from ..auth.models import User
from ..calibration.actions import create_action, update_action
from ..calibration.forms import parse_filters
from ..calibration.models import ActionItem
from ..calibration.report import calibration_report
from ..errors import NotFound, RuleViolation
from ..extensions import db
from ..loops.models import PANEL, Loop
from ..loops.rules import InterviewPlan, PanelInvalid, PanelPlan
from ..loops.services import (
    cancel_loop,
    create_loop,
    schedule_loop,
    unschedule_loop,
    update_panel,
)
from ..pages import load_or_404
from .http import InvalidInput, caller, etag, expected_version, make_blueprint, need_scope
from .models import Scope
from .schemas import (
    ActionItemInput,
    ActionItemSchema,
    ActionItemUpdate,
    CancelInput,
    LoopInput,
    LoopSchema,
    PanelInput,
)

bp = make_blueprint("api_writes", "Loops and action items: create and change")
HIDDEN = "There is nothing here, or you may not see it."


def _actor(scope: Scope, allowed_to_person: Any) -> User | None:
    """The user a personal token acts as (the pages' rule `allowed_to_person(user)`, else 403);
    None for a service token, which needs `scope`."""
    who = caller()
    if who.is_service:
        need_scope(who, scope)
        return None
    assert who.user is not None
    policy.require(allowed_to_person(who.user))
    return who.user


# --- loops ---------------------------------------------------------------------------------------


def _plan(body: dict[str, Any]) -> PanelPlan:
    return PanelPlan(
        bar_raiser_id=body["bar_raiser_id"],
        hiring_manager_id=body.get("hiring_manager_id"),
        shadow_id=body.get("shadow_id"),
        interviews=tuple(
            InterviewPlan(
                interviewer_id=row["interviewer_id"],
                starts_at=row["starts_at"],
                duration_minutes=row["duration_minutes"],
                principle_ids=tuple(dict.fromkeys(row["principle_ids"])),
            )
            for row in body["interviews"]
        ),
    )


def _panel_refused(error: PanelInvalid) -> InvalidInput:
    """Every broken rule, named by the input it concerns (`interviews.2.starts_at`)."""
    return InvalidInput(
        "The loop breaks the mechanism's rules: see `fields`.",
        [
            (
                problem.field
                if problem.interview is None
                else f"interviews.{problem.interview}.{problem.field}",
                problem.message,
            )
            for problem in error.problems
        ],
    )


def _writable_loop(loop_id: int) -> tuple[Loop, User | None]:
    """The loop (404 unless the caller may see it) and who acts on it (403 unless they may
    manage loops, as on the loop page)."""
    who = caller()
    if who.is_service:
        need_scope(who, Scope.LOOPS_WRITE)
        loop = db.session.scalar(sa.select(Loop).where(Loop.id == loop_id).options(*PANEL))
        if loop is None:
            raise NotFound(HIDDEN)
        return loop, None
    loop = load_or_404(Loop, loop_id, check=policy.can_view_loop, options=PANEL)
    policy.require(policy.can_manage_loops(current_user))
    return loop, current_user


def _loop_answer(loop_id: int, status: int = 200):
    db.session.expire_all()
    loop = db.session.scalar(sa.select(Loop).where(Loop.id == loop_id).options(*PANEL))
    assert loop is not None
    return loop, status, {"ETag": etag(loop.version)}


def _optional_version(loop: Loop) -> int | None:
    return expected_version(loop.version) if "If-Match" in request.headers else None


@bp.post("/loops")
@bp.arguments(LoopInput)
@bp.response(201, LoopSchema)
def create(body: dict[str, Any]):
    """Create a draft loop with its panel and principles (recruiters and admins, or
    `loops:write`). Every rule of the loop page is checked; each problem is in `fields`."""
    actor = _actor(Scope.LOOPS_WRITE, policy.can_manage_loops)
    try:
        loop = create_loop(
            candidate_id=body["candidate_id"],
            requisition_id=body["requisition_id"],
            panel=_plan(body),
            actor=actor,
            now=clock.now(),
        )
    except PanelInvalid as error:
        raise _panel_refused(error) from error
    db.session.commit()
    return _loop_answer(loop.id, 201)


@bp.put("/loops/<int:loop_id>/panel")
@bp.arguments(PanelInput)
@bp.response(200, LoopSchema)
def panel(body: dict[str, Any], loop_id: int):
    """Replace the panel of a draft or scheduled loop (`If-Match` required). A scheduled
    loop's interviewers are sent their updates, as from the page."""
    loop, actor = _writable_loop(loop_id)
    version = expected_version(loop.version)
    try:
        update_panel(loop, _plan(body), expected_version=version, actor=actor, now=clock.now())
    except PanelInvalid as error:
        raise _panel_refused(error) from error
    db.session.commit()
    return _loop_answer(loop_id)


@bp.post("/loops/<int:loop_id>/schedule")
@bp.response(200, LoopSchema)
def schedule(loop_id: int):
    """draft → scheduled, if every rule still passes; the panel is invited."""
    loop, actor = _writable_loop(loop_id)
    version = _optional_version(loop)
    try:
        schedule_loop(loop, actor=actor, now=clock.now(), expected_version=version)
    except PanelInvalid as error:
        raise _panel_refused(error) from error
    db.session.commit()
    return _loop_answer(loop_id)


@bp.post("/loops/<int:loop_id>/unschedule")
@bp.response(200, LoopSchema)
def unschedule(loop_id: int):
    """scheduled → draft; the panel's invitations are cancelled."""
    loop, actor = _writable_loop(loop_id)
    unschedule_loop(loop, actor=actor, now=clock.now(), expected_version=_optional_version(loop))
    db.session.commit()
    return _loop_answer(loop_id)


@bp.post("/loops/<int:loop_id>/cancel")
@bp.arguments(CancelInput)
@bp.response(200, LoopSchema)
def cancel(body: dict[str, Any], loop_id: int):
    """Cancel a draft or scheduled loop, saying why (kept on the loop, erased with the
    candidate)."""
    loop, actor = _writable_loop(loop_id)
    version = _optional_version(loop)
    cancel_loop(loop, body["reason"], actor=actor, now=clock.now(), expected_version=version)
    db.session.commit()
    return _loop_answer(loop_id)


# --- action items --------------------------------------------------------------------------------


def _flag_reason(interviewer: User) -> str:
    """The report's sentence about `interviewer`'s flag, as the report's "Create action" link
    passes it; refused when the report (default filters, today) does not flag them."""
    parsed = parse_filters({}, today=clock.now().date())
    assert parsed.filters is not None
    report = calibration_report(parsed.filters, now=clock.now())
    for row in report["interviewers"]:
        if row.get("email") == interviewer.email and row.get("flag_summary"):
            return str(row["flag_summary"])
    raise RuleViolation(
        "The calibration report does not flag this interviewer now: give a reason instead.",
        field="from_flag",
    )


@bp.post("/action-items")
@bp.arguments(ActionItemInput)
@bp.response(201, ActionItemSchema)
def create_action_item(body: dict[str, Any]):
    """Open an action item about an interviewer (inspectors and admins, or `actions:write`):
    with `from_flag`, the report's flag on them is the reason; else `reason` is."""
    actor = _actor(Scope.ACTIONS_WRITE, policy.can_inspect)
    interviewer = db.session.get(User, body["interviewer_id"])
    if interviewer is None:
        raise RuleViolation("There is no user with that id.", field="interviewer_id")
    reason = _flag_reason(interviewer) if body["from_flag"] else body["reason"]
    if body["from_flag"] and body["reason"].strip():
        reason = f"{reason} {body['reason'].strip()}"
    action = create_action(
        subject_email=interviewer.email,
        reason=reason,
        owner_id=body["owner_id"],
        due_on=body["due_on"],
        notes=body["notes"],
        actor=actor,
        now=clock.now(),
    )
    db.session.commit()
    return action, 201, {"ETag": etag(action.version)}


@bp.patch("/action-items/<int:action_id>")
@bp.arguments(ActionItemUpdate)
@bp.response(200, ActionItemSchema)
def update_action_item(body: dict[str, Any], action_id: int):
    """Change status (as the status table allows), owner, due date or notes; what is left out
    stays. `If-Match` is required (428 without, 412 when stale)."""
    actor = _actor(Scope.ACTIONS_WRITE, policy.can_inspect)
    action = db.session.get(ActionItem, action_id)
    if action is None:
        raise NotFound(HIDDEN)
    version = expected_version(action.version)
    due_on: date = body["due_on"] if body["due_on"] is not None else action.due_on
    update_action(
        action,
        status=body["status"] if body["status"] is not None else action.status,
        owner_id=body["owner_id"] if body["owner_id"] is not None else action.owner_id,
        due_on=due_on,
        notes=body["notes"] if body["notes"] is not None else action.notes,
        version=version,
        actor=actor,
        now=clock.now(),
    )
    db.session.commit()
    db.session.refresh(action)
    return action, 200, {"ETag": etag(action.version)}
