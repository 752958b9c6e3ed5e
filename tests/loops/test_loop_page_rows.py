"""The loop page reads its loop as plain rows (loops.loop_page) and writes its state moves' forms
out. The rows answer the policy predicates exactly as the loop does, and the written-out forms
are the forms' own drawing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from feedback.writing import after_interviews, submit_for
from flask import get_template_attribute

from barraiser import policy
from barraiser.audit.services import events_for, record
from barraiser.auth.models import Role, UserRole
from barraiser.debrief.services import open_debrief
from barraiser.extensions import db
from barraiser.feedback.queries import PanelProgress, panel_progress
from barraiser.loops.forms import CancelForm, ScheduleForm, VersionForm
from barraiser.loops.loop_page import read_loop_page
from barraiser.loops.models import Loop


def _people(built, make_user):
    return {
        "bar raiser": built.bar_raiser,
        "panelist": built.interviewers[1],
        "shadow": built.shadow,
        "hiring manager": built.hiring_manager,
        "recruiter": make_user(roles=(Role.RECRUITER,)),
        "admin": make_user(roles=(Role.ADMIN,)),
        "outsider": make_user(),
    }


def _answers(user, loop) -> dict[str, object]:
    return {
        "can_view_loop": policy.can_view_loop(user, loop),
        "is_on_panel": policy.is_on_panel(user, loop),
        "can_view_panel_feedback": policy.can_view_panel_feedback(user, loop),
        "can_view_debrief": policy.can_view_debrief(user, loop),
        "own_feedback_submitted": policy.own_feedback_submitted(user, loop),
        "writes": [policy.can_write_feedback(user, i) for i in loop.interviews],
        **{
            action: policy.can_see_event_details(user, action, loop)
            for action in sorted(policy.SEALED_EVENT_ACTIONS)
        },
    }


@pytest.mark.parametrize("stage", ["scheduled", "some submitted", "debrief"])
def test_the_page_rows_answer_every_predicate_as_the_loop_does(make_loop, make_user, clock, stage):
    built = make_loop(panel_size=4, with_shadow=True)
    people = _people(built, make_user)
    # A panelist who is also a recruiter: still sealed until their own feedback is in.
    people["panelist"].role_rows.append(UserRole(role=Role.RECRUITER))
    db.session.commit()
    if stage != "scheduled":
        clock.set(after_interviews(built) + timedelta(hours=1))
        for interview in built.loop.interviews:
            if interview.interviewer_id != people["panelist"].id:
                submit_for(interview, clock())
    if stage == "debrief":
        open_debrief(
            built.loop, reason="The candidate flies home.", actor=built.bar_raiser, now=clock()
        )
    db.session.commit()
    loop = db.session.get(Loop, built.loop.id)
    page = read_loop_page(loop.id)
    assert page is not None
    assert PanelProgress(**page.feedback_counts()) == panel_progress(loop)
    assert [i.id for i in page.interviews] == [i.id for i in loop.interviews]
    assert [[p.name for p in i.principles] for i in page.interviews] == [
        [p.name for p in i.principles] for i in loop.interviews
    ]
    assert [p.id for p in page.required_principles] == [
        p.id for p in loop.requisition.required_principles
    ]
    for who, user in people.items():
        assert _answers(user, page) == _answers(user, loop), who
        assert page.own_feedback_submitted(user.id) == policy.own_feedback_submitted(user, loop)


def test_a_loop_that_is_not_there_has_no_page(app):
    assert read_loop_page(123456) is None


@pytest.mark.parametrize("form_class", [VersionForm, ScheduleForm])
def test_the_written_out_version_fields_are_the_forms_own(app, monkeypatch, form_class):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.test_request_context("/"):
        draw = get_template_attribute("loops/macros.html", "version_fields")
        written = str(draw(None, 7))
        assert written == str(draw(form_class(formdata=None, version=7), 7))
        assert 'name="csrf_token"' in written and 'value="7"' in written


def test_the_written_out_cancel_form_is_the_forms_own(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.test_request_context("/"):
        draw = get_template_attribute("loops/macros.html", "cancel_fields")
        written = str(draw(None, 3))
        assert written == str(draw(CancelForm(formdata=None, version=3), 3))
        assert 'name="reason"' in written and 'value="3"' in written


def test_a_refused_cancel_comes_back_with_its_reason_and_error(make_loop, login_as):
    loop = make_loop().loop
    recruiter = login_as("recruiter")
    response = recruiter.post(
        f"/loops/{loop.id}/cancel", data={"version": str(loop.version), "reason": "x" * 2001}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and "x" * 2001 in page


def test_the_page_draws_times_state_and_principles_as_the_macros_do(app, make_loop, login_as):
    loop = make_loop(panel_size=3, with_shadow=True).loop
    record("loop.panel_changed", actor=None, subject=loop, now=loop.created_at, changes=["x"])
    db.session.commit()
    page = login_as("recruiter").get(f"/loops/{loop.id}").get_data(as_text=True)
    with app.test_request_context("/"):
        when = get_template_attribute("macros.html", "when")
        state_badge = get_template_attribute("loops/macros.html", "state_badge")
        principle_list = get_template_attribute("loops/macros.html", "principle_list")
        assert f'<dd class="col-sm-9">{when(loop.first_interview_at)}</dd>' in page
        assert f"· {state_badge(loop.state)}</p>" in page
        for interview in loop.interviews:
            assert f'<td class="text-nowrap">{when(interview.starts_at)}</td>' in page
            assert f"<td>{principle_list(interview.principles)}</td>" in page
        for event in events_for(loop):
            assert f"{when(event.at)} · " in page
