"""The loop pages: the list, the panel editor (new and edit), the loop page with its state moves
and history, and each interview's calendar file."""

from __future__ import annotations

from typing import cast

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from .. import clock, policy
from ..auth.models import User
from ..candidates.queries import SEARCH_RESULTS, search_candidates
from ..domain import LoopState
from ..errors import RuleViolation
from ..extensions import db
from ..feedback.queries import PanelProgress
from ..pages import act, load_or_404, state_filter
from ..requisitions.models import Requisition
from ..requisitions.queries import open_requisition_choices
from ..settings.services import current_settings
from ..settings.viewer import viewer_zone
from .calendar import interview_event
from .forms import DEFAULT_ROWS, CancelForm, NewLoopForm, PanelForm, ScheduleForm, VersionForm
from .loop_list import loop_list
from .loop_page import LoopPage, coverage, loop_history, read_loop_page
from .models import PANEL, Interview, Loop
from .queries import (
    CALENDAR,
    ListOutcome,
    outcome_filter,
    panel_choices,
)
from .rules import PanelInvalid, Problem
from .services import (
    EDITABLE_STATES,
    cancel_loop,
    create_loop,
    ensure_panel_editable,
    panel_plan_of,
    schedule_loop,
    unschedule_loop,
    update_panel,
)
from .suggest import eligible_bar_raisers, suggest_panel

bp = Blueprint("loops", __name__, url_prefix="/loops")


@bp.route("/")
@login_required
def index():
    """The loops the user may see (recruiters: all), newest first, filterable by state and
    outcome and searchable by candidate, requisition and interviewer.

    Someone who manages no loops sees theirs: their ids are read first by index (interviews,
    loops managed, loops led). The rows are counted only a thousand or so past the page shown
    (loop_list), so a page costs the same whatever the size of the history.
    An outcome filter never finds a loop whose outcome is sealed from the reader."""
    state = state_filter(
        "state",
        LoopState,
        default="",
        everything="",
        refusal="There is no loop state called {value!r}.",
    )
    outcome = outcome_filter()
    visible = None
    if not policy.can_manage_loops(current_user):
        visible = list(db.session.scalars(policy.loop_ids_visible_to(current_user)))
    text = request.args.get("q", "").strip()[:200]
    page, sealed = loop_list(
        reader_id=current_user.id,
        visible=visible,
        state=state,
        outcome=outcome,
        text=text,
        per_page=current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "loops/index.html",
        page=page,
        state=state,
        states=list(LoopState),
        outcome=outcome,
        outcomes=list(ListOutcome),
        text=text,
        sealed=sealed,
    )


# --- the panel editor --------------------------------------------------------------------------


def _attach(form: PanelForm, problems: list[Problem], rows: list[int]) -> list[str]:
    """Put each problem next to its field; returns those that concern the panel as a whole."""
    panel_errors: list[str] = []
    for problem in problems:
        if problem.interview is not None:
            field = form.interviews[rows[problem.interview]][problem.field]
        else:
            name = problem.field
            field = form[name] if name in form and name != "interviews" else None
        if field is None:
            panel_errors.append(problem.message)
        else:
            field.errors = [*field.errors, problem.message]
    return panel_errors


def _render_panel(form: PanelForm, loop: Loop | None, status: int = 200, **context):
    requisition = loop.requisition if loop is not None else None
    if isinstance(form, NewLoopForm) and form.requisition_id.data:
        requisition = db.session.get(Requisition, form.requisition_id.data)
    choices = panel_choices(requisition, hiring_manager_id=form.hiring_manager_id.data)
    picked = form.bar_raiser_id.data
    if picked is not None and picked not in {user_id for user_id, _ in choices["bar_raisers"]}:
        # Kept in sight so the recruiter sees whom they had picked; the field says why not.
        person = db.session.get(User, picked)
        if person is not None:
            choices["bar_raisers"].insert(0, (picked, f"{person.name} (not eligible)"))
    form.set_choices(**choices)
    if isinstance(form, NewLoopForm):
        candidates, found = search_candidates(
            form.candidate_query.data, include_id=form.candidate_id.data
        )
        form.candidate_id.choices = [("", "Pick the candidate"), *candidates]
        form.requisition_id.choices = [("", "Pick the requisition"), *open_requisition_choices()]
        context["candidates_found"] = found
        context["candidates_shown"] = min(found, SEARCH_RESULTS)
    context["zone"] = viewer_zone()
    context["min_panel_size"] = current_settings().min_panel_size
    context.setdefault("panel_errors", [])
    context["has_problems"] = bool(
        context["panel_errors"] or form.errors or any(row.errors for row in form.interviews)
    )
    return render_template("loops/panel_form.html", form=form, loop=loop, **context), status


