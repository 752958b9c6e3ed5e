"""The feedback pages: the interviewer's form (drafts, autosave, submit), their locked feedback with
addenda, and the panel's feedback for a loop — each piece shown only to whom independence allows.

The form views are exempt from the blanket CSRF check and validate the token through the form
instead: a token that expired during a long writing session then re-renders the page with the
interviewer's text and a fresh token, rather than throwing the text away with a bare 400. Nothing
is saved without a valid token.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import joinedload, selectinload

from .. import clock, policy
from ..errors import Conflict, DomainError
from ..extensions import csrf, db
from ..loops.models import PANEL, Interview, InterviewPrinciple, Loop
from ..pages import act, load_or_404
from ..requisitions.queries import role_questions
from ..settings.services import current_settings
from ..settings.viewer import local_time
from .form_page import FormPage, form_page
from .forms import (
    BAR_OPTIONS,
    HELP,
    LABELS,
    RATING_OPTIONS,
    VOTE_OPTIONS,
    AddendumForm,
    FeedbackForm,
    FormAnswers,
    feedback_form,
)
from .models import Feedback
from .quality import TEXT_LIMIT, count_message, feedback_hints
from .queries import (
    PanelProgress,
    own_feedback,
    panel_progress,
    readable_feedback,
    submission_states,
)
from .services import (
    IncompleteFeedback,
    add_addendum,
    addenda_open,
    save_draft,
    submit_feedback,
)

bp = Blueprint("feedback", __name__)

# The interviewer's pages: the interview with its principles, and its loop with the panel's
# interviews (not the loop page's PANEL: these pages show none of the panel's people, and
# loading them measured five more queries).
WRITER = (
    joinedload(Interview.loop).joinedload(Loop.candidate),
    joinedload(Interview.loop).joinedload(Loop.requisition),
    joinedload(Interview.loop).selectinload(Loop.interviews),
    selectinload(Interview.assignments).joinedload(InterviewPrinciple.principle),
)


AUTOSAVE_SECONDS = 30
CSRF_EXPIRED = (
    "This page's security token expired or is not valid, so nothing was saved. Your text is "
    "below with a fresh token: save again."
)


def _interview_for_writer(interview_id: int) -> Interview:
    """The interview, if the user is its interviewer: 404 when they may not know the loop, 403
    when they may see the loop but this is someone else's interview."""
    interview = load_or_404(
        Interview,
        interview_id,
        check=lambda user, interview: policy.can_view_loop(user, interview.loop),
        options=WRITER,
    )
    policy.require(policy.can_write_feedback(current_user, interview))
    return interview


def _heading(
    interview: Interview | FormPage,
    *,
    candidate_name: str,
    role_title: str,
    progress: PanelProgress,
    submitted: bool,
) -> dict:
    """What the header of the interviewer's pages (feedback/_header.html) and its notices say."""
    now = clock.now()
    due = interview.feedback_due_at
    return {
        "interview": interview,
        "candidate_name": candidate_name,
        "role_title": role_title,
        "due_at": due,
        "overdue": not submitted and now > due,
        "started": now >= interview.starts_at,
        "progress": progress,
    }


def _page_context(interview: Interview, *, submitted: bool) -> dict:
    loop = interview.loop
    return {
        **_heading(
            interview,
            candidate_name=loop.candidate.display_name,
            role_title=loop.requisition.title,
            progress=panel_progress(loop),
            submitted=submitted,
        ),
        "loop": loop,
        "principles": interview.principles,
        "addenda_open": addenda_open(loop),
    }


def _render_form(
    page: FormPage,
    answers: FormAnswers,
    *,
    status: int = 200,
    problem: str | None = None,
):
    """The form, its fields written out from `answers` (a draft's, or a refused post's)."""
    min_words = current_settings().min_evidence_words
    hints = feedback_hints(
        evidence={
            principle.id: (principle.name, answers.text(f"evidence_{principle.id}"))
            for principle in page.principles
        },
        summary=answers.text("summary"),
        min_words=min_words,
    )
    errors = answers.field_errors
    counters = {
        f"evidence_{principle.id}": count_message(
            answers.text(f"evidence_{principle.id}"),
            min_words=min_words,
            plain=bool(errors.get(f"evidence_{principle.id}")),
        )
        for principle in page.principles
    }
    for name in ("summary", "private_notes"):
        counters[name] = count_message(
            answers.text(name), min_words=None, plain=bool(errors.get(name))
        )
    return render_template(
        "feedback/form.html",
        page=page,
        answers=answers,
        hints=hints,
        counters=counters,
        min_words=min_words,
        text_limit=TEXT_LIMIT,
        problem=problem,
        autosave_seconds=AUTOSAVE_SECONDS,
        rating_options=RATING_OPTIONS,
        vote_options=VOTE_OPTIONS,
        bar_options=BAR_OPTIONS,
        labels=LABELS,
        help=HELP,
        **_heading(
            page,
            candidate_name=page.candidate_name,
            role_title=page.role_title,
            progress=page.progress,
            submitted=False,
        ),
    ), status


