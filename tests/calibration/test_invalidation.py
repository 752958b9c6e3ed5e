"""The report's cache lives as long as what the report reads is unchanged: a login and a draft's
autosave leave it in place; a decision, a veto, a performance rating, an import and an erasure
each end it, in their own transaction. Servers configured with one Redis share their entries."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from calibration.report_data import not_built, servers_sharing_redis
from conftest import login
from debrief.panel_feedback import submit_panel_feedback

from barraiser import create_app
from barraiser.calibration import cache
from barraiser.calibration import report as report_module
from barraiser.calibration.queries import ReportFilters
from barraiser.calibration.report import calibration_report
from barraiser.changes import REPORT_DATA, current
from barraiser.debrief import services as debrief
from barraiser.domain import Outcome, Vote
from barraiser.extensions import db
from barraiser.feedback.services import FeedbackContent, RatingInput, save_draft
from barraiser.history.services import import_history
from barraiser.outbox.models import OutboxMessage
from barraiser.privacy.services import erase_candidate
from barraiser.settings.services import change_settings, current_settings
from barraiser.surveys.models import Question
from barraiser.surveys.services import answer_survey, queue_surveys

HISTORY_CSV = Path(__file__).parent.parent / "history" / "samples" / "greenhouse-history.csv"
VOTES = (Vote.INCLINED_NO_HIRE, Vote.STRONG_HIRE, Vote.INCLINED_HIRE, Vote.STRONG_NO_HIRE)


def _filters(clock) -> ReportFilters:
    today = clock().date()
    return ReportFilters(since=today - timedelta(days=89), until=today + timedelta(days=30))


@pytest.fixture
def cached(app):
    cache.clear()
    app.config["CALIBRATION_CACHE_SECONDS"] = 300
    yield
    app.config["CALIBRATION_CACHE_SECONDS"] = 0
    cache.clear()


@pytest.fixture
def in_debrief(make_loop, clock):
    built = make_loop()
    clock.advance(days=1, hours=6)
    submit_panel_feedback(built, VOTES, clock())
    clock.advance(hours=1)
    debrief.open_debrief(built.loop, actor=built.bar_raiser, now=clock())
    db.session.commit()
    return built


def _decide(built, clock, proposal: Outcome, verdict: str) -> None:
    clock.advance(minutes=20)
    debrief.propose(
        built.loop,
        decision=proposal,
        rationale="Strong on ownership, thin on depth.",
        early_reason="The candidate flies home tonight.",
        actor=built.hiring_manager,
        now=clock(),
    )
    if verdict == "veto":
        debrief.veto(
            built.loop,
            rationale="Below the bar on depth.",
            principle_ids=[built.panel[0].principles[0].id],
            actor=built.bar_raiser,
            now=clock(),
        )
    else:
        debrief.concur(built.loop, actor=built.bar_raiser, now=clock())
    db.session.commit()


def test_a_login_and_a_draft_autosave_keep_the_cached_report(
    app, cached, make_loop, in_debrief, clock, monkeypatch
):
    scheduled = make_loop(tag="-next")
    _decide(in_debrief, clock, Outcome.HIRE, "concur")
    built = calibration_report(_filters(clock), now=clock())
    before = current(REPORT_DATA)
    monkeypatch.setattr(report_module, "fetch_rows", not_built)

    assert login(app.test_client(), scheduled.interviewers[1]).status_code == 302
    interview = scheduled.panel[1]
    for version, text in enumerate(("First notes", "First notes, more")):
        save_draft(
            interview,
            FeedbackContent(ratings={p.id: RatingInput(None, text) for p in interview.principles}),
            expected_version=version,
            actor=interview.interviewer,
            now=clock(),
        )
        db.session.commit()

    assert current(REPORT_DATA) == before
    assert calibration_report(_filters(clock), now=clock())["interviewers"] == built["interviewers"]


def _rate(built, clock) -> None:
    _decide(built, clock, Outcome.HIRE, "concur")
    yield
    debrief.record_hire_performance(
        built.loop, rating=4, rated_on=clock().date(), actor=built.hiring_manager, now=clock()
    )
    db.session.commit()


def _erase(built, clock):
    _decide(built, clock, Outcome.NO_HIRE, "concur")
    yield
    erase_candidate(built.loop.candidate, actor=None, now=clock())
    db.session.commit()


def _import(built, clock):
    yield
    import_history(HISTORY_CSV.read_bytes(), file_name=HISTORY_CSV.name, now=clock())
    db.session.commit()


def _survey_answer(built, clock):
    admin = built.hiring_manager
    change_settings(current_settings().replace(candidate_survey=True), actor=admin, now=clock())
    _decide(built, clock, Outcome.HIRE, "concur")
    clock.advance(hours=1)
    queue_surveys(now=clock())
    db.session.commit()
    body = db.session.scalar(
        sa.select(OutboxMessage.body).where(OutboxMessage.kind == "candidate_survey")
    )
    token = re.search(r"/survey/([A-Za-z0-9_-]{43})", body).group(1)
    yield
    answer_survey(token, answers=dict.fromkeys(Question, 4), comment="", now=clock())
    db.session.commit()


def _then(change):
    """A change that needs nothing first, as a two-step generator like the others."""

    def steps(built, clock):
        yield
        change(built, clock)

    return steps


CHANGES = {
    "a decision": _then(lambda built, clock: _decide(built, clock, Outcome.HIRE, "concur")),
    "a veto": _then(lambda built, clock: _decide(built, clock, Outcome.HIRE, "veto")),
    "a performance rating": _rate,
    "an import": _import,
    "an erasure": _erase,
    "a candidate's survey answer": _survey_answer,
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_change_to_what_the_report_reads_ends_the_cached_report(
    app, cached, in_debrief, clock, monkeypatch, change
):
    steps = CHANGES[change](in_debrief, clock)
    next(steps)  # what must come first (a decision before a rating or an erasure)
    before_report = calibration_report(_filters(clock), now=clock())
    before = current(REPORT_DATA)
    with pytest.raises(StopIteration):
        next(steps)
    assert current(REPORT_DATA) > before
    # The next report is built again from the rows.
    fetched = []
    fetch = report_module.fetch_rows
    monkeypatch.setattr(
        report_module, "fetch_rows", lambda *a, **k: fetched.append(1) or fetch(*a, **k)
    )
    after = calibration_report(_filters(clock), now=clock())
    assert fetched == [1]
    if change in ("a decision", "a veto"):  # (the imported loops lie outside the period)
        assert after["decided"] > before_report["decided"]


def test_two_servers_with_one_redis_share_the_built_report(app, in_debrief, clock, monkeypatch):
    config = servers_sharing_redis(app)
    _decide(in_debrief, clock, Outcome.HIRE, "concur")
    # A fresh period per run: entries of earlier runs on this database never match.
    filters = ReportFilters(
        since=date(2000, 1, 1) + timedelta(days=uuid.uuid4().int % 5000), until=clock().date()
    )
    first, second = create_app(config), create_app(config)
    with first.app_context():
        built = calibration_report(filters, now=clock())
        db.session.commit()
        db.engine.dispose()
    monkeypatch.setattr(report_module, "fetch_rows", not_built)
    with second.app_context():
        served = calibration_report(filters, now=clock())
        db.session.commit()
        db.engine.dispose()
    assert served["interviewers"] == built["interviewers"] and served["loops"] == built["loops"]
    assert first.extensions[cache.EXTENSION] is not second.extensions[cache.EXTENSION]


def test_a_server_never_serves_its_own_copy_of_a_shared_report_after_a_change(
    app, in_debrief, clock, monkeypatch
):
    """Each server keeps in memory the shared entries it has read; after a change, it serves
    the report another server built since from the shared store, never its own old copy."""
    config = servers_sharing_redis(app)
    filters = ReportFilters(
        since=date(2000, 1, 1) + timedelta(days=uuid.uuid4().int % 5000), until=clock().date()
    )
    first, second = create_app(config), create_app(config)

    def report_of(server):
        with server.app_context():
            report = calibration_report(filters, now=clock())
            db.session.commit()
            db.engine.dispose()
        return report

    before = report_of(first)
    _decide(in_debrief, clock, Outcome.HIRE, "concur")  # through a third server
    shared = report_of(second)
    monkeypatch.setattr(report_module, "fetch_rows", not_built)
    after = report_of(first)
    assert before["decided"] + 1 == after["decided"] == shared["decided"]
