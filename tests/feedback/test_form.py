"""The feedback form as the interviewer uses it over HTTP: drafts, submitting, refusals that keep
the text, the locked page with addenda, and who may open it at all."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from feedback.writing import evidence, form_data

from barraiser.domain import FeedbackState, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Addendum, Feedback


def _url(interview) -> str:
    return f"/interviews/{interview.id}/feedback"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_form_shows_each_principle_with_its_description_rating_scale_and_the_bar_question(
    built, login_as
):
    interview = built.panel[1]
    principle = interview.principles[0]
    page = login_as(interview.interviewer).get(_url(interview))
    assert page.status_code == 200
    body = _text(page)
    assert principle.name in body
    assert principle.description in body
    for label in ("4 — Strong", "3 — Meets", "2 — Below", "1 — Weak"):
        assert label in body
    for vote in Vote:
        assert vote.label in body
    assert "better than half of the people in this role today" in body
    assert "Save draft" in body and "Submit and lock" in body
    assert 'data-autosave-url="/interviews/' in body
    assert "feedback.js" in body
    assert "has not started yet" in body  # the interview is tomorrow


def test_a_saved_draft_is_there_when_the_page_is_opened_again(built, login_as):
    interview = built.panel[1]
    client = login_as(interview.interviewer)
    data = form_data(interview, marker="Remembered", vote=Vote.STRONG_HIRE)
    response = client.post(_url(interview), data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == _url(interview)
    page = _text(client.get(_url(interview)))
    assert "Draft saved at" in page
    assert "Remembered Situation:" in page
    assert re.search(r'<input checked[^>]*value="strong_hire"', page)
    feedback = db.session.scalar(sa.select(Feedback))
    assert feedback.state is FeedbackState.DRAFT
    assert feedback.version == 1


def test_an_incomplete_submission_shows_what_is_missing_next_to_the_fields_and_keeps_the_text(
    over, login_as
):
    interview = over.panel[1]
    principle = interview.principles[0]
    client = login_as(interview.interviewer)
    data = form_data(interview, action="submit", words=12, marker="Keepme", vote=None)
    response = client.post(_url(interview), data=data)
    assert response.status_code == 422
    body = _text(response)
    assert f"Evidence for {principle.name} needs at least 30 words (it has 12)" in body
    assert "Choose your overall vote." in body
    assert "Keepme Situation:" in body
    assert 'aria-invalid="true"' in body
    assert db.session.scalar(sa.select(Feedback)) is None


def test_submitting_locks_the_feedback_and_opens_the_panel_feedback(over, login_as):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    response = client.post(_url(interview), data=form_data(interview, action="submit"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/loops/{over.loop.id}/feedback"
    assert "submitted and locked" in _text(client.get(response.headers["Location"]))
    locked = _text(client.get(_url(interview)))
    assert "Your feedback is submitted and locked" in locked
    assert "Add an addendum" in locked
    assert "Submit and lock" not in locked


def test_posting_to_submitted_feedback_is_a_conflict_that_keeps_the_posted_text(over, login_as):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    client.post(_url(interview), data=form_data(interview, action="submit", marker="First"))
    again = client.post(
        _url(interview), data=form_data(interview, version=1, action="submit", marker="Second")
    )
    assert again.status_code == 409
    body = _text(again)
    assert "This feedback was already submitted at" in body
    assert "Second Situation:" in body  # the text just sent, offered back
    feedback = db.session.scalar(sa.select(Feedback))
    db.session.refresh(feedback)
    assert feedback.ratings[0].evidence.startswith("First ")


def test_submitting_before_the_interview_started_is_refused_and_keeps_the_text(built, login_as):
    interview = built.panel[1]
    client = login_as(interview.interviewer)
    response = client.post(
        _url(interview), data=form_data(interview, action="submit", marker="Early")
    )
    assert response.status_code == 422
    body = _text(response)
    assert "once it has started" in body
    assert "Early Situation:" in body
    assert db.session.scalar(sa.select(Feedback)) is None


def test_a_second_window_saving_over_a_newer_draft_gets_409_then_may_save_deliberately(
    built, login_as
):
    interview = built.panel[1]
    client = login_as(interview.interviewer)
    assert (
        client.post(_url(interview), data=form_data(interview, marker="Laptop")).status_code == 302
    )
    stale = client.post(_url(interview), data=form_data(interview, marker="Phone"))
    assert stale.status_code == 409
    body = _text(stale)
    assert "saved from another window" in body
    assert "Phone Situation:" in body
    assert 'name="version" type="hidden" value="1"' in body
    again = client.post(_url(interview), data=form_data(interview, version=1, marker="Phone"))
    assert again.status_code == 302
    feedback = db.session.scalar(sa.select(Feedback))
    db.session.refresh(feedback)
    assert feedback.ratings[0].evidence.startswith("Phone ")


def test_addenda_are_added_below_the_locked_feedback(over, login_as, clock):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    client.post(_url(interview), data=form_data(interview, action="submit"))
    clock.advance(hours=3)
    response = client.post(_url(interview) + "/addenda", data={"body": "They also mentored two."})
    assert response.status_code == 302
    page = _text(client.get(_url(interview)))
    assert "They also mentored two." in page
    assert "2026-03-03" in page  # timestamped

    empty = client.post(_url(interview) + "/addenda", data={"body": ""})
    assert empty.status_code == 400
    assert "Write the addendum first." in _text(empty)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Addendum)) == 1


def test_an_addendum_before_submitting_sends_the_interviewer_back_to_the_draft(over, login_as):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    response = client.post(_url(interview) + "/addenda", data={"body": "Too early"})
    assert response.status_code == 302
    assert "edit your draft" in _text(client.get(_url(interview)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Addendum)) == 0


BAD_INPUT = {
    "rating out of range": {"rating_{p}": "7"},
    "rating not a number": {"rating_{p}": "abc"},
    "unknown vote": {"vote": "maybe"},
    "bar answer not yes or no": {"raises_bar": "perhaps"},
    "negative version": {"version": "-1"},
    "version not a number": {"version": "x"},
    "missing version": {"version": ""},
    "evidence too long": {"evidence_{p}": "word " * 5000},
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
@pytest.mark.parametrize("action", ["save_draft", "submit"])
def test_bad_input_is_a_400_that_changes_nothing(over, login_as, case, action):
    interview = over.panel[1]
    principle_id = interview.principles[0].id
    data = form_data(interview, action=action)
    for key, value in BAD_INPUT[case].items():
        data[key.format(p=principle_id)] = value
    response = login_as(interview.interviewer).post(_url(interview), data=data)
    assert response.status_code == 400
    assert "Please fix the" in _text(response)
    assert db.session.scalar(sa.select(Feedback)) is None


def test_an_unknown_interview_is_404(login_as):
    client = login_as("interviewer")
    assert client.get("/interviews/999999/feedback").status_code == 404
    assert client.post("/interviews/999999/feedback/draft.json").status_code == 404
    assert client.get("/loops/999999/feedback").status_code == 404


def _viewer(built, who, user_in_role, make_user):
    """The user `who` names, for the loop `built`."""
    people = {
        "the interviewer": lambda: built.interviewers[1],
        "another panelist": lambda: built.interviewers[2],
        "the bar raiser": lambda: built.bar_raiser,
        "the hiring manager": lambda: built.hiring_manager,
        "a recruiter": lambda: user_in_role("recruiter"),
        "an admin": lambda: user_in_role("admin"),
        "an inspector": lambda: user_in_role("inspector"),
        "an outsider": lambda: make_user("outsider@example.com"),
    }
    return people[who]()


ACCESS = {
    "the interviewer": 200,
    "another panelist": 403,
    "the bar raiser": 403,
    "the hiring manager": 403,
    "a recruiter": 403,
    "an admin": 403,
    "an inspector": 404,
    "an outsider": 404,
}


@pytest.mark.parametrize("who", list(ACCESS))
def test_only_the_interviewer_opens_the_form(built, login_as, user_in_role, make_user, who):
    interview = built.panel[1]
    client = login_as(_viewer(built, who, user_in_role, make_user))
    expected = ACCESS[who]
    assert client.get(_url(interview)).status_code == expected
    saved = 302 if expected == 200 else expected
    assert client.post(_url(interview), data=form_data(interview)).status_code == saved
    autosave = client.post(_url(interview) + "/draft.json", data=form_data(interview, version=1))
    assert autosave.status_code == expected
    if expected != 200:
        assert db.session.scalar(sa.select(Feedback)) is None


def test_every_feedback_page_needs_a_login(client, over):
    interview = over.panel[1]
    for method, url in (
        ("get", _url(interview)),
        ("post", _url(interview)),
        ("post", _url(interview) + "/draft.json"),
        ("post", _url(interview) + "/addenda"),
        ("get", f"/loops/{over.loop.id}/feedback"),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


# --- CSRF: a long session's expired token must not cost the text -------------------------------


@pytest.fixture
def csrf_on(app):
    """Turn CSRF checking on (after logging in, which the test client does without a token)."""

    def enable() -> None:
        app.config["WTF_CSRF_ENABLED"] = True

    yield enable
    app.config["WTF_CSRF_ENABLED"] = False


def _token(client, url) -> str:
    page = client.get(url).get_data(as_text=True)
    marker = 'name="csrf_token" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_an_expired_token_refuses_the_save_but_gives_the_text_back_with_a_fresh_token(
    over, login_as, csrf_on
):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    csrf_on()
    data = form_data(interview, action="submit", marker="Precious")
    data["csrf_token"] = "expired-or-forged"
    response = client.post(_url(interview), data=data)
    assert response.status_code == 400
    body = _text(response)
    assert "security token expired" in body
    assert "Precious Situation:" in body
    assert db.session.scalar(sa.select(Feedback)) is None
    # The fresh token on the re-rendered page saves it.
    marker = 'name="csrf_token" type="hidden" value="'
    start = body.index(marker) + len(marker)
    data["csrf_token"] = body[start : body.index('"', start)]
    assert client.post(_url(interview), data=data).status_code == 302
    assert db.session.scalar(sa.select(Feedback)).submitted


def test_the_json_draft_endpoint_checks_the_token_and_hands_back_a_fresh_one(
    over, login_as, csrf_on
):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    csrf_on()
    data = form_data(interview)
    refused = client.post(
        _url(interview) + "/draft.json", data=data, headers={"X-CSRFToken": "stale"}
    )
    assert refused.status_code == 400
    assert refused.json["error"] == "csrf"
    assert db.session.scalar(sa.select(Feedback)) is None
    data["csrf_token"] = refused.json["csrf_token"]
    accepted = client.post(_url(interview) + "/draft.json", data=data)
    assert accepted.status_code == 200
    assert accepted.json["version"] == 1


def test_a_valid_token_from_the_page_is_accepted(over, login_as, csrf_on):
    interview = over.panel[1]
    client = login_as(interview.interviewer)
    csrf_on()
    data = form_data(interview)
    data["csrf_token"] = _token(client, _url(interview))
    assert client.post(_url(interview), data=data).status_code == 302
    assert db.session.scalar(sa.select(Feedback)).version == 1


def test_evidence_words_are_counted_as_a_reader_counts_them(over, login_as):
    interview = over.panel[1]
    data = form_data(interview, action="submit")
    principle_id = interview.principles[0].id
    # Thirty words when punctuation and dashes are not counted as words.
    data[f"evidence_{principle_id}"] = " — ".join(evidence(30).split())
    response = login_as(interview.interviewer).post(_url(interview), data=data)
    assert response.status_code == 302