def _render_posted(
    interview: Interview, form: FeedbackForm, *, status: int, problem: str | None = None
):
    """The form again after a refused post, showing what was sent and why it was refused."""
    page = form_page(interview.id, reader_id=current_user.id)
    policy.require(page is not None, hide=True)  # removed from the panel meanwhile
    assert page is not None
    return _render_form(page, FormAnswers.of_form(form), status=status, problem=problem)


def _render_locked(
    interview: Interview,
    feedback: Feedback,
    *,
    addendum_form: AddendumForm | None = None,
    status: int = 200,
    problem: str | None = None,
    unsaved: FeedbackForm | None = None,
):
    return render_template(
        "feedback/submitted.html",
        feedback=feedback,
        addendum_form=addendum_form or AddendumForm(formdata=None),
        problem=problem,
        unsaved=unsaved,
        **_page_context(interview, submitted=True),
    ), status


@bp.get("/interviews/<int:interview_id>/prep")
@login_required
def prep(interview_id: int):
    """The interviewer's preparation: the candidate, the role, the time (in the reader's own time
    zone, by the browser), and each assigned principle with its interview kit. Only for the
    interviewer (404 for whom may not know the loop, 403 for another's interview)."""
    interview = _interview_for_writer(interview_id)
    return render_template(
        "feedback/prep.html",
        interview=interview,
        loop=interview.loop,
        principles=interview.principles,
        own_questions=role_questions(interview.loop.requisition_id),
    )


@bp.route("/interviews/<int:interview_id>/feedback", methods=["GET", "POST"])
@csrf.exempt
@login_required
def write(interview_id: int):
    """The interviewer's feedback: the form while a draft, the locked feedback once submitted.

    POST saves the draft or submits (the button pressed decides). Refusals keep the posted text
    on the page: 400 (bad input or expired token), 409 (submitted or saved elsewhere meanwhile),
    422 (incomplete, or too early).
    """
    if request.method != "POST":
        return _show(interview_id)
    interview = _interview_for_writer(interview_id)
    form = feedback_form(interview.principles)
    if not form.validate():
        return _render_posted(
            interview, form, status=400, problem=CSRF_EXPIRED if form.csrf_failed else None
        )
    now = clock.now()
    content = form.content()
    if form.submit.data:
        return act(
            form,
            lambda: submit_feedback(
                interview, content, expected_version=form.version.data, actor=current_user, now=now
            ),
            validate=False,
            page=lambda status: _render_posted(interview, form, status=status),
            answers=_refusals(interview, form),
            done="Your feedback is submitted and locked. The panel's submitted feedback is below.",
            category="message",
            then=url_for("feedback.loop_feedback", loop_id=interview.loop_id),
        )
    return act(
        form,
        lambda: save_draft(
            interview, content, expected_version=form.version.data, actor=current_user, now=now
        ),
        validate=False,
        page=lambda status: _render_posted(interview, form, status=status),
        answers=_refusals(interview, form),
        done=f"Draft saved at {local_time(now, pattern='%H:%M')}. Only you can see it.",
        then=url_for("feedback.write", interview_id=interview.id),
    )


def _show(interview_id: int):
    """The writer's page as it stands: their draft in the form (an empty form before any), or
    their feedback locked once submitted. The form is read as plain rows; anyone but the
    interviewer is refused as every feedback page refuses them (_interview_for_writer)."""
    page = form_page(interview_id, reader_id=current_user.id)
    if page is None or not policy.can_write_feedback(current_user, page):
        _interview_for_writer(interview_id)  # refuses: 404, or 403 to whom may see the loop
        raise AssertionError("the interviewer alone may write the feedback")
    if page.own is not None and page.own.submitted:
        interview = _interview_for_writer(interview_id)
        feedback = own_feedback(interview, current_user)
        assert feedback is not None
        return _render_locked(interview, feedback)
    return _render_form(page, FormAnswers.of_draft(page.own))


def _refusals(interview: Interview, form: FeedbackForm) -> dict[type[DomainError], Callable]:
    """A save refused: incomplete, each problem next to its field (422); otherwise why, with the
    posted text kept (_render_refusal)."""

    def incomplete(error: IncompleteFeedback):
        for field_name, message in error.problems.items():
            form[field_name].errors = [*form[field_name].errors, message]
        return _render_posted(interview, form, status=error.status, problem=error.message)

    return {
        IncompleteFeedback: incomplete,
        DomainError: lambda error: _render_refusal(interview, form, error),
    }


