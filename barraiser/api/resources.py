"""The API's read-only resources: people, requisitions, candidates, loops and their panels,
the calibration report and its action items. Who sees what is the pages' rule (policy), plus a
service token's scopes; what a caller may not know exists is a 404."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from .. import clock, policy
from ..auth.models import User
from ..calibration.forms import parse_filters
from ..calibration.models import ActionItem
from ..calibration.report import calibration_report_json
from ..candidates.models import Candidate
from ..errors import NotFound
from ..extensions import db
from ..loops.models import PANEL, Interview, Loop
from ..pages import load_or_404
from ..requisitions.models import Requisition
from .http import ChangedArgs, InvalidInput, caller, make_blueprint, need_scope, one_page
from .models import Scope
from .schemas import (
    ActionItemPage,
    ActionItemSchema,
    CandidatePage,
    CandidateSchema,
    InterviewSchema,
    LoopArgs,
    LoopPage,
    LoopSchema,
    ReportArgs,
    ReportSchema,
    RequisitionPage,
    RequisitionSchema,
    UserPage,
    UserSchema,
)

bp = make_blueprint("api_resources", "People, requisitions, candidates, loops, the report")


def _allowed(scope: Scope, allowed_to_person: bool) -> None:
    """A service token needs `scope`; a person needs the role the pages ask for (403)."""
    who = caller()
    if who.is_service:
        need_scope(who, scope)
    else:
        policy.require(allowed_to_person)


def _one(model: type, ident: int, scope: Scope, check: Any = None) -> Any:
    """One row, 404 when missing or hidden from this caller; a service token sees every row
    its scope covers."""
    who = caller()
    if who.is_service:
        need_scope(who, scope)
        row = db.session.get(model, ident)
        if row is None:
            raise NotFound("There is nothing here, or you may not see it.")
        return row
    return load_or_404(model, ident, check=check)


# --- people --------------------------------------------------------------------------------------


@bp.get("/me")
@bp.response(200, UserSchema)
def me():
    """The user a personal token acts as (403 for a service token)."""
    who = caller()
    policy.require(who.user is not None)
    return who.user


@bp.get("/users")
@bp.arguments(ChangedArgs, location="query")
@bp.response(200, UserPage)
def users(args: dict):
    """Users (admins, recruiters, or `users:read`); `updated_since` reads `created_at`."""
    _allowed(
        Scope.USERS_READ, policy.is_admin(current_user) or policy.can_manage_loops(current_user)
    )
    query = sa.select(User).order_by(User.id)
    if args["updated_since"] is not None:
        query = query.where(User.created_at >= args["updated_since"])
    return one_page(query, page=args["page"], per_page=args["per_page"])


@bp.get("/users/<int:user_id>")
@bp.response(200, UserSchema)
def user(user_id: int):
    _allowed(
        Scope.USERS_READ, policy.is_admin(current_user) or policy.can_manage_loops(current_user)
    )
    return _one(User, user_id, Scope.USERS_READ)


# --- requisitions and candidates -----------------------------------------------------------------


@bp.get("/requisitions")
@bp.arguments(ChangedArgs, location="query")
@bp.response(200, RequisitionPage)
def requisitions(args: dict):
    """Recruiters and admins see all; hiring managers theirs; `updated_since` reads `created_at`."""
    _allowed(Scope.REQUISITIONS_READ, policy.can_list_requisitions(current_user))
    query = (
        sa.select(Requisition)
        .options(selectinload(Requisition.required_principles))
        .order_by(Requisition.id)
    )
    if not caller().is_service and not policy.can_manage_loops(current_user):
        query = query.where(Requisition.hiring_manager_id == current_user.id)
    if args["updated_since"] is not None:
        query = query.where(Requisition.created_at >= args["updated_since"])
    return one_page(query, page=args["page"], per_page=args["per_page"])


@bp.get("/requisitions/<int:requisition_id>")
@bp.response(200, RequisitionSchema)
def requisition(requisition_id: int):
    return _one(Requisition, requisition_id, Scope.REQUISITIONS_READ, policy.can_view_requisition)


@bp.get("/candidates")
@bp.arguments(ChangedArgs, location="query")
@bp.response(200, CandidatePage)
def candidates(args: dict):
    """Recruiters and admins see all; others the candidates of loops they are part of."""
    who = caller()
    if who.is_service:
        need_scope(who, Scope.CANDIDATES_READ)
    query = sa.select(Candidate).order_by(Candidate.id)
    if not who.is_service and not policy.can_manage_loops(current_user):
        visible = sa.select(Loop.candidate_id).where(policy.loops_visible_to(current_user))
        query = query.where(Candidate.id.in_(visible))
    if args["updated_since"] is not None:
        query = query.where(Candidate.created_at >= args["updated_since"])
    return one_page(query, page=args["page"], per_page=args["per_page"])


@bp.get("/candidates/<int:candidate_id>")
@bp.response(200, CandidateSchema)
def candidate(candidate_id: int):
    return _one(Candidate, candidate_id, Scope.CANDIDATES_READ, policy.can_view_candidate)


# --- loops and interviews ------------------------------------------------------------------------


def visible_loop(loop_id: int) -> Loop:
    """The loop, its panel loaded; 404 unless the caller may see it (as its page decides)."""
    who = caller()
    if who.is_service:
        need_scope(who, Scope.LOOPS_READ)
        loop = db.session.scalar(sa.select(Loop).where(Loop.id == loop_id).options(*PANEL))
        if loop is None:
            raise NotFound("There is nothing here, or you may not see it.")
        return loop
    return load_or_404(Loop, loop_id, check=policy.can_view_loop, options=PANEL)


@bp.get("/loops")
@bp.arguments(LoopArgs, location="query")
@bp.response(200, LoopPage)
def loops(args: dict):
    """The loops the caller may see, oldest first. `updated_since`: loops made, opened for
    debrief or decided at or after that moment (a loop carries no other change time)."""
    who = caller()
    if who.is_service:
        need_scope(who, Scope.LOOPS_READ)
    query = sa.select(Loop).options(*PANEL).order_by(Loop.id)
    if not who.is_service:
        query = query.where(policy.loops_visible_to(current_user))
    if args["state"] is not None:
        query = query.where(Loop.state == args["state"])
    since = args["updated_since"]
    if since is not None:
        query = query.where(
            sa.or_(
                Loop.created_at >= since, Loop.debrief_opened_at >= since, Loop.decided_at >= since
            )
        )
    return one_page(query, page=args["page"], per_page=args["per_page"])


@bp.get("/loops/<int:loop_id>")
@bp.response(200, LoopSchema)
def loop(loop_id: int):
    found = visible_loop(loop_id)
    return found, 200, {"ETag": f'"{found.version}"'}


@bp.get("/interviews/<int:interview_id>")
@bp.response(200, InterviewSchema)
def interview(interview_id: int):
    found = db.session.get(Interview, interview_id)
    if found is None:
        raise NotFound("There is nothing here, or you may not see it.")
    visible_loop(found.loop_id)
    return found


# --- inspection ----------------------------------------------------------------------------------


@bp.get("/report")
@bp.arguments(ReportArgs, location="query")
@bp.response(200, ReportSchema)
def report(args: dict):
    """The calibration report, the same JSON as the page's `report.json` and the same filters.
    It reads decided loops only for anything built from votes, so a loop in flight never shows."""
    _allowed(Scope.REPORT_READ, policy.can_inspect(current_user))
    parsed = parse_filters(request.args, today=clock.now().date())
    if parsed.filters is None:
        raise InvalidInput("The report's filters are not valid: see `fields`.", parsed.problems)
    # As built, not dumped through the schema (which documents it): the page's JSON, key for key.
    return Response(
        calibration_report_json(parsed.filters, now=clock.now()), mimetype="application/json"
    )


@bp.get("/action-items")
@bp.arguments(ChangedArgs, location="query")
@bp.response(200, ActionItemPage)
def action_items(args: dict):
    """Inspectors and admins (or `actions:read`); `updated_since` reads `updated_at`."""
    _allowed(Scope.ACTIONS_READ, policy.can_inspect(current_user))
    query = sa.select(ActionItem).order_by(ActionItem.id)
    if args["updated_since"] is not None:
        query = query.where(ActionItem.updated_at >= args["updated_since"])
    return one_page(query, page=args["page"], per_page=args["per_page"])


@bp.get("/action-items/<int:action_id>")
@bp.response(200, ActionItemSchema)
def action_item(action_id: int):
    _allowed(Scope.ACTIONS_READ, policy.can_inspect(current_user))
    found = _one(ActionItem, action_id, Scope.ACTIONS_READ)
    return found, 200, {"ETag": f'"{found.version}"'}
