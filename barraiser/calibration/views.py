"""The calibration report (HTML, JSON, CSV) and its action items, for inspectors and admins.

A filter that does not parse (a bad date, an end before the start, an unknown department or
requisition, an unknown sort column) is a 400 that says which, and nothing is computed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from .. import clock, policy
from ..audit.services import events_for
from ..auth.models import User
from ..database import read_rows
from ..errors import Conflict, RuleViolation
from ..extensions import db
from ..pages import act, load_or_404
from . import actions as actions_service
from .actions import create_action, possible_owners, update_action
from .cache import cached_page, cached_small
from .export import TABLE_EXPORTS, report_to_csv, table_to_csv
from .filter_fields import filter_field
from .forms import (
    ActionForm,
    ActionProgressForm,
    ActionUpdateForm,
    ParsedFilters,
    parse_filters,
    progress_form,
)
from .models import ACTION_TRANSITIONS, ActionItem, ActionStatus
from .page_charts import page_charts
from .people import bar_raiser_loops, bar_raiser_months, interviewer_loops, interviewer_months
from .report import (
    calibration_report,
    calibration_report_json,
    metrics_key,
    of_this_request,
    report_metrics,
)
from .table_markup import figure, format_value, shown_tables, trend_rows
from .tables import (
    BAR_RAISER_FIGURES,
    BAR_RAISER_MONTH_FIGURES,
    INTERVIEWER_FIGURES,
    INTERVIEWER_MONTH_FIGURES,
    PAGED_TABLES,
    STATUS_LABELS,
    TABLES,
    flagged_first,
    interviewer_row,
    page_of,
    parse_sort,
    sort_rows,
    table_rows,
)

bp = Blueprint("calibration", __name__, url_prefix="/calibration")

DEFAULT_DUE_DAYS = 14


# An action item's owner may not be an inspector: these pages ask policy about the item itself.
OWNER_ENDPOINTS = frozenset({"calibration.edit_action", "calibration.progress_action"})


@bp.before_request
@login_required
def _inspectors_only() -> None:
    """Every page here is the hiring committee's: others are refused (403), not misled (404);
    an action item's pages also let its owner in."""
    if request.endpoint not in OWNER_ENDPOINTS:
        policy.require(policy.can_inspect(current_user))


@bp.context_processor
def _formatting() -> dict[str, Any]:
    return {"fmt": format_value, "figure": figure, "filter_field": filter_field}


def _filters() -> ParsedFilters:
    return parse_filters(request.args, today=clock.now().date())


def _export_args(parsed: ParsedFilters) -> dict[str, Any]:
    """The filters as query parameters, to carry them to the downloads and sort links."""
    filters = parsed.filters
    assert filters is not None
    args: dict[str, Any] = {"since": filters.since.isoformat(), "until": filters.until.isoformat()}
    if filters.department:
        args["department"] = filters.department
    if filters.requisition_id:
        args["requisition"] = filters.requisition_id
    return args


TABLE_PAGE_SIZE = 25
"""Rows per page of the tables that grow with the history (interviewers, Bar Raisers)."""


_USER_IDS = sa.select(User.email, User.id).where(
    User.email.in_(sa.bindparam("emails", expanding=True))
)


def _user_ids(emails: list[str]) -> dict[str, int]:
    """The ids of the people a page names, for links to their pages: one query per page, kept
    while the report's data is unchanged (an account made, deleted or given another email is a
    change to it)."""
    if not emails:
        return {}
    return cached_small(
        ("user ids", tuple(emails)),
        lambda: {email: id_ for email, id_ in read_rows(_USER_IDS, {"emails": emails})},
    )