def _render_refusal(interview: Interview, form: FeedbackForm, error: DomainError):
    """Show why the save was refused with the posted text kept: on the locked page when the
    feedback is already submitted, else on the form (now carrying the current version, so a
    deliberate second save goes through)."""
    current = own_feedback(interview, current_user)
    if current is not None and current.submitted:
        return _render_locked(
            interview, current, status=error.status, problem=error.message, unsaved=form
        )
    if isinstance(error, Conflict):
        form.version.data = current.version if current is not None else 0
        form.version.raw_data = [str(form.version.data)]
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    return _render_posted(interview, form, status=error.status, problem=error.message)


@bp.route("/interviews/<int:interview_id>/feedback/draft.json", methods=["POST"])
@csrf.exempt
@login_required
def autosave(interview_id: int):
    """Save the draft from the page's script; answers JSON: the new version, when it was saved,
    and fresh quality hints. An expired token gets a fresh one back (400) to retry with."""
    interview = _interview_for_writer(interview_id)
    form = feedback_form(interview.principles)
    if not form.validate():
        if form.csrf_failed:
            return jsonify(error="csrf", message=CSRF_EXPIRED, csrf_token=generate_csrf()), 400
        first: list = next(iter(form.errors.values()), [])
        message = (
            f"Not saved: {first[0]}"
            if first and isinstance(first[0], str)
            else "Some fields are not valid; use Save draft to see which."
        )
        return jsonify(error="invalid", message=message, fields=form.errors), 400
    now = clock.now()
    try:
        feedback = save_draft(
            interview,
            form.content(),
            expected_version=form.version.data,
            actor=current_user,
            now=now,
        )
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=type(error).__name__.lower(), message=error.message), error.status
    db.session.commit()
    hints = feedback_hints(
        evidence=form.evidence_texts(),
        summary=form.summary.data or "",
        min_words=current_settings().min_evidence_words,
    )
    return jsonify(
        version=feedback.version,
        saved_at=feedback.updated_at.isoformat(),
        message=f"Draft saved at {local_time(feedback.updated_at, pattern='%H:%M')}.",
        hints=[hint.as_dict() for hint in hints],
    )


@bp.route("/interviews/<int:interview_id>/feedback/addenda", methods=["POST"])
@csrf.exempt
@login_required
def addendum(interview_id: int):
    """Append an addendum to the user's submitted feedback. Refusals keep the text on the page."""
    interview = _interview_for_writer(interview_id)
    feedback = own_feedback(interview, current_user)
    if feedback is None or not feedback.submitted:
        flash("Addenda follow submitted feedback; until then, edit your draft.", "warning")
        return redirect(url_for("feedback.write", interview_id=interview.id))
    form = AddendumForm()
    if not form.validate():
        problem = CSRF_EXPIRED if "csrf_token" in form.errors else None
        return _render_locked(interview, feedback, addendum_form=form, status=400, problem=problem)

    def refused(error: DomainError):
        current = own_feedback(interview, current_user)
        assert current is not None
        form.body.errors = [*form.body.errors, error.message]
        return _render_locked(
            interview, current, addendum_form=form, status=error.status, problem=error.message
        )

    return act(
        form,
        lambda: add_addendum(feedback, form.body.data, actor=current_user, now=clock.now()),
        validate=False,
        page=lambda status: _render_locked(interview, feedback, addendum_form=form, status=status),
        answers={DomainError: refused},
        done="Addendum added.",
        then=url_for("feedback.write", interview_id=interview.id),
    )


@bp.route("/loops/<int:loop_id>/feedback")
@login_required
def loop_feedback(loop_id: int):
    """The loop's feedback: who has submitted (everyone on the loop sees the counts), and the
    submitted feedback itself for those independence allows — on the panel, only after
    submitting their own."""
    loop = load_or_404(Loop, loop_id, check=policy.can_view_loop, options=PANEL)
    feedback = readable_feedback(current_user, loop)
    own_interview = next((i for i in loop.interviews if i.interviewer_id == current_user.id), None)
    return render_template(
        "feedback/loop.html",
        loop=loop,
        states=submission_states(loop, now=clock.now()),
        progress=panel_progress(loop),
        shown=[item for item in feedback if item.submitted],
        own=next((item for item in feedback if item.author_id == current_user.id), None),
        own_interview=own_interview,
        can_read_panel=policy.can_view_panel_feedback(current_user, loop),
    )
