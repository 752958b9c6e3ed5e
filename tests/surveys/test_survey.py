"""The candidate-experience survey: off by default; on, each decided loop's candidate gets one
email (even from two sweeps at once) with a link that works once and expires; the answers reach
the report in aggregate only (per interviewer from five answers, never a name) and the next
review as comments; they are exported and erased with the candidate."""

from __future__ import annotations

import re
from datetime import timedelta

import concurrency
import pytest
import sqlalchemy as sa
from calibration.report_data import decide

from barraiser.calibration.queries import ReportFilters
from barraiser.calibration.report import calibration_report
from barraiser.domain import MessageState, Outcome
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage
from barraiser.outbox.services import deliver_due
from barraiser.privacy.services import candidate_export, erase_candidate
from barraiser.reviews.models import Review
from barraiser.reviews.services import queue_due_reviews
from barraiser.settings.services import change_settings, current_settings
from barraiser.surveys.models import CandidateSurvey, Question
from barraiser.surveys.services import answer_survey, queue_surveys

LINK = re.compile(r"/survey/([A-Za-z0-9_-]{43})")
ANSWERS = {"fair": "5", "prepared": "4", "time_respected": "2", "comment": "The day ran late."}


@pytest.fixture
def survey_on(app, clock, user_in_role):
    admin = user_in_role("admin")
    change_settings(current_settings().replace(candidate_survey=True), actor=admin, now=clock())
    db.session.commit()
    return admin


def _decided(make_loop, clock, tag: str = ""):
    built = make_loop(starts_at=clock() - timedelta(days=2), tag=tag)
    decide(built, Outcome.HIRE)  # 26 h after the first interview: yesterday
    db.session.commit()
    return built


def _token(loop_id: int) -> str:
    body = db.session.scalar(sa.select(OutboxMessage.body).where(OutboxMessage.loop_id == loop_id))
    return LINK.search(body).group(1)


def test_the_survey_is_off_by_default_and_sent_once_when_on(app, make_loop, clock, user_in_role):
    built = _decided(make_loop, clock)
    assert queue_surveys(now=clock()) == 0 and db.session.scalar(sa.select(CandidateSurvey)) is None
    admin = user_in_role("admin")
    change_settings(current_settings().replace(candidate_survey=True), actor=admin, now=clock())
    assert queue_surveys(now=clock()) == 1
    db.session.commit()
    assert queue_surveys(now=clock()) == 0
    (message,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert (message.recipient_id, message.to_address, message.loop_id, message.kind) == (
        None,
        built.loop.candidate.email,
        built.loop.id,
        "candidate_survey",
    )
    assert "Casey" not in message.body and LINK.search(message.body)
    assert deliver_due(now=clock()).delivered == 1
    db.session.refresh(message)
    assert message.state is MessageState.SENT


def test_two_sweeps_at_once_survey_the_candidate_once(app, make_loop, clock, survey_on):
    built = _decided(make_loop, clock)
    results = concurrency.race(
        app, lambda: queue_surveys(now=clock()), lambda: queue_surveys(now=clock())
    )
    assert sorted(results) == [0, 1], results
    assert db.session.scalar(sa.select(sa.func.count(CandidateSurvey.id))) == 1
    messages = db.session.scalars(sa.select(OutboxMessage.loop_id)).all()
    assert messages == [built.loop.id]


def test_the_link_works_once_and_expires(app, client, make_loop, clock, survey_on):
    first = _decided(make_loop, clock, tag="a")
    second = _decided(make_loop, clock, tag="b")
    queue_surveys(now=clock())
    db.session.commit()
    url = f"/survey/{_token(first.loop.id)}"
    page = client.get(url)
    assert page.status_code == 200 and "Casey" not in page.get_data(as_text=True)
    assert client.post(url, data=ANSWERS).status_code == 200
    assert client.get(url).status_code == 410
    assert client.post(url, data={"fair": "1"}).status_code == 410
    survey = db.session.scalar(
        sa.select(CandidateSurvey).where(CandidateSurvey.loop_id == first.loop.id)
    )
    assert (survey.fair, survey.prepared, survey.time_respected, survey.comment) == (
        5,
        4,
        2,
        "The day ran late.",
    )
    assert client.get("/survey/" + "x" * 43).status_code == 404
    assert client.post(f"/survey/{_token(second.loop.id)}", data={"fair": "9"}).status_code == 400
    clock.advance(days=15)
    assert client.get(f"/survey/{_token(second.loop.id)}").status_code == 410


def test_answers_are_exported_and_erased_with_the_candidate(
    app, client, make_loop, clock, survey_on, login_as
):
    built = _decided(make_loop, clock)
    queue_surveys(now=clock())
    db.session.commit()
    token = _token(built.loop.id)
    client.post(f"/survey/{token}", data=ANSWERS)
    candidate, address = built.loop.candidate, built.loop.candidate.email
    (exported,) = candidate_export(candidate)["experience_surveys"]
    assert exported["comment"] == "The day ran late." and exported["fair"] == 5
    # The comment is an anecdote of the review that falls due next (no name beside it).
    inspector = login_as("inspector")
    clock.advance(minutes=1)
    queue_due_reviews(now=clock())
    db.session.commit()
    review = f"/reviews/{db.session.scalar(sa.select(Review.id))}"
    assert login_as(survey_on).post(f"{review}/open").status_code == 302  # admins chair
    comments = re.compile(r'data-testid="survey-comments">(.*?)</ul>', re.S)
    shown = comments.search(inspector.get(review).get_data(as_text=True)).group(1)
    assert "The day ran late." in shown and "Casey" not in shown
    erase_candidate(candidate, actor=survey_on, now=clock())
    db.session.commit()
    shown = comments.search(inspector.get(review).get_data(as_text=True)).group(1)
    assert "The day ran late." not in shown
    survey = db.session.scalar(sa.select(CandidateSurvey))
    db.session.refresh(survey)
    answers = (survey.fair, survey.prepared, survey.time_respected, survey.comment)
    assert answers == (None, None, None, "") and survey.token_hash is None
    assert client.get(f"/survey/{token}").status_code == 404
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "candidate_survey")
    )
    assert message.to_address == "[erased]" != address and token not in message.body


def _answered(make_loop, clock, count: int) -> None:
    for _ in range(count):
        built = _decided(make_loop, clock)  # the same panel every time
        queue_surveys(now=clock())
        db.session.commit()
        token = _token(built.loop.id)
        answer_survey(token, answers={q: 4 for q in Question}, comment="", now=clock())
        db.session.commit()


def test_four_answers_show_nothing_per_interviewer_and_five_do(
    app, make_loop, clock, survey_on, login_as
):
    period = ReportFilters(since=clock().date() - timedelta(days=30), until=clock().date())
    _answered(make_loop, clock, 4)
    survey = calibration_report(period, now=clock())["candidate_survey"]
    assert survey["answered"] == 4 and survey["questions"]["fair"]["n"] == 4
    assert survey["interviewers"] == [] and survey["interviewers_below_min_n"] == 4
    page = login_as("inspector").get("/calibration").get_data(as_text=True)
    section = re.search(r'id="candidate-survey">(.*?)</section>', page, re.S).group(1)
    assert "survey-interviewers" not in section and "Casey" not in section
    assert "4 of 4 surveyed candidates answered" in section

    _answered(make_loop, clock, 1)
    survey = calibration_report(period, now=clock())["candidate_survey"]
    assert [row["n"] for row in survey["interviewers"]] == [5, 5, 5, 5]
    assert "Casey" not in str(survey)