@bp.get("")
def index():
    """The report page: filters, charts, sortable tables (a page of the long ones at a time,
    flagged interviewers first), open actions, the mechanism's changes."""
    parsed = _filters()
    if parsed.filters is None:
        return render_template(
            "calibration/report.html", form=parsed.form, report=None, error=parsed.error
        ), 400
    filters = parsed.filters
    request_parts = of_this_request(filters, clock.now())
    sort = parse_sort(parsed.form.sort.data, parsed.form.dir.data)
    sort_args = {"sort": parsed.form.sort.data, "dir": parsed.form.dir.data} if sort else {}
    page_numbers = {name: request.args.get(parameter) for name, parameter in PAGED_TABLES.items()}
    may_change_settings = policy.can_change_settings(current_user)
    # The report's markup is the same for every request with the same inputs while the data
    # is unchanged (the cache's counter): every input is in the key. The open actions are the
    # request's own (they change without a change to the report's data), and so is who may
    # change the settings; the rest is what the report computes, and the tables' sort and page.
    body = cached_page(
        (
            "report page",
            request.script_root,  # the links' root
            metrics_key(filters),
            sorted(sort_args.items()),
            sorted(page_numbers.items()),
            request_parts["open_actions"],
            may_change_settings,
        ),
        lambda: _report_body(
            report_metrics(filters) | request_parts,
            export_args=_export_args(parsed),
            sort=sort,
            sort_args=sort_args,
            page_numbers=page_numbers,
            may_change_settings=may_change_settings,
        ),
    )
    return render_template(
        "calibration/report.html",
        form=parsed.form,
        report=request_parts,
        error=None,
        body={part: Markup(text) for part, text in body.items()},
    )


def _report_body(
    report: dict[str, Any],
    *,
    export_args: dict[str, Any],
    sort: tuple[str, str, bool] | None,
    sort_args: dict[str, Any],
    page_numbers: dict[str, str | None],
    may_change_settings: bool,
) -> dict[str, str]:
    """The report's markup around the open actions: its head (period, downloads, summary,
    adoption) and the rest (charts, tables, trends, surveys, the mechanism's changes)."""
    tables = {name: table_rows(report, name) for name in TABLES}
    tables["interviewers"] = flagged_first(tables["interviewers"])
    if sort is not None:
        table, column, descending = sort
        tables[table] = sort_rows(tables[table], column, descending=descending)
    pages = {
        name: page_of(tables[name], page_numbers[name], TABLE_PAGE_SIZE) for name in PAGED_TABLES
    }
    actions_by_subject: dict[str, list[dict[str, Any]]] = {}
    for action in report["open_actions"]:
        actions_by_subject.setdefault(action["subject_email"], []).append(action)
    shown = [row["email"] for page in pages.values() for row in page.items]
    context = {
        "report": report,
        "tables": tables,
        "pages": pages,
        "page_parameters": PAGED_TABLES,
        "shown": shown_tables(
            {name: pages[name].items if name in pages else tables[name] for name in TABLES},
            sort,
            user_ids=_user_ids(shown),
            actions_by_subject=actions_by_subject,
            export_args=export_args,
        ),
        "sort_args": sort_args,
        "charts": page_charts(report),
        "trend_rows": trend_rows(report["trends"]),
        "export_args": export_args,
        "table_exports": TABLE_EXPORTS,
        "may_change_settings": may_change_settings,
    }
    return {
        "head": render_template("calibration/_report_head.html", **context),
        "tail": render_template("calibration/_report_tail.html", **context),
    }


def _person_page(kind: str, user_id: int):
    """An interviewer's or a Bar Raiser's page: their figures in the report's period, month by
    month, and the decided loops behind them (paginated)."""
    user = load_or_404(User, user_id)
    parsed = _filters()
    if parsed.filters is None:
        return render_template(
            "calibration/person.html", kind=kind, person=user, form=parsed.form, error=parsed.error
        ), 400
    report = calibration_report(parsed.filters, now=clock.now())
    interviewer = next((r for r in report["interviewers"] if r["email"] == user.email), None)
    bar_raiser = next((r for r in report["bar_raisers"] if r["email"] == user.email), None)
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    per_page = current_app.config["PAGE_SIZE"]
    if kind == "interviewer":
        months = interviewer_months(parsed.filters, user.id)
        loops = interviewer_loops(parsed.filters, user.id, page=page, per_page=per_page)
    else:
        months = bar_raiser_months(parsed.filters, user.id)
        loops = bar_raiser_loops(parsed.filters, user.id, page=page, per_page=per_page)
    return render_template(
        "calibration/person.html",
        kind=kind,
        person=user,
        form=parsed.form,
        error=None,
        report=report,
        interviewer=interviewer and interviewer_row(interviewer),
        bar_raiser=bar_raiser,
        figures=INTERVIEWER_FIGURES if kind == "interviewer" else BAR_RAISER_FIGURES,
        month_figures=(
            INTERVIEWER_MONTH_FIGURES if kind == "interviewer" else BAR_RAISER_MONTH_FIGURES
        ),
        months=months,
        loops=loops,
        actions=[a for a in report["open_actions"] if a["subject_email"] == user.email],
        status_label=STATUS_LABELS.get(user.bar_raiser_status.value, ""),
        export_args=_export_args(parsed),
    )