def _suggest(form: PanelForm, requisition: Requisition | None, loop: Loop | None):
    """Fill in the principle split (and a Bar Raiser when none is picked) without saving."""
    if requisition is None:
        form.requisition_id.errors = ["Pick the requisition first: it says what must be covered."]
        return _render_panel(form, loop, 400)
    bar_raisers = eligible_bar_raisers(
        requisition, hiring_manager_id=form.hiring_manager_id.data, now=clock.now()
    )
    if form.bar_raiser_id.data is None and bar_raisers:
        form.bar_raiser_id.data = bar_raisers[0].user.id
    rows = [row for row in form.interviews if row.interviewer_id.data is not None]
    if form.bar_raiser_id.data is not None and all(
        row.interviewer_id.data != form.bar_raiser_id.data for row in rows
    ):
        # The Bar Raiser interviews too: put them in the first free row for the recruiter to time.
        free = next((row for row in form.interviews if row.interviewer_id.data is None), None)
        if free is None and len(form.interviews) < form.interviews.max_entries:
            free = form.interviews.append_entry()
        if free is not None:
            free.interviewer_id.data = form.bar_raiser_id.data
            rows.append(free)
    suggestion = suggest_panel(requisition, interviewer_count=len(rows), bar_raisers=bar_raisers)
    for row, principle_ids in zip(rows, suggestion.split.assignments, strict=True):
        row.principle_ids.data = principle_ids
    return _render_panel(form, loop, 200, suggestion=suggestion)


def _panel_actions(form: PanelForm, requisition: Requisition | None, loop: Loop | None):
    """'Add another interview' and 'suggest' redraw the form without saving (and without
    complaining about rows still being filled in); None when the form is being saved."""
    if form.add_row.data:
        form.ensure_rows(len(form.interviews) + 1)
        return _render_panel(form, loop)
    if isinstance(form, NewLoopForm) and form.find_candidate.data:
        return _render_panel(form, loop)
    if form.suggest.data:
        return _suggest(form, requisition, loop)
    return None


