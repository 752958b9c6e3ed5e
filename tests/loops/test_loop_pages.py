"""Building, changing and moving a loop through its pages, as a recruiter does."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from loops.cases import BROKEN

from barraiser.domain import FeedbackState, LoopState, Outcome, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.loops.models import Interview, Loop
from barraiser.loops.services import create_loop


def _new_loop_form(org, plan, panel_form, **options):
    return panel_form(
        plan, candidate_id=org.candidate.id, requisition_id=org.requisition.id, **options
    )


def _loops() -> list[Loop]:
    return list(db.session.scalars(sa.select(Loop)))


@pytest.fixture
def recruiter(org, login_as):
    return login_as(org.recruiter)


@pytest.fixture
def draft(org, clock) -> Loop:
    loop = create_loop(
        candidate_id=org.candidate.id,
        requisition_id=org.requisition.id,
        panel=org.plan(),
        actor=org.recruiter,
        now=clock(),
    )
    db.session.commit()
    return loop


def test_the_new_loop_form_offers_rows_and_the_right_people(org, recruiter):
    page = recruiter.get(f"/loops/new?candidate={org.candidate.id}").get_data(as_text=True)
    assert page.count('name="interviews-') >= 5 * 4
    bar_raiser_select = re.search(r'<select[^>]*name="bar_raiser_id".*?</select>', page, re.S)
    assert "Bea Raiser" in bar_raiser_select.group(0)
    assert "Ulla Plain" not in bar_raiser_select.group(0)  # not certified
    shadow_select = re.search(r'<select[^>]*name="shadow_id".*?</select>', page, re.S)
    assert "Tess Trainee" in shadow_select.group(0)
    assert f'<option selected value="{org.candidate.id}">' in page


def test_a_valid_loop_is_created_as_a_draft(org, recruiter, panel_form):
    response = recruiter.post("/loops/new", data=_new_loop_form(org, org.plan(), panel_form))
    assert response.status_code == 302, response.get_data(as_text=True)
    (loop,) = _loops()
    assert response.headers["Location"] == f"/loops/{loop.id}"
    page = recruiter.get(f"/loops/{loop.id}").get_data(as_text=True)
    assert "Casey Candidate for Senior Engineer" in page
    assert "created the loop (4 interviews)" in page
    assert loop.state is LoopState.DRAFT


@pytest.mark.parametrize(
    ("breaks", "key", "message"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_each_broken_rule_shows_next_to_its_field(
    org, recruiter, panel_form, error_of, breaks, key, message
):
    plan = breaks(org, org.plan())
    message = message.format(required1=org.required[1].name, required3=org.required[3].name)
    response = recruiter.post("/loops/new", data=_new_loop_form(org, plan, panel_form))
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 422)
    shown = error_of(page, key) if key != "interviews" else _panel_problems(page)
    assert message in shown, shown or page
    assert _loops() == []


def _panel_problems(page: str) -> str:
    """The problems listed for the panel as a whole, at the top of the editor."""
    match = re.search(
        r'<div class="alert alert-danger" role="alert" id="panel-problems">(.*?)</div>', page, re.S
    )
    return html.unescape(match.group(1)) if match else ""


def test_a_closed_requisition_is_refused_next_to_its_field(org, recruiter, panel_form, error_of):
    recruiter.post(f"/requisitions/{org.requisition.id}/close")
    response = recruiter.post("/loops/new", data=_new_loop_form(org, org.plan(), panel_form))
    assert response.status_code == 422
    assert "is closed; reopen it or pick an open one" in error_of(
        response.get_data(as_text=True), "requisition_id"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("interviews-0-interviewer_id", "abc"),
        ("interviews-0-starts_at", "next tuesday"),
        ("interviews-0-duration_minutes", "an hour"),
        ("interviews-0-principle_ids", "x"),
        ("bar_raiser_id", "'; drop table loop"),
        ("candidate_id", "-"),
    ],
)
def test_garbage_in_the_form_is_a_400_and_saves_nothing(org, recruiter, panel_form, field, value):
    data = _new_loop_form(org, org.plan(), panel_form)
    data[field] = value
    response = recruiter.post("/loops/new", data=data)
    assert response.status_code == 400
    assert _loops() == []


def test_a_half_filled_row_says_what_is_missing(org, recruiter, panel_form, error_of):
    data = _new_loop_form(org, org.plan(), panel_form)
    data["interviews-4-principle_ids"] = [str(org.spare[0].id)]
    response = recruiter.post("/loops/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Pick the interviewer, or clear this row." in error_of(
        page, "interviews-4-interviewer_id"
    )
    assert "Give the start time." in error_of(page, "interviews-4-starts_at")


def test_add_another_interview_adds_a_row_and_saves_nothing(org, recruiter, panel_form):
    data = _new_loop_form(org, org.plan(), panel_form, rows=6)
    data["add_row"] = "Add another interview"
    del data["submit"]
    response = recruiter.post("/loops/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="interviews-6-interviewer_id"' in page
    assert 'name="interviews-7-interviewer_id"' not in page
    assert _loops() == []


def _selected(page: str, name: str) -> list[str]:
    """The options chosen in a select, or the boxes ticked in a group of checkboxes."""
    select = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', page, re.S)
    if select is None:
        boxes = re.findall(rf'<input checked[^>]*name="{re.escape(name)}"[^>]*>', page)
        return [re.search(r'value="([^"]*)"', box).group(1) for box in boxes]
    return re.findall(r'<option selected value="([^"]*)"', select.group(0))


def test_suggest_splits_the_principles_and_proposes_the_least_loaded_bar_raiser(
    org, recruiter, panel_form, make_loop
):
    # Bea leads a loop next week; Omar leads none.
    busy = make_loop(tag="x")
    busy.loop.bar_raiser_id = org.bar_raiser.id
    busy.loop.interviews[0].interviewer_id = org.bar_raiser.id
    busy.loop.interviews[0].starts_at = org.slot(24 * 7)
    busy.loop.first_interview_at = org.slot(24 * 7)
    busy.bar_raiser.active = False  # the builder's own Bar Raiser is out of the picture
    db.session.commit()
    plan = org.plan(bar_raiser_id=None)
    plan = type(plan)(
        bar_raiser_id=None,
        interviews=tuple(
            type(i)(i.interviewer_id, i.starts_at, 60, ()) for i in plan.interviews[1:]
        ),
    )
    data = _new_loop_form(org, plan, panel_form)
    data["suggest"] = "Suggest"
    del data["submit"]
    response = recruiter.post("/loops/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    listed = re.search(r'<ol class="mb-0" id="eligible-bar-raisers">(.*?)</ol>', page, re.S).group(
        1
    )
    assert listed.index("Omar Other") < listed.index("Bea Raiser")
    assert "Ines Inside" not in listed  # in Payments
    assert _selected(page, "bar_raiser_id") == [str(org.other_bar_raiser.id)]
    # Omar joins the panel in the first free row; four people, four principles, one each.
    assert _selected(page, "interviews-3-interviewer_id") == [str(org.other_bar_raiser.id)]
    dealt = [_selected(page, f"interviews-{row}-principle_ids") for row in range(4)]
    assert sorted(p for row in dealt for p in row) == sorted(str(p.id) for p in org.required)
    assert all(len(row) == 1 for row in dealt)
    assert _loops() == [busy.loop]


def test_edit_panel_shows_the_loop_and_saves_a_change(org, recruiter, draft, panel_form):
    page = recruiter.get(f"/loops/{draft.id}/panel").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page
    assert _selected(page, "interviews-1-interviewer_id") == [str(org.interviewers[0].id)]
    moved = org.with_interview(org.plan(), 3, starts_at=org.slot(6))
    response = recruiter.post(f"/loops/{draft.id}/panel", data=panel_form(moved, version=1))
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.version == 2
    history = recruiter.get(f"/loops/{draft.id}").get_data(as_text=True)
    assert "changed the panel: moved Panelist 3 to 2026-03-03 15:00 UTC" in history


def test_a_stale_panel_form_is_a_409(org, recruiter, draft, panel_form):
    moved = org.with_interview(org.plan(), 3, starts_at=org.slot(6))
    assert (
        recruiter.post(f"/loops/{draft.id}/panel", data=panel_form(moved, version=1)).status_code
        == 302
    )
    again = org.with_interview(org.plan(), 3, starts_at=org.slot(7))
    response = recruiter.post(f"/loops/{draft.id}/panel", data=panel_form(again, version=1))
    assert response.status_code == 409
    assert (
        "someone changed this loop since you opened it" in response.get_data(as_text=True).lower()
    )


def test_moving_an_interview_whose_feedback_is_submitted_is_refused_on_the_page(
    org, recruiter, draft, panel_form, clock
):
    interview = next(i for i in draft.interviews if i.interviewer_id == org.interviewers[2].id)
    before = (interview.starts_at, interview.duration_minutes)
    db.session.add(
        Feedback(
            interview_id=interview.id,
            author_id=interview.interviewer_id,
            state=FeedbackState.SUBMITTED,
            vote=Vote.INCLINED_NO_HIRE,
            raises_bar=False,
            summary="Vague on ownership.",
            created_at=clock(),
            updated_at=clock(),
            submitted_at=clock(),
        )
    )
    db.session.commit()
    moved = org.with_interview(org.plan(), 3, starts_at=org.slot(6))
    response = recruiter.post(f"/loops/{draft.id}/panel", data=panel_form(moved, version=1))
    assert response.status_code == 422
    assert (
        "Panelist 3 has submitted feedback for their interview; it cannot be moved."
        in html.unescape(_panel_problems(response.get_data(as_text=True)))
    )
    db.session.expire_all()
    kept = db.session.get(Loop, draft.id)
    assert kept.version == 1
    assert (
        db.session.get(Interview, interview.id).starts_at,
        db.session.get(Interview, interview.id).duration_minutes,
    ) == before


def test_a_broken_edit_shows_the_problem_next_to_the_field(
    org, recruiter, draft, panel_form, error_of
):
    broken = org.with_interview(org.plan(), 2, interviewer_id=org.junior.id)
    response = recruiter.post(f"/loops/{draft.id}/panel", data=panel_form(broken, version=1))
    assert response.status_code == 422
    assert "Jo Junior is level 4" in error_of(
        response.get_data(as_text=True), "interviews-2-interviewer_id"
    )


def test_schedule_then_back_to_draft_then_cancel(org, recruiter, draft):
    assert recruiter.post(f"/loops/{draft.id}/schedule", data={"version": "1"}).status_code == 302
    assert "scheduled" in recruiter.get(f"/loops/{draft.id}").get_data(as_text=True)
    assert recruiter.post(f"/loops/{draft.id}/unschedule", data={"version": "2"}).status_code == 302
    assert (
        recruiter.post(f"/loops/{draft.id}/cancel", data={"version": "3", "reason": ""}).status_code
        == 400
    )
    response = recruiter.post(
        f"/loops/{draft.id}/cancel", data={"version": "3", "reason": "Candidate withdrew."}
    )
    assert response.status_code == 302
    db.session.refresh(draft)
    assert (draft.state, draft.cancel_reason) == (LoopState.CANCELLED, "Candidate withdrew.")
    page = recruiter.get(f"/loops/{draft.id}").get_data(as_text=True)
    assert "Candidate withdrew." in page
    assert "moved it from scheduled to draft" in page


def test_scheduling_a_loop_that_broke_a_rule_reopens_the_editor(org, recruiter, draft, error_of):
    org.bar_raiser.department = "Payments"  # moved teams since the draft was saved
    db.session.commit()
    response = recruiter.post(f"/loops/{draft.id}/schedule", data={"version": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "cannot be scheduled until the problems marked below are fixed" in page
    assert "Bea Raiser works in Payments" in error_of(page, "bar_raiser_id")


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("schedule", {"version": "1"}),
        ("unschedule", {"version": "1"}),
        ("cancel", {"version": "1", "reason": "Too late."}),
        ("panel", None),
    ],
)
@pytest.mark.parametrize("state", [LoopState.DEBRIEF, LoopState.DECIDED, LoopState.CANCELLED])
def test_illegal_moves_are_refused_with_409(org, recruiter, draft, clock, action, data, state):
    draft.state = state
    if state is LoopState.CANCELLED:
        draft.cancel_reason = "Gone."
    if state is LoopState.DECIDED:
        draft.outcome, draft.decided_at = Outcome.NO_HIRE, clock()
    db.session.commit()
    if data is None:
        response = recruiter.get(f"/loops/{draft.id}/{action}")
    else:
        response = recruiter.post(f"/loops/{draft.id}/{action}", data=data)
    assert response.status_code == 409, response.get_data(as_text=True)
    db.session.refresh(draft)
    assert draft.state is state


def test_a_missing_or_stale_version_on_a_move_is_refused(org, recruiter, draft):
    assert recruiter.post(f"/loops/{draft.id}/schedule", data={}).status_code == 400
    assert recruiter.post(f"/loops/{draft.id}/schedule", data={"version": "x"}).status_code == 400
    assert recruiter.post(f"/loops/{draft.id}/schedule", data={"version": "9"}).status_code == 409
    db.session.refresh(draft)
    assert draft.state is LoopState.DRAFT


def test_the_loop_page_shows_the_panel_coverage_and_a_calendar_link_but_no_feedback(
    org, recruiter, draft
):
    page = recruiter.get(f"/loops/{draft.id}").get_data(as_text=True)
    for interview in draft.interviews:
        assert f"/loops/interviews/{interview.id}.ics" in page
    for principle in org.required:
        assert principle.name in page
    assert "Bar Raiser</span>" in page
    assert "vote" not in page.lower()


def test_the_calendar_file_names_the_principles_to_probe(org, login_as, draft):
    interview = draft.interviews[1]
    client = login_as(org.interviewers[0])
    response = client.get(f"/loops/interviews/{interview.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True).replace("\r\n ", "")
    assert "BEGIN:VEVENT" in body
    assert "DTSTART:20260303T100000Z" in body
    assert "DTEND:20260303T110000Z" in body
    assert org.required[1].name in body
    assert "STATUS:TENTATIVE" in body  # a draft is not confirmed yet
    assert f"UID:interview-{interview.id}@" in body
    assert "mailto:panel1@example.com" in body