@bp.get("/interviewers/<int:user_id>")
def interviewer(user_id: int):
    """One interviewer for the hiring committee: figures, by month, and the decided loops behind
    them with their vote and the outcome; never a word of feedback."""
    return _person_page("interviewer", user_id)


@bp.get("/bar-raisers/<int:user_id>")
def bar_raiser(user_id: int):
    """One Bar Raiser: loops run, vetoes, latency, by month, and the decided loops they ran."""
    return _person_page("bar_raiser", user_id)


@bp.get("/report.json")
def report_json():
    """The report as JSON: the same filters as the page; rates are unrounded fractions."""
    parsed = _filters()
    if parsed.filters is None:
        return {"error": parsed.error, "fields": parsed.form.errors}, 400
    return Response(
        calibration_report_json(parsed.filters, now=clock.now()), mimetype="application/json"
    )


@bp.get("/report.csv")
def report_csv():
    """The report as CSV for spreadsheets: a summary, then one table per section."""
    parsed = _filters()
    if parsed.filters is None:
        return Response(parsed.error + "\n", status=400, mimetype="text/plain")
    report = calibration_report(parsed.filters, now=clock.now())
    filters = parsed.filters
    name = f"calibration-{filters.since.isoformat()}-{filters.until.isoformat()}.csv"
    return Response(
        report_to_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _table_csv(table: str):
    """One table of the report as a wide CSV: a row per interviewer, Bar Raiser or principle,
    a column per figure; every row, whatever the page shows."""
    parsed = _filters()
    if parsed.filters is None:
        return Response(parsed.error + "\n", status=400, mimetype="text/plain")
    report = calibration_report(parsed.filters, now=clock.now())
    filters = parsed.filters
    name = f"calibration-{table}-{filters.since.isoformat()}-{filters.until.isoformat()}.csv"
    return Response(
        table_to_csv(report, table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/interviewers.csv")
def interviewers_csv():
    """The interviewers table as a wide CSV."""
    return _table_csv("interviewers")


@bp.get("/bar-raisers.csv")
def bar_raisers_csv():
    """The Bar Raisers table as a wide CSV."""
    return _table_csv("bar_raisers")


@bp.get("/principles.csv")
def principles_csv():
    """The principles table as a wide CSV."""
    return _table_csv("principles")


# -- action items -------------------------------------------------------------------------------


def _owner_choices() -> list[SelectChoice]:
    return [SelectChoice(id_, f"{name} <{email}>") for id_, name, email in possible_owners()]


@bp.get("/actions")
def actions():
    """Every action item: open and in progress first (soonest due), then the closed ones."""
    items = db.session.scalars(
        sa.select(ActionItem)
        .options(sa.orm.joinedload(ActionItem.subject), sa.orm.joinedload(ActionItem.owner))
        .order_by(
            (ActionItem.status == ActionStatus.CLOSED),
            ActionItem.due_on,
            ActionItem.id,
        )
    ).all()
    return render_template("calibration/actions.html", items=items, today=clock.now().date())


@bp.route("/actions/new", methods=["GET", "POST"])
def new_action():
    """Turn a flag into an action item; the report's "Create action" prefills who and why."""
    form = ActionForm()
    form.owner.choices = _owner_choices()
    if request.method == "GET":
        form.subject.data = request.args.get("subject", "")[:254]
        form.reason.data = request.args.get("reason", "")[:2000]
        form.owner.data = current_user.id
        form.due_on.data = clock.now().date() + timedelta(days=DEFAULT_DUE_DAYS)
        return render_template("calibration/action_form.html", form=form, action=None)
    return act(
        form,
        lambda: create_action(
            subject_email=form.subject.data,
            reason=form.reason.data,
            owner_id=form.owner.data,
            due_on=form.due_on.data,
            notes=form.notes.data or "",
            actor=current_user,
            now=clock.now(),
        ),
        page=lambda status: (
            render_template("calibration/action_form.html", form=form, action=None),
            status,
        ),
        field="reason",
        on_page=(RuleViolation,),
        done="Action created. It shows on the report until it is closed.",
        then=url_for("calibration.index"),
    )


def _update_form(action: ActionItem, *, submitted: bool) -> ActionUpdateForm:
    """The edit form: as posted, or (submitted=False) showing the action as it stands."""
    form = (
        ActionUpdateForm(obj=action) if submitted else ActionUpdateForm(formdata=None, obj=action)
    )
    form.owner.choices = _owner_choices()
    allowed = {action.status, *ACTION_TRANSITIONS[action.status]}
    form.status.choices = [SelectChoice(s.value, s.label) for s in ActionStatus if s in allowed]
    if not submitted:
        form.status.data = action.status.value
        form.owner.data = action.owner_id
        form.version.data = str(action.version)
    return form


def _action_page(
    action: ActionItem,
    form: ActionUpdateForm,
    *,
    status: int = 200,
    conflict: str | None = None,
    progress: ActionProgressForm | None = None,
):
    return render_template(
        "calibration/action_form.html",
        form=form,
        action=action,
        conflict=conflict,
        history=events_for(action),
        today=clock.now().date(),
        progress=progress or progress_form(action),
    ), status


@bp.post("/actions/<int:action_id>/progress")
def progress_action(action_id: int):
    """The owner's update: status (close it) and notes, from their home page or the action's
    page. 404 for whom may not see the item; a stale form is a 409 showing it as it stands."""
    action = _action_of(action_id)
    policy.require(policy.can_progress_action(current_user, action))
    form = ActionProgressForm()
    form.status.choices = progress_form(action).status.choices

    def as_it_stands(error: Conflict):
        current = _action_of(action_id)
        return _action_page(
            current, _update_form(current, submitted=False), status=409, conflict=error.message
        )

    back = request.form.get("next") == "home"
    return act(
        form,
        lambda: actions_service.progress_action(
            action,
            status=ActionStatus(form.status.data),
            notes=form.notes.data or "",
            version=int(form.version.data),
            actor=current_user,
            now=clock.now(),
        ),
        page=lambda status: _action_page(
            action, _update_form(action, submitted=False), status=status, progress=form
        ),
        field="notes",
        answers={Conflict: as_it_stands},
        on_page=(RuleViolation,),
        done=lambda changed: "Action saved." if changed else "Nothing changed.",
        then=url_for("home.index")
        if back
        else url_for("calibration.edit_action", action_id=action.id),
    )


def _action_of(action_id: int) -> ActionItem:
    """The action item (404 unless an inspector or its owner: others may not know it exists)."""
    return load_or_404(
        ActionItem, action_id, check=lambda user, action: policy.can_view_action(user, action)
    )


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
def edit_action(action_id: int):
    """Move an action along (open → in progress → closed), reassign it, add notes. Its owner
    sees it here too, and moves it along with the owner's form (progress_action)."""
    action = _action_of(action_id)
    if request.method == "GET":
        return _action_page(action, _update_form(action, submitted=False))
    policy.require(policy.can_reassign_action(current_user))
    form = _update_form(action, submitted=True)

    def as_it_stands(error: Conflict):
        current = load_or_404(ActionItem, action_id)
        return _action_page(
            current, _update_form(current, submitted=False), status=409, conflict=error.message
        )

    return act(
        form,
        lambda: update_action(
            action,
            status=ActionStatus(form.status.data),
            owner_id=form.owner.data,
            due_on=form.due_on.data,
            notes=form.notes.data or "",
            version=int(form.version.data),
            actor=current_user,
            now=clock.now(),
        ),
        page=lambda status: _action_page(action, form, status=status),
        field="notes",
        answers={Conflict: as_it_stands},
        on_page=(RuleViolation,),
        done=lambda changed: "Action saved." if changed else "Nothing changed.",
        then=url_for("calibration.edit_action", action_id=action.id),
    )