def _starting_panel(form: NewLoopForm) -> str | None:
    """Fill a new loop's panel from the requisition's interview plan (`from_plan=1`) or from
    another loop's panel (`copy=<loop id>`: its requisition, people and principles), the times
    left for the recruiter. Says where the panel came from, or None."""
    source_id = request.args.get("copy", type=int)
    if source_id:
        source = load_or_404(Loop, source_id, check=policy.can_view_loop, options=PANEL)
        plan = panel_plan_of(source)
        form.requisition_id.data = source.requisition_id
        form.fill_from(plan)
        for row in form.interviews:
            row.starts_at.data = None
        return f"the panel of the loop for {source.candidate.display_name}"
    if request.args.get("from_plan") and form.requisition_id.data:
        requisition = db.session.get(Requisition, form.requisition_id.data)
        if requisition is None or not requisition.plan:
            return None
        while len(form.interviews):
            form.interviews.pop_entry()
        for slot in requisition.plan:
            form.interviews.append_entry(
                {
                    "interviewer_id": slot.interviewer_id,
                    "duration_minutes": slot.duration_minutes,
                    "principle_ids": list(slot.principle_ids),
                }
            )
        return f"the interview plan of {requisition.title}"
    return None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Build a loop. Every rule is checked by the service; each problem shows next to its field."""
    policy.require(policy.can_manage_loops(current_user))
    form = NewLoopForm()
    if request.method == "GET":
        form.candidate_id.data = request.args.get("candidate", type=int)
        form.requisition_id.data = request.args.get("requisition", type=int)
        form.candidate_query.data = request.args.get("candidate_q", "")[:200]
        copied = _starting_panel(form)
        form.ensure_rows(len(form.interviews) + 1 if copied else DEFAULT_ROWS)
        return _render_panel(form, None, copied_from=copied)
    requisition = db.session.get(Requisition, form.requisition_id.data or 0)
    answer = _panel_actions(form, requisition, None)
    if answer is not None:
        return answer
    if not form.validate_on_submit():
        return _render_panel(form, None, 400)
    plan, rows = form.panel_plan()
    return act(
        form,
        lambda: create_loop(
            candidate_id=form.candidate_id.data,
            requisition_id=form.requisition_id.data,
            panel=plan,
            actor=current_user,
            now=clock.now(),
        ),
        validate=False,
        page=lambda status: _render_panel(form, None, status),
        answers={
            PanelInvalid: lambda error: _render_panel(
                form, None, 422, panel_errors=_attach(form, error.problems, rows)
            )
        },
        on_page=(),
        done="The loop was created as a draft. Schedule it when the candidate confirms.",
        then=lambda loop: url_for("loops.detail", loop_id=loop.id),
    )


@bp.route("/<int:loop_id>/panel", methods=["GET", "POST"])
@login_required
def edit_panel(loop_id: int):
    """Change the panel of a draft or scheduled loop (409 once the debrief has opened, or when
    someone else saved the loop since this form was loaded)."""
    loop = load_or_404(Loop, loop_id, check=policy.can_view_loop, options=PANEL)
    policy.require(policy.can_manage_loops(current_user))
    ensure_panel_editable(loop)
    if request.method == "GET":
        form = PanelForm(formdata=None)
        form.fill_from(panel_plan_of(loop), version=loop.version)
        form.ensure_rows(len(form.interviews) + 1)
        return _render_panel(form, loop)
    form = PanelForm()
    answer = _panel_actions(form, loop.requisition, loop)
    if answer is not None:
        return answer
    if not form.validate_on_submit():
        return _render_panel(form, loop, 400)
    if form.expected_version() is None:
        abort(400, "The form lost track of the loop's version; reload the page and try again.")
    plan, rows = form.panel_plan()
    return act(
        form,
        lambda: update_panel(
            loop,
            plan,
            expected_version=form.expected_version(),
            actor=current_user,
            now=clock.now(),
        ),
        validate=False,
        page=lambda status: _render_panel(form, loop, status),
        answers={
            PanelInvalid: lambda error: _render_panel(
                form, loop, 422, panel_errors=_attach(form, error.problems, rows)
            ),
            RuleViolation: lambda error: _render_panel(
                form, loop, 422, panel_errors=[error.message]
            ),
        },
        # A stale form (someone saved the loop meanwhile) is the 409 page: reload and redo.
        on_page=(),
        done=lambda changes: "The panel was saved." if changes else "Nothing changed.",
        then=url_for("loops.detail", loop_id=loop.id),
    )


# --- the loop page and its state moves ---------------------------------------------------------


def _render_detail(
    loop_id: int,
    status: int = 200,
    cancel_form: CancelForm | None = None,
    schedule_form: ScheduleForm | None = None,
):
    """The loop page (404 for a loop the user may not know exists). The state moves' forms are
    written out in the template from the loop's version; a refused move's form comes back here
    to be drawn with what was typed and why it was refused."""
    loop = read_loop_page(loop_id)
    policy.require(
        loop is not None and policy.can_view_loop(current_user, _as_loop(loop)), hide=True
    )
    assert loop is not None
    now = clock.now()
    history = loop_history(loop.id)
    # Votes, the proposal and the verdict only to whom the debrief page shows them.
    own_submitted = loop.own_feedback_submitted(current_user.id)
    sealed = {
        event.id
        for event in history
        if not policy.can_see_event_details(
            current_user, event.action, _as_loop(loop), own_submitted=own_submitted
        )
    }
    past_interviews = [i for i in loop.interviews if not i.is_shadow and i.starts_at < now]
    if schedule_form is None and past_interviews and loop.can_move_to(LoopState.SCHEDULED):
        # The confirmation asked for beside the button is the form's own field.
        schedule_form = ScheduleForm(formdata=None, version=loop.version)
    return render_template(
        "loops/detail.html",
        loop=loop,
        coverage=coverage(loop),
        feedback_progress=PanelProgress(**loop.feedback_counts()),
        history=history,
        sealed=sealed,
        schedule_form=schedule_form,
        past_interviews=past_interviews,
        cancel_form=cancel_form,
        editable=loop.state in EDITABLE_STATES,
        LoopState=LoopState,
    ), status


def _as_loop(loop: LoopPage) -> Loop:
    """The page's loop where a policy predicate asks for a Loop: it carries every attribute
    they read (loop_page's docstring), and tests hold their answers equal on both."""
    return cast(Loop, loop)


@bp.route("/<int:loop_id>")
@login_required
def detail(loop_id: int):
    """The loop: panel, principles per interview, coverage, state, history, and how much of the
    panel's feedback is in (counts only: independence keeps the feedback on its own page)."""
    return _render_detail(loop_id)


def _version_form() -> VersionForm:
    """The posted state move, carrying the loop's version as the page showed it (400 without)."""
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400, "The form expired or lost the loop's version; reload the page and try again.")
    return form


