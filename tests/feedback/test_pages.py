"""The feedback pages' other promises: the autosave endpoint, the loop page's counts for everyone
on the loop, and a fixed number of SQL queries whatever the size of the panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from feedback.writing import after_interviews, form_data, submit_for

from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.loops.models import InterviewPrinciple


def _autosave(client, interview, **fields):
    return client.post(
        f"/interviews/{interview.id}/feedback/draft.json", data=form_data(interview, **fields)
    )


def test_autosave_saves_the_draft_and_answers_with_the_new_version_and_hints(
    built, login_as, clock
):
    interview = built.panel[1]
    client = login_as(interview.interviewer)
    saved = _autosave(client, interview, words=10, marker="Auto")
    assert saved.status_code == 200
    assert saved.json["version"] == 1
    assert saved.json["saved_at"] == clock().isoformat()
    assert saved.json["message"] == f"Draft saved at {clock():%H:%M} UTC."
    assert any(hint["kind"] == "short" for hint in saved.json["hints"])
    feedback = db.session.scalar(sa.select(Feedback))
    assert feedback.ratings[0].evidence.startswith("Auto ")

    again = _autosave(client, interview, version=1, words=40, marker="Auto")
    assert again.json["version"] == 2
    assert not any(hint["kind"] == "short" for hint in again.json["hints"])


def test_autosave_from_a_stale_page_is_a_409_in_json(built, login_as):
    interview = built.panel[1]
    client = login_as(interview.interviewer)
    _autosave(client, interview)
    stale = _autosave(client, interview, marker="Stale")
    assert stale.status_code == 409
    assert "another window" in stale.json["message"]


def test_autosave_after_submitting_is_refused(over, login_as):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    submit_for(interview, over.panel[-1].ends_at)
    refused = _autosave(client, interview, version=1)
    assert refused.status_code == 409
    assert "already submitted" in refused.json["message"]


def test_autosave_refuses_bad_input_in_json(built, login_as):
    interview = built.panel[1]
    data = form_data(interview)
    data["vote"] = "maybe"
    response = login_as(interview.interviewer).post(
        f"/interviews/{interview.id}/feedback/draft.json", data=data
    )
    assert response.status_code == 400
    assert "vote" in response.json["fields"]
    assert db.session.scalar(sa.select(Feedback)) is None


def test_the_loop_page_shows_counts_to_everyone_on_the_loop(over, login_as):
    submit_for(over.panel[1], after_interviews(over))
    for person in (over.hiring_manager, over.bar_raiser, over.interviewers[2]):
        page = login_as(person).get(f"/loops/{over.loop.id}/feedback").get_data(as_text=True)
        assert "1 of 4 submitted" in page


def test_the_loop_detail_page_carries_the_feedback_status(over, login_as):
    submit_for(over.panel[1], after_interviews(over))
    page = login_as(over.interviewers[2]).get(f"/loops/{over.loop.id}").get_data(as_text=True)
    assert "Panel feedback: 1 of 4 submitted" in page
    assert f"/interviews/{over.panel[2].id}/feedback" in page  # their own form, one click away


def _sized_loop(make_loop, clock, size: int, tag: str):
    built = make_loop(panel_size=size, with_shadow=True, tag=tag)
    clock.set(after_interviews(built) + timedelta(minutes=1))
    for interview in built.loop.interviews:
        submit_for(interview, clock())
    return built


@pytest.mark.parametrize("page", ["loop feedback", "form", "locked", "home"])
def test_pages_run_a_fixed_number_of_queries_whatever_the_panel_size(
    make_loop, clock, login_as, count_queries, page
):
    counts = []
    for size, tag in ((3, "s"), (7, "l")):
        built = _sized_loop(make_loop, clock, size, tag)
        if page == "form":
            # A draft loop of the same size: the form shows before anything is submitted.
            fresh = make_loop(panel_size=size, tag=tag + "f")
            interview, user = fresh.panel[1], fresh.interviewers[1]
        else:
            interview, user = built.panel[1], built.interviewers[1]
        url = {
            "loop feedback": f"/loops/{built.loop.id}/feedback",
            "form": f"/interviews/{interview.id}/feedback",
            "locked": f"/interviews/{interview.id}/feedback",
            "home": "/",
        }[page]
        client = login_as(user)
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        counts.append(counted.count)
    assert counts[0] == counts[1], counts


def test_the_form_runs_the_same_queries_for_one_principle_or_three(
    make_loop, login_as, count_queries
):
    counts = []
    for extra, tag in ((0, "one"), (2, "three")):
        built = make_loop(panel_size=6, tag=tag)
        interview, user = built.panel[1], built.interviewers[1]
        # Move the principles of the last interviews onto this one.
        for donor in built.panel[-extra:] if extra else []:
            assignment = donor.assignments[0]
            principle = assignment.principle
            donor.assignments.remove(assignment)
            db.session.flush()
            interview.assignments.append(
                InterviewPrinciple(principle=principle, position=len(interview.assignments))
            )
        db.session.commit()
        client = login_as(user)
        client.post(f"/interviews/{interview.id}/feedback", data=form_data(interview))
        with count_queries() as counted:
            page = client.get(f"/interviews/{interview.id}/feedback")
        assert page.status_code == 200
        assert page.get_data(as_text=True).count("Evidence for ") == 1 + extra
        counts.append(counted.count)
    assert counts[0] == counts[1], counts


def test_shadow_feedback_uses_the_same_form_and_is_marked_as_shadow(make_loop, clock, login_as):
    built = make_loop(with_shadow=True)
    shadow = next(interview for interview in built.loop.interviews if interview.is_shadow)
    clock.set(after_interviews(built))
    client = login_as(built.shadow)
    form = client.get(f"/interviews/{shadow.id}/feedback").get_data(as_text=True)
    assert "not counted as a panel vote" in form
    assert "Submit and lock" in form
    response = client.post(
        f"/interviews/{shadow.id}/feedback", data=form_data(shadow, action="submit")
    )
    assert response.status_code == 302
    page = login_as("recruiter").get(f"/loops/{built.loop.id}/feedback").get_data(as_text=True)
    assert "Shadow — not counted as a panel vote" in page
    assert "0 of 4 submitted" in page  # the panel count leaves the shadow out
    assert "shadow: 1 of 1" in page
