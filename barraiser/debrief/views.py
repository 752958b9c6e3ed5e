"""The debrief page and its actions: open, final vote, proposal, concur, veto, hire performance;
and its print view.

An accepted action redirects to the page, scrolled to its decision panel (post/redirect/get). A
refused one answers on the same page, with its status (bad input is a 4xx, never a redirect): the
message next to the field (400/422), or the page as it now stands when someone acted first (409).
Its forms post to an address ending in #decision-panel, so the browser shows the refusal scrolled
to the panel, and the page puts its own address back in the location bar; a GET of an action's
address (a reload, a bookmark) is redirected to the page, never a 405.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from .. import clock, policy
from ..domain import Outcome, Vote
from ..errors import Conflict
from ..loops.models import PANEL, Loop
from ..pages import act, load_or_404
from . import services
from .forms import (
    ConcurForm,
    FinalVoteForm,
    OpenDebriefForm,
    PerformanceForm,
    ProposalForm,
    VetoForm,
)
from .panel_rows import DebriefRead, as_policy_loop, read_debrief
from .queries import DebriefPage, debrief_page, matrix_principles, proposed_outcome

bp = Blueprint("debrief", __name__, url_prefix="/loops/<int:loop_id>/debrief")


ANCHOR = "decision-panel"


# The forms each offered action shows (the Bar Raiser's ruling shows two).
_ACTION_FORMS = {
    "open": ("open",),
    "final_vote": ("final_vote",),
    "propose": ("propose",),
    "rule": ("concur", "veto"),
    "performance": ("performance",),
}


# The forms the page writes out when blank (debrief/_forms.html), so it builds one only to send
# it back as typed.
WRITTEN_OUT = frozenset({"final_vote"})


def _read_or_404(loop_id: int) -> DebriefRead:
    """The loop as the page reads it; 404 when there is none or the user may not know of it
    (as load_or_404 answers)."""
    read = read_debrief(loop_id)
    policy.require(
        read is not None and policy.can_view_debrief(current_user, as_policy_loop(read.loop)),
        hide=True,
    )
    assert read is not None
    return read


def _blank_form(name: str, page: DebriefPage) -> FlaskForm:
    """The form `name` as the page first shows it."""
    match name:
        case "open":
            return OpenDebriefForm(formdata=None)
        case "final_vote":
            return FinalVoteForm(formdata=None)
        case "propose":
            return ProposalForm(formdata=None)
        case "concur":
            return ConcurForm(formdata=None, outcome=page.concur_outcome)
        case "veto":
            return VetoForm(formdata=None, principles=page.principles)
    return PerformanceForm(formdata=None, rated_on=clock.now().date())


def _render(loop_id: int, *, status: int = 200, conflict: str | None = None, **bound: FlaskForm):
    """The debrief page for the current user, with any submitted form kept as typed. Only the
    forms of the actions offered are built, and of those only the ones drawn by their widgets."""
    page = debrief_page(_read_or_404(loop_id), current_user._get_current_object())
    forms = {
        name: bound[name] if name in bound else _blank_form(name, page)
        for action in page.actions
        for name in _ACTION_FORMS[action]
        if name in bound or name not in WRITTEN_OUT
    }
    return render_template(
        "debrief/page.html",
        page=page,
        forms=forms,
        conflict=conflict,
        now=clock.now(),
        refused=status != 200,
    ), status


def _act(loop: Loop, name: str, form: FlaskForm, service: Callable[[], object], done: str):
    """Validate → one service call → commit → back to the page; refused, the page again: a bad
    input or a broken rule with the form as typed (400/422), someone having acted first as the
    loop now stands (409)."""

    def again(status: int):
        # The page reads the loop as it now stands (after a refusal, the session was rolled back).
        return _render(loop.id, status=status, **{name: form})

    def as_it_stands(error: Conflict):
        return _render(loop.id, status=409, conflict=error.message)

    return act(
        form,
        service,
        page=again,
        done=done,
        then=url_for("debrief.page", loop_id=loop.id, _anchor=ANCHOR),
        answers={Conflict: as_it_stands},
    )


@bp.get("")
@login_required
def page(loop_id: int):
    """The debrief: all feedback side by side, the matrix, the tallies, and the viewer's forms."""
    return _render(loop_id)