@bp.route("/<int:loop_id>/schedule", methods=["POST"])
@login_required
def schedule(loop_id: int):
    """draft → scheduled. Broken rules reopen the panel editor with each problem marked (422);
    an illegal move or a stale page is a 409."""
    loop = load_or_404(Loop, loop_id, check=policy.can_view_loop, options=PANEL)
    policy.require(policy.can_manage_loops(current_user))
    form = ScheduleForm()
    if not form.validate_on_submit():
        abort(400, "The form expired or lost the loop's version; reload the page and try again.")

    def refused(error: PanelInvalid):
        confirm = [p.message for p in error.problems if p.field == "confirm_past"]
        if len(confirm) == len(error.problems):
            # Only the confirmation is missing: ask for it beside the button.
            form.confirm_past.errors = confirm
            return _render_detail(loop.id, 422, schedule_form=form)
        panel = PanelForm(formdata=None)
        panel.fill_from(panel_plan_of(loop), version=loop.version)
        rows = list(range(len(panel.interviews)))
        panel_errors = _attach(panel, error.problems, rows)
        return _render_panel(panel, loop, 422, panel_errors=panel_errors, scheduling_refused=True)

    return act(
        form,
        lambda: schedule_loop(
            loop,
            expected_version=int(form.version.data),
            actor=current_user,
            now=clock.now(),
            confirm_past=bool(form.confirm_past.data),
        ),
        validate=False,
        page=lambda status: _render_detail(loop.id, status),
        answers={PanelInvalid: refused},
        on_page=(),
        done="The loop is scheduled.",
        then=url_for("loops.detail", loop_id=loop.id),
    )


@bp.route("/<int:loop_id>/unschedule", methods=["POST"])
@login_required
def unschedule(loop_id: int):
    loop = load_or_404(Loop, loop_id, check=policy.can_view_loop, options=PANEL)
    policy.require(policy.can_manage_loops(current_user))
    form = _version_form()
    return act(
        form,
        lambda: unschedule_loop(
            loop, expected_version=int(form.version.data), actor=current_user, now=clock.now()
        ),
        validate=False,
        page=lambda status: _render_detail(loop.id, status),
        on_page=(),  # an illegal move or a stale page: the 409 page
        done="The loop is back in draft.",
        then=url_for("loops.detail", loop_id=loop.id),
    )


@bp.route("/<int:loop_id>/cancel", methods=["POST"])
@login_required
def cancel(loop_id: int):
    """Cancel a draft or scheduled loop, with a reason (400/422 without one, 409 otherwise)."""
    loop = load_or_404(Loop, loop_id, check=policy.can_view_loop, options=PANEL)
    policy.require(policy.can_manage_loops(current_user))
    form = CancelForm()
    return act(
        form,
        lambda: cancel_loop(
            loop,
            form.reason.data,
            expected_version=form.expected_version(),
            actor=current_user,
            now=clock.now(),
        ),
        page=lambda status: _render_detail(loop.id, status, cancel_form=form),
        field="reason",
        on_page=(RuleViolation,),
        done="The loop is cancelled.",
        then=url_for("loops.detail", loop_id=loop.id),
    )


@bp.route("/interviews/<int:interview_id>.ics")
@login_required
def interview_calendar(interview_id: int):
    """One interview as a calendar event, with the principles to probe in its description."""
    interview = load_or_404(
        Interview,
        interview_id,
        check=lambda user, interview: policy.can_view_loop(user, interview.loop),
        options=CALENDAR,
    )
    body = interview_event(interview, now=clock.now(), zone=viewer_zone())
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="interview-{interview.id}.ics"'},
    )
