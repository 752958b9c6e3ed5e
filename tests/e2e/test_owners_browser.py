"""In Chromium: a loop led by a Bar Raiser in training, whose certified shadow vetoes it; and an
interviewer who owns an action item closing it from their home page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import sqlalchemy as sa
from conftest import PASSWORD
from debrief.panel_feedback import submit_panel_feedback
from playwright.sync_api import Page, expect

from barraiser.auth.models import Role
from barraiser.calibration.actions import create_action
from barraiser.calibration.models import ActionItem, ActionStatus
from barraiser.debrief.models import Verdict
from barraiser.domain import LoopState, Outcome, Vote
from barraiser.extensions import db
from barraiser.loops.models import Loop
from barraiser.loops.services import panel_plan_of, update_panel

from .conftest import log_in, log_out

VOTES = (Vote.INCLINED_HIRE, Vote.STRONG_HIRE, Vote.INCLINED_HIRE, Vote.INCLINED_NO_HIRE)


def test_a_trainee_led_loop_is_vetoed_by_its_certified_shadow(
    page: Page, live_server: str, make_loop, clock
):
    built = make_loop(with_shadow=True)
    trainee, certified = built.shadow, built.bar_raiser
    plan = panel_plan_of(built.loop)
    first, *rest = plan.interviews
    update_panel(
        built.loop,
        replace(
            plan,
            bar_raiser_id=trainee.id,
            shadow_id=certified.id,
            interviews=(replace(first, interviewer_id=trainee.id), *rest),
        ),
        expected_version=None,
        actor=None,
        now=clock(),
    )
    db.session.commit()
    db.session.expire_all()
    clock.advance(days=1, hours=6)
    submit_panel_feedback(built, VOTES, clock(), shadow_vote=Vote.STRONG_NO_HIRE)
    loop_id, principle = built.loop.id, built.loop.panel[0].principles[0].name
    emails = (trainee.email, certified.email, built.hiring_manager.email)
    db.session.remove()
    debrief = f"{live_server}/loops/{loop_id}/debrief"

    # The trainee leads: they open the debrief from their home page.
    log_in(page, live_server, emails[0], PASSWORD)
    expect(page.locator("#debrief-todos")).to_contain_text("All feedback is in: open the debrief")
    page.goto(debrief)
    expect(page.get_by_text("who holds the veto")).to_be_visible()
    page.get_by_role("button", name="Open the debrief").click()
    expect(page.get_by_text("The debrief is open.")).to_be_visible()
    log_out(page)

    log_in(page, live_server, emails[2], PASSWORD)
    page.goto(debrief)
    page.get_by_label("Hire", exact=True).check()
    page.get_by_label("Rationale").fill("Strong ownership and a clear bias for action.")
    page.locator("textarea[name='proposal-early_reason']").fill("The candidate flies home tonight.")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("Your proposal is recorded.")).to_be_visible()
    log_out(page)

    # The trainee who leads is offered no veto; the certified shadow is.
    log_in(page, live_server, emails[0], PASSWORD)
    page.goto(debrief)
    expect(page.get_by_role("button", name="Veto")).to_have_count(0)
    log_out(page)
    log_in(page, live_server, emails[1], PASSWORD)
    expect(page.locator("#debrief-todos")).to_contain_text("Concur or veto")
    page.goto(debrief)
    page.get_by_label("Why you veto").fill("Could not go deep on the ledger fix.")
    page.get_by_role("group", name="Principles concerned").get_by_label(principle).check()
    page.get_by_role("button", name="Veto").click()
    page.get_by_role("dialog").get_by_role("button", name="Veto").click()
    expect(page.get_by_text("You vetoed. The loop is decided: no hire.")).to_be_visible()
    expect(page.get_by_test_id("vetoed")).to_be_visible()

    loop = db.session.get(Loop, loop_id)
    assert (loop.state, loop.outcome, loop.vetoed) == (LoopState.DECIDED, Outcome.NO_HIRE, True)
    verdict = db.session.scalar(sa.select(Verdict).where(Verdict.loop_id == loop_id))
    assert verdict.bar_raiser.email == emails[1]


def test_an_interviewer_closes_their_action_item_from_home(
    page: Page, live_server: str, make_user, clock
):
    inspector = make_user("committee@example.com", roles=(Role.INSPECTOR,))
    owner = make_user("olive@example.com", name="Olive Owner")
    action = create_action(
        subject_email=owner.email,
        reason="Olive rates everyone a 4: calibrate with a shadowed loop.",
        owner_id=owner.id,
        due_on=date(2026, 3, 20),
        actor=inspector,
        now=clock(),
    )
    db.session.commit()
    action_id = action.id
    db.session.remove()

    log_in(page, live_server, "olive@example.com", PASSWORD)
    item = page.get_by_test_id(f"action-{action_id}")
    expect(item).to_contain_text("Olive rates everyone a 4")
    item.get_by_label("Status").select_option(label="Closed")
    item.get_by_label("Notes").fill("Shadowed Bo on two loops; my ratings now spread.")
    item.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Action saved.")).to_be_visible()
    expect(page.get_by_test_id("my-actions")).to_have_count(0)

    closed = db.session.get(ActionItem, action_id)
    assert closed.status is ActionStatus.CLOSED and closed.notes.startswith("Shadowed Bo")
