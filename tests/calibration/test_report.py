"""The calibration report through the real SQL, on the small history of report_data.py whose
every number is worked out by hand in the comments below."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from calibration.report_data import add_loops_for_the_model, build_history, decide, panel_loop

from barraiser.calibration import queries
from barraiser.calibration.agreement import krippendorff_alpha
from barraiser.calibration.queries import ReportFilters, fetch_rows
from barraiser.calibration.report import calibration_report
from barraiser.calibration.rows import InterviewRow
from barraiser.domain import Outcome
from barraiser.extensions import db
from barraiser.feedback.models import PrincipleRating
from barraiser.loops.models import InterviewPrinciple
from barraiser.principles.models import Principle
from barraiser.principles.services import retire_principle
from barraiser.settings.services import change_settings, current_settings

TODAY = date(2026, 3, 2)  # the clock fixture's day
LAST_90_DAYS = ReportFilters(since=TODAY - timedelta(days=89), until=TODAY)


@pytest.fixture
def history(make_loop, clock):
    return build_history(make_loop, clock())


@pytest.fixture
def report(history, clock):
    return calibration_report(LAST_90_DAYS, now=clock())


def by_email(report) -> dict[str, dict]:
    return {row["email"]: row for row in report["interviewers"]}


def test_counts_loops_in_the_period_but_not_drafts_cancelled_or_older(report):
    # L1..L5; L6 started 120 days ago, L7 is cancelled.
    assert report["loops"] == 5
    assert report["decided"] == 4
    assert report["filters"] == {
        "since": "2025-12-03",
        "until": "2026-03-02",
        "department": None,
        "requisition": None,
        "votes_from": "decided loops only",
    }


def test_leniency_and_hire_lean_per_interviewer(report):
    rows = by_email(report)
    # panel1 voted 4 everywhere. Others' means: L1 (3+3+2)/3, L2 (2+2+1)/3, L3 (3+4+3)/3,
    # L4 (4+3+3)/3 -> differences 4/3, 7/3, 2/3, 2/3 -> mean 5/4. L5 is still in flight: its
    # votes are sealed, not read.
    assert rows["panel1@example.com"]["leniency"] == pytest.approx(1.25)
    assert rows["panel1@example.com"]["leniency_n"] == 4
    assert rows["panel1@example.com"]["hire_lean"] == 1.0
    # panel3 voted 2, 1, 3, 3 (L5 only a draft): 2-10/3, 1-8/3, 3-11/3, 3-11/3 -> -13/12.
    assert rows["panel3@example.com"]["leniency"] == pytest.approx(-13 / 12)
    assert rows["panel3@example.com"]["leniency_n"] == 4
    assert rows["panel3@example.com"]["hire_lean"] == 0.5  # 3, 3 of 2, 1, 3, 3
    # The Bar Raiser: 3-3, 2-7/3, 3-11/3, 4-10/3 -> (0 - 1/3 - 2/3 + 2/3) / 4.
    assert rows["br@example.com"]["leniency"] == pytest.approx(-1 / 12)
    assert rows["br@example.com"]["hire_lean"] == 0.75  # 3, 2, 3, 4


def test_agreement_with_decision(report):
    rows = by_email(report)
    # Decided: L1 hire, L2 no hire, L3 hire, L4 hire. panel1's 4s agree except on L2.
    assert rows["panel1@example.com"]["agreement_with_decision"] == 0.75
    assert rows["panel1@example.com"]["agreement_n"] == 4
    # panel3: 2 on a hire disagrees; 1 on the no hire, 3 and 3 on hires agree.
    assert rows["panel3@example.com"]["agreement_with_decision"] == 0.75
    # The Bar Raiser: 3 hire, 2 no hire, 3 hire, 4 hire: all agree.
    assert rows["br@example.com"]["agreement_with_decision"] == 1.0


def test_on_time_and_evidence(report):
    rows = by_email(report)
    # panel3 was 30 h late on L1, 2 h after the end on L2..L4.
    assert rows["panel3@example.com"]["on_time_rate"] == 0.75
    assert rows["panel3@example.com"]["median_hours_to_submit"] == 2.0
    assert rows["panel1@example.com"]["on_time_rate"] == 1.0
    # panel1 writes "asked, traced, fixed, measured" for each principle, panel2 nothing.
    assert rows["panel1@example.com"]["evidence_median_words"] == 4
    assert rows["panel1@example.com"]["evidence_rate"] == 1.0
    assert rows["panel2@example.com"]["evidence_median_words"] == 0
    assert rows["panel2@example.com"]["evidence_rate"] == 0.0


def test_only_the_lenient_interviewer_is_flagged(history, make_loop, clock):
    # With L5 decided and 36 more loops, the model has enough votes. panel1 votes a point
    # above each candidate's level: flagged, with the interval in the summary. panel3's raw
    # leniency (-0.68 over 22 loops) comes from the hand-made history's few loops, whose
    # candidates the model tells apart from panel3: its interval holds 0, so no flag.
    decide(history.loops["L5"], Outcome.HIRE)
    db.session.commit()
    add_loops_for_the_model(make_loop, clock())
    report = calibration_report(LAST_90_DAYS, now=clock())
    flagged = {row["email"]: row["flag_reasons"] for row in report["interviewers"]}
    assert flagged == {
        "br@example.com": [],
        "brx@example.com": [],
        "panel1@example.com": ["lenient"],
        "panel1x@example.com": [],
        "panel2@example.com": [],
        "panel2x@example.com": [],
        "panel3@example.com": [],
        "panel3x@example.com": [],
    }
    panel1 = by_email(report)["panel1@example.com"]
    assert panel1["leniency_adjusted"]["ci_low"] > 0.25
    assert by_email(report)["panel3@example.com"]["leniency"] < -0.5
    assert panel1["flag_summary"] == (
        "Panel1 flagged as lenient: adjusted leniency +1.02 vote points "
        "(95% CI +0.59 to +1.45, minimum ±0.25; raw +1.07 over 23 loops)."
    )


def test_a_loop_in_flight_lends_no_votes_to_a_flag(report):
    # Undecided, L5 leaves panel1 four loops: under the minimum of 5, nobody is flagged.
    assert {row["email"]: row["flag_reasons"] for row in report["interviewers"]} == {
        "br@example.com": [],
        "panel1@example.com": [],
        "panel2@example.com": [],
        "panel3@example.com": [],
    }


def test_a_loop_in_flight_shows_no_votes_ratings_or_evidence(history, clock):
    # Filtered to L5's requisition, the report still counts the loop but reads none of its
    # panel's feedback: no interviewer, vote, rating, evidence or agreement.
    l5 = history.loops["L5"].loop
    one = calibration_report(
        ReportFilters(LAST_90_DAYS.since, LAST_90_DAYS.until, requisition_id=l5.requisition_id),
        now=clock(),
    )
    assert (one["loops"], one["decided"]) == (1, 0)
    assert one["interviewers"] == []
    assert one["agreement"]["loops"] == 0
    assert one["vote_changes"] == {"rate": None, "n": 0}
    assert all(row["assigned"] == 0 for row in one["principles"])
    assert all(n == 0 for row in one["principles"] for n in row["ratings"].values())
    assert one["bar_raisers"][0]["loops"] == 1
    # Decided, the same loop's votes count.
    decide(history.loops["L5"], Outcome.HIRE)
    db.session.commit()
    one = calibration_report(
        ReportFilters(LAST_90_DAYS.since, LAST_90_DAYS.until, requisition_id=l5.requisition_id),
        now=clock(),
    )
    assert by_email(one)["panel1@example.com"]["votes"]["strong_hire"] == 1
    assert one["agreement"]["loops"] == 1


def test_shadow_feedback_never_counts(report, history):
    # The shadow voted 4 on L1 and wrote evidence: neither an interviewer row nor a vote.
    assert "brit@example.com" not in by_email(report)
    principles = {row["name"]: row for row in report["principles"]}
    shadowed = history.loops["L1"].panel[0].principles[0].name
    # The Bar Raiser's four (L1..L4, L5 in flight), not the shadow's.
    assert principles[shadowed]["assigned"] == 4
    assert report["bar_raisers_in_training"] == [
        {
            "email": "brit@example.com",
            "name": "Brit",
            "status": "in_training",
            "certified": False,
            "loops_shadowed": 1,
            "loops_led": 0,
            "certified_at": None,
        }
    ]


def test_bar_raiser_veto_rate_and_latency(report):
    assert len(report["bar_raisers"]) == 1
    row = report["bar_raisers"][0]
    # Four decided loops, one vetoed.
    assert (row["loops"], row["debriefs"], row["vetoes"]) == (5, 4, 1)
    assert row["veto_rate"] == 0.25
    # Decided 26 h after the first interview; the last feedback 6 h after it (34 h on L1).
    assert row["median_hours_to_decision"] == 20.0
    # 5 loops over the 90 days of the period.
    assert row["loops_per_week"] == pytest.approx(5 / (90 / 7))


def test_adoption(report):
    rates = {key: value for key, value in report["adoption"].items() if key.endswith("_rate")}
    assert rates == {
        # Certified between L2 and L3: L3, L4, L5 had a certified Bar Raiser.
        "bar_raiser_rate": 0.6,
        # 16 panel feedbacks submitted on decided loops, panel3's on L1 late (L5's three are
        # sealed while it is in flight).
        "on_time_rate": 15 / 16,
        # Of the four opened debriefs, L1's opened before panel3's feedback came in.
        "submitted_before_debrief_rate": 0.75,
        # L5's requisition requires a principle nobody was assigned.
        "principle_coverage_rate": 0.8,
    }
    # Beside each rate its n and the bounds of its Wilson 95% interval.
    adoption = report["adoption"]
    assert (adoption["on_time_rate_n"], adoption["bar_raiser_rate_n"]) == (16, 5)
    assert adoption["on_time_rate_ci_low"] < 15 / 16 < adoption["on_time_rate_ci_high"] < 1


def test_coverage_asks_each_loop_for_its_own_panel(history, clock):
    # The principle that L5's requisition requires and nobody on L5 was assigned is assigned on
    # L4's panel: L5 is still not covered, whatever other loops assigned.
    missing = history.loops["L5"].loop.requisition.required_principles[-1]
    elsewhere = history.loops["L4"].panel[0]
    db.session.add(
        InterviewPrinciple(interview_id=elsewhere.id, principle_id=missing.id, position=9)
    )
    db.session.commit()

    report = calibration_report(LAST_90_DAYS, now=clock())

    assert report["adoption"]["principle_coverage_rate"] == 0.8


def test_a_draft_when_the_debrief_opened_means_the_panel_was_not_all_in(history, clock):
    # L5's debrief opens while panel3's feedback is still a draft; L5 is then decided.
    decide(history.loops["L5"], Outcome.HIRE)
    db.session.commit()

    report = calibration_report(LAST_90_DAYS, now=clock())

    # L2, L3, L4 of the five opened debriefs had every panel feedback in.
    assert report["adoption"]["submitted_before_debrief_rate"] == 0.6


def _fifth_principle(history):
    return history.loops["L5"].loop.requisition.required_principles[-1]


def _assign(interview, principle) -> None:
    db.session.add(
        InterviewPrinciple(interview_id=interview.id, principle_id=principle.id, position=9)
    )


def _assign_l5_missing_principle_on_its_panel(history):
    _assign(history.loops["L5"].panel[2], _fifth_principle(history))


def _l1_requires_a_principle_only_its_shadow_was_assigned(history):
    built = history.loops["L1"]
    fifth = _fifth_principle(history)
    built.loop.requisition.required_principles.append(fifth)
    _assign(next(i for i in built.loop.interviews if i.is_shadow), fifth)


def _l4_requires_a_fifth_and_assigns_another_twice(history):
    built = history.loops["L4"]
    built.loop.requisition.required_principles.append(_fifth_principle(history))
    _assign(built.panel[1], built.panel[0].principles[0])


def _l4_requires_nothing(history):
    history.loops["L4"].loop.requisition.required_principles = []


@pytest.mark.parametrize(
    ("change", "rate"),
    [
        (_assign_l5_missing_principle_on_its_panel, 1.0),
        # A shadow's assignment is not the panel's.
        (_l1_requires_a_principle_only_its_shadow_was_assigned, 0.6),
        # Each required principle counts once, however many interviewers probe it.
        (_l4_requires_a_fifth_and_assigns_another_twice, 0.6),
        # Nothing required: nothing left uncovered.
        (_l4_requires_nothing, 0.8),
    ],
)
def test_coverage_needs_every_required_principle_on_the_panel(history, clock, change, rate):
    change(history)
    db.session.commit()

    report = calibration_report(LAST_90_DAYS, now=clock())

    assert report["adoption"]["principle_coverage_rate"] == rate


def test_vote_changes_and_outcomes(report):
    # Final votes: 4 on L1 (panel1's changed), 1 on L2 (panel2's changed).
    assert report["vote_changes"] == {"rate": 0.4, "n": 5}
    assert by_email(report)["panel1@example.com"]["vote_change_rate"] == 1.0
    assert by_email(report)["panel2@example.com"]["vote_change_rate"] == 0.5
    # Rated hires: L1 (mean vote 3, latest rating 4), L3 (3.5, 5), L4 (3.5, 2).
    # dx = -1/3, 1/6, 1/6; dy = 1/3, 4/3, -5/3 -> sxy = -1/6, sxx = 1/6, syy = 14/3
    # r = (-1/6) / sqrt(1/6 * 14/3) = -1 / (2 sqrt 7).
    assert report["outcomes"]["hires_rated"] == 3
    assert report["outcomes"]["vote_performance_correlation"] == pytest.approx(
        -1 / (2 * math.sqrt(7))
    )


def test_panel_agreement_is_alpha_over_written_votes(report):
    # L5 (3, 4, 3) is in flight: not a unit.
    units = [[3, 4, 3, 2], [2, 4, 2, 1], [3, 4, 4, 3], [4, 4, 3, 3]]
    expected = krippendorff_alpha(units, "ordinal")
    assert report["agreement"] == {
        "krippendorff_alpha_ordinal": pytest.approx(expected.value),
        "loops": 4,
    }


def test_principles(report, history):
    principles = {row["name"]: row for row in report["principles"]}
    panel1_principle = history.loops["L1"].panel[1].principles[0].name
    # panel1 rated their principle 4 on the four decided loops (L5's rating is sealed while it
    # is in flight); agrees with 3 of the 4 decisions.
    assert principles[panel1_principle] == {
        "name": panel1_principle,
        "assigned": 4,
        "ratings": {"1": 0, "2": 0, "3": 0, "4": 4},
        "agreement_with_decision": 0.75,
        "agreement_n": 4,
    }
    panel3_principle = history.loops["L1"].panel[3].principles[0].name
    # Assigned four times on decided loops, rated 2, 1, 3, 3.
    assert principles[panel3_principle]["assigned"] == 4
    assert principles[panel3_principle]["ratings"] == {"1": 1, "2": 1, "3": 2, "4": 0}


def test_a_loop_belongs_to_the_period_of_its_first_interview(app, make_loop, clock):
    day = datetime(2026, 1, 15, tzinfo=clock().tzinfo)
    panel_loop(make_loop, day - timedelta(minutes=30), (3, 3, 3, 3))  # 23:30 the day before
    inside_early = panel_loop(make_loop, day, (3, 3, 3, 3))
    inside_late = panel_loop(make_loop, day + timedelta(hours=23, minutes=59), (3, 3, 3, 3))
    for inside in (inside_early, inside_late):  # decided: their interviews are read
        decide(inside, Outcome.HIRE)
    db.session.commit()
    panel_loop(make_loop, day + timedelta(days=1), (3, 3, 3, 3))
    one_day = ReportFilters(since=day.date(), until=day.date())
    rows = fetch_rows(one_day)
    assert sorted(row.loop_id for row in rows.loops) == sorted(
        [inside_early.loop.id, inside_late.loop.id]
    )
    # Its interviews come along even when they run past the end of the period.
    assert {InterviewRow(*row).loop_id for row in rows.interviews} == {
        inside_early.loop.id,
        inside_late.loop.id,
    }


def test_department_and_requisition_filters(history, clock):
    history.loops["L2"].loop.requisition.department = "Retail"
    db.session.commit()
    payments = calibration_report(
        ReportFilters(LAST_90_DAYS.since, LAST_90_DAYS.until, department="Payments"), now=clock()
    )
    retail = calibration_report(
        ReportFilters(LAST_90_DAYS.since, LAST_90_DAYS.until, department="Retail"), now=clock()
    )
    assert (payments["loops"], retail["loops"]) == (4, 1)
    assert retail["bar_raisers"][0]["vetoes"] == 1
    l3_requisition = history.loops["L3"].loop.requisition_id
    one = calibration_report(
        ReportFilters(LAST_90_DAYS.since, LAST_90_DAYS.until, requisition_id=l3_requisition),
        now=clock(),
    )
    assert one["loops"] == 1
    assert by_email(one)["panel1@example.com"]["votes"]["strong_hire"] == 1


def test_flag_thresholds_are_the_mechanism_settings(history, make_loop, clock, make_user):
    add_loops_for_the_model(make_loop, clock())
    admin = make_user(roles=())
    change_settings(current_settings().replace(flag_min_effect=1.1), actor=admin, now=clock())
    db.session.commit()
    report = calibration_report(LAST_90_DAYS, now=clock())
    # panel1's adjusted +1.02 is clear of 0 but under the minimum effect of 1.1...
    assert by_email(report)["panel1@example.com"]["flag_reasons"] == []
    assert report["flag_settings"]["min_effect"] == 1.1
    change_settings(current_settings().replace(flag_min_effect=0.5), actor=admin, now=clock())
    db.session.commit()
    report = calibration_report(LAST_90_DAYS, now=clock())
    # ...and over 0.5.
    assert by_email(report)["panel1@example.com"]["flag_reasons"] == ["lenient"]
    assert report["flag_settings"]["min_effect"] == 0.5


def test_changes_to_the_mechanism_in_the_period_are_listed(app, clock, make_user):
    admin = make_user(roles=())
    clock.advance(days=-200)
    change_settings(
        current_settings().replace(feedback_deadline_hours=36), actor=admin, now=clock()
    )  # before the period
    clock.advance(days=190)
    change_settings(
        current_settings().replace(feedback_deadline_hours=48), actor=admin, now=clock()
    )
    principle = db.session.scalars(sa.select(Principle).order_by(Principle.position)).first()
    retire_principle(principle, actor=admin, now=clock())
    clock.advance(days=10)
    db.session.commit()
    changes = calibration_report(LAST_90_DAYS, now=clock())["mechanism_changes"]
    # Oldest first; the catalog was seeded when the test's app started, on the last day.
    assert [change["description"] for change in changes] == [
        "Feedback deadline (hours after the interview ends): 36 → 48",
        f"Principle retired: {principle.name}",
        "Default catalog installed: 16 principles",
    ]
    assert [change["actor"] for change in changes] == [admin.name, admin.name, "system"]


def test_the_report_runs_the_same_queries_at_two_and_six_loops(
    app, make_loop, clock, count_queries
):
    def measure() -> int:
        db.session.commit()  # each in a transaction of its own, as each request is
        with count_queries() as counted:
            calibration_report(LAST_90_DAYS, now=clock())
        return counted.count

    day = clock().replace(hour=9) - timedelta(days=3)
    for offset in range(2):
        panel_loop(make_loop, day - timedelta(days=offset), (4, 3, 2, 1), with_shadow=True)
    small = measure()
    for offset in range(2, 6):
        panel_loop(make_loop, day - timedelta(days=offset), (4, 3, 2, 1), with_shadow=True)
    assert calibration_report(LAST_90_DAYS, now=clock())["loops"] == 6
    assert measure() == small


def test_evidence_words_are_counted_whenever_evidence_is_written(app):
    rating = PrincipleRating(evidence="Traced the  drift\nto rounding.")
    assert rating.evidence_words == 5
    rating.evidence = ""
    assert rating.evidence_words == 0


def test_an_empty_period_reports_no_data_not_zeroes(app, clock):
    report = calibration_report(ReportFilters(date(2020, 1, 1), date(2020, 1, 31)), now=clock())
    assert report["loops"] == 0
    assert report["interviewers"] == []
    assert report["adoption"]["on_time_rate"] is None
    assert report["agreement"]["krippendorff_alpha_ordinal"] is None


def test_older_sqlite_without_unixepoch_gives_the_same_report(history, clock, monkeypatch):
    """SQLite before 3.38 has no unixepoch(); the report falls back to strftime('%s')."""
    expected = calibration_report(LAST_90_DAYS, now=clock())
    monkeypatch.setattr(queries.sqlite3, "sqlite_version_info", (3, 31, 1))
    assert calibration_report(LAST_90_DAYS, now=clock()) == expected