@bp.get("/print")
@login_required
def print_view(loop_id: int):
    """The whole debrief on paper: every card expanded, no forms. Only for whom may read the
    panel's feedback (403 for a panelist still owing theirs: the page itself says why)."""
    page = debrief_page(_read_or_404(loop_id), current_user._get_current_object())
    policy.require(page.can_read_feedback)
    return render_template("debrief/print.html", page=page, now=clock.now())


@bp.get("/open")
@bp.get("/final-vote")
@bp.get("/proposal")
@bp.get("/concur")
@bp.get("/veto")
@bp.get("/performance")
@login_required
def after_action(loop_id: int):
    """An action's address reloaded or bookmarked: the page, at its decision panel."""
    load_or_404(Loop, loop_id, check=policy.can_view_debrief)
    return redirect(url_for("debrief.page", loop_id=loop_id, _anchor=ANCHOR), code=303)


@bp.post("/open")
@login_required
def open_debrief(loop_id: int):
    loop = load_or_404(Loop, loop_id, check=policy.can_view_debrief, options=PANEL)
    policy.require(policy.can_open_debrief(current_user, loop))
    form = OpenDebriefForm()
    return _act(
        loop,
        "open",
        form,
        lambda: services.open_debrief(
            loop, reason=form.reason.data or "", actor=current_user, now=clock.now()
        ),
        "The debrief is open. The panel has been told.",
    )


@bp.post("/final-vote")
@login_required
def final_vote(loop_id: int):
    loop = load_or_404(Loop, loop_id, check=policy.can_view_debrief, options=PANEL)
    policy.require(policy.can_cast_final_vote(current_user, loop))
    form = FinalVoteForm()
    return _act(
        loop,
        "final_vote",
        form,
        lambda: services.cast_final_vote(
            loop, vote=Vote(form.vote.data), actor=current_user, now=clock.now()
        ),
        "Your final vote is recorded.",
    )


@bp.post("/proposal")
@login_required
def propose(loop_id: int):
    loop = load_or_404(Loop, loop_id, check=policy.can_view_debrief, options=PANEL)
    policy.require(policy.can_propose(current_user, loop))
    form = ProposalForm()
    return _act(
        loop,
        "propose",
        form,
        lambda: services.propose(
            loop,
            decision=Outcome(form.decision.data),
            rationale=form.rationale.data or "",
            early_reason=form.early_reason.data or "",
            actor=current_user,
            now=clock.now(),
        ),
        "Your proposal is recorded. The Bar Raiser concurs or vetoes next.",
    )


@bp.post("/concur")
@login_required
def concur(loop_id: int):
    loop = load_or_404(Loop, loop_id, check=policy.can_view_debrief, options=PANEL)
    policy.require(policy.can_rule(current_user, loop))
    form = ConcurForm(outcome=proposed_outcome(loop))
    return _act(
        loop,
        "concur",
        form,
        lambda: services.concur(
            loop, rationale=form.rationale.data or "", actor=current_user, now=clock.now()
        ),
        "You concurred. The loop is decided.",
    )


@bp.post("/veto")
@login_required
def veto(loop_id: int):
    loop = load_or_404(Loop, loop_id, check=policy.can_view_debrief, options=PANEL)
    policy.require(policy.can_rule(current_user, loop))
    form = VetoForm(principles=matrix_principles(loop.interviews))
    return _act(
        loop,
        "veto",
        form,
        lambda: services.veto(
            loop,
            rationale=form.rationale.data or "",
            principle_ids=form.principles.data or [],
            actor=current_user,
            now=clock.now(),
        ),
        "You vetoed. The loop is decided: no hire.",
    )


@bp.post("/performance")
@login_required
def performance(loop_id: int):
    loop = load_or_404(Loop, loop_id, check=policy.can_view_debrief, options=PANEL)
    policy.require(policy.can_record_performance(current_user, loop))
    form = PerformanceForm()
    return _act(
        loop,
        "performance",
        form,
        lambda: services.record_hire_performance(
            loop,
            rating=form.rating.data,
            rated_on=form.rated_on.data,
            actor=current_user,
            now=clock.now(),
        ),
        "The hire's performance is recorded.",
    )
