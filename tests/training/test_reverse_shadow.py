"""Reverse shadow: a Bar Raiser in training leads a loop while a certified Bar Raiser shadows it
and holds the veto; the pipeline counts the loops led, and an admin certifies a trainee once the
thresholds (settings) are met."""

from __future__ import annotations

import dataclasses
import html
from datetime import date

import pytest
from debrief.panel_feedback import submit_panel_feedback

from barraiser.calibration.queries import ReportFilters, fetch_rows
from barraiser.debrief import services
from barraiser.domain import LoopState, Outcome, Vote
from barraiser.extensions import db
from barraiser.loops.rules import validate_panel
from barraiser.loops.services import panel_plan_of, update_panel
from barraiser.settings.services import change_settings, current_settings

VOTES = (Vote.INCLINED_HIRE, Vote.STRONG_HIRE, Vote.INCLINED_HIRE, Vote.INCLINED_NO_HIRE)


def _led_by(built, lead, shadow):
    """The loop's plan with `lead` in the Bar Raiser's chair and seat, `shadow` sitting in."""
    plan = panel_plan_of(built.loop)
    first, *rest = plan.interviews
    return dataclasses.replace(
        plan,
        bar_raiser_id=lead.id if lead else None,
        shadow_id=shadow.id if shadow else None,
        interviews=(dataclasses.replace(first, interviewer_id=lead.id), *rest),
    )


@pytest.fixture
def reverse(make_loop, clock):
    """A scheduled loop led by the trainee ('brit'), the certified Bar Raiser shadowing."""
    built = make_loop(with_shadow=True)
    update_panel(
        built.loop,
        _led_by(built, built.shadow, built.bar_raiser),
        expected_version=None,
        actor=None,
        now=clock(),
    )
    db.session.commit()
    db.session.expire_all()
    return built


def test_the_panel_rules_for_a_trainee_who_leads(make_loop, user_in_role):
    built = make_loop(with_shadow=True)
    trainee, certified = built.shadow, built.bar_raiser
    other_trainee = make_loop(with_shadow=True, tag="x").shadow
    in_the_team = built.interviewers[1]  # Payments: the requisition's department
    in_the_team.bar_raiser_status = certified.bar_raiser_status
    in_the_team.certified_at = certified.certified_at
    db.session.commit()
    requisition = built.loop.requisition

    def problems(lead, shadow):
        plan = _led_by(built, lead, shadow)
        return {(p.field, p.message) for p in validate_panel(requisition, plan, loop=built.loop)}

    assert problems(trainee, certified) == set()
    assert problems(certified, trainee) == set()  # the usual shadow still works
    alone = problems(trainee, None)
    assert [field for field, _ in alone] == ["shadow_id"]
    assert "certified Bar Raiser as shadow" in next(iter(alone))[1]
    assert any("not a certified Bar Raiser" in m for f, m in problems(trainee, other_trainee))
    assert any(
        f == "shadow_id" and "works in Payments" in m for f, m in problems(trainee, in_the_team)
    )


def test_the_certified_shadow_holds_the_veto_and_calibration_counts_it(reverse, clock, login_as):
    loop, trainee, certified = reverse.loop, reverse.shadow, reverse.bar_raiser
    assert (loop.bar_raiser_id, loop.certified_shadow_id, loop.veto_holder_id) == (
        trainee.id,
        certified.id,
        certified.id,
    )
    clock.advance(days=1, hours=6)
    submit_panel_feedback(reverse, VOTES, clock(), shadow_vote=Vote.STRONG_NO_HIRE)
    services.open_debrief(loop, actor=trainee, now=clock())  # the trainee runs the debrief
    services.propose(
        loop,
        decision=Outcome.HIRE,
        rationale="Strong on ownership.",
        early_reason="Flying home tonight.",
        actor=reverse.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    home = html.unescape(login_as(certified).get("/").get_data(as_text=True))
    assert "Concur or veto" in home
    lead_home = html.unescape(login_as(trainee).get("/").get_data(as_text=True))
    assert "Run the debrief" in lead_home and "Concur or veto" not in lead_home

    veto = {
        "veto-rationale": "Below the bar on ownership.",
        "veto-principles": [str(loop.panel[0].principles[0].id)],
        "veto-confirm": "y",
    }
    lead = login_as(trainee)
    assert lead.post(f"/loops/{loop.id}/debrief/veto", data=veto).status_code == 403
    shadow = login_as(certified)
    assert shadow.post(f"/loops/{loop.id}/debrief/veto", data=veto).status_code == 302
    db.session.expire_all()
    assert (loop.state, loop.outcome, loop.vetoed) == (LoopState.DECIDED, Outcome.NO_HIRE, True)

    today = clock().date()
    rows = fetch_rows(ReportFilters(since=date(today.year - 1, 1, 1), until=today))
    assert [(row.bar_raiser_email, row.vetoed) for row in rows.loops] == [(certified.email, True)]


def test_an_admin_certifies_a_trainee_from_the_pipeline_once_the_thresholds_are_met(
    reverse, clock, login_as, user_in_role
):
    admin_user = user_in_role("admin")
    change_settings(
        current_settings().replace(certification_loops_shadowed=0, certification_loops_led=1),
        actor=admin_user,
        now=clock(),
    )
    db.session.commit()
    trainee = reverse.shadow
    admin = login_as(admin_user)
    page = html.unescape(admin.get("/training/").get_data(as_text=True))
    assert "0 of 1 loops led under a certified shadow" in page
    refused = admin.post(f"/training/{trainee.id}/certify")
    assert refused.status_code == 422
    assert "cannot be certified yet: 0 of 1 loops led" in html.unescape(refused.get_data(True))
    db.session.expire_all()
    assert trainee.bar_raiser_status.value == "in_training"

    reverse.loop.state = LoopState.DECIDED  # led to a decision (the debrief's steps aside)
    reverse.loop.outcome, reverse.loop.decided_at = Outcome.NO_HIRE, clock()
    db.session.commit()
    page = admin.get("/training/").get_data(as_text=True)
    assert f"Certify {trainee.name}" in page
    mentor = login_as(reverse.bar_raiser)  # a mentor sees the counts, not the button
    assert "ready to be certified" in mentor.get("/training/").get_data(as_text=True)
    assert mentor.post(f"/training/{trainee.id}/certify").status_code == 403
    assert admin.post(f"/training/{trainee.id}/certify").status_code == 302
    db.session.expire_all()
    assert trainee.is_certified_bar_raiser and trainee.certified_by_id == admin_user.id
