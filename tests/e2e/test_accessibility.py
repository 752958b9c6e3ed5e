"""axe-core (WCAG 2 A and AA rules) in Chromium on the pages of the debrief and of writing
feedback, for each role that uses them, error states included: zero violations."""

from __future__ import annotations

from datetime import timedelta

from axe_playwright_python.sync_playwright import Axe
from conftest import PASSWORD
from debrief.panel_feedback import submit_panel_feedback
from playwright.sync_api import Page, expect

from barraiser.debrief import services
from barraiser.domain import Outcome, Vote
from barraiser.extensions import db

from .conftest import log_in, log_out

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}
AXE = Axe()


def assert_accessible(page: Page, what: str) -> None:
    results = AXE.run(page, options=WCAG)
    assert results.response["passes"], f"{what}: axe ran no rule"
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def test_the_debrief_and_feedback_pages_pass_axe(page: Page, live_server: str, make_loop, clock):
    # A debrief in progress (a proposal made early, long evidence), and a loop still to write.
    built = make_loop(with_shadow=True, tag="d")
    clock.advance(days=1, hours=8)
    written = submit_panel_feedback(
        built,
        [Vote.STRONG_HIRE, Vote.INCLINED_NO_HIRE, Vote.INCLINED_HIRE, Vote.STRONG_HIRE],
        clock(),
        shadow_vote=Vote.STRONG_HIRE,
    )
    written[1].ratings[0].evidence = " ".join(["detail"] * 400)
    services.open_debrief(built.loop, actor=built.bar_raiser, now=clock())
    services.propose(
        built.loop,
        decision=Outcome.HIRE,
        rationale="Hire.",
        early_reason="Offer deadline.",
        actor=built.hiring_manager,
        now=clock(),
    )
    writing = make_loop(starts_at=clock() - timedelta(hours=5), tag="w")
    interview = writing.panel[1]
    people = {
        "bar_raiser": built.bar_raiser.email,
        "hiring_manager": built.hiring_manager.email,
        "panelist": built.interviewers[1].email,
        "shadow": built.shadow.email,
        "writer": interview.interviewer.email,
    }
    debrief = f"{live_server}/loops/{built.loop.id}/debrief"
    feedback = f"{live_server}/interviews/{interview.id}/feedback"
    prep = f"{live_server}/interviews/{interview.id}/prep"
    db.session.commit()

    for role in ("bar_raiser", "hiring_manager", "panelist", "shadow"):
        log_in(page, live_server, people[role], PASSWORD)
        page.goto(debrief)
        assert_accessible(page, f"debrief as {role}")
        page.goto(f"{debrief}/print")
        assert_accessible(page, f"print view as {role}")
        if role == "bar_raiser":
            # Error state: a refused veto; and the confirmation dialog open.
            page.goto(debrief)
            page.locator("#decision-panel").get_by_role("button", name="Veto").click()
            assert_accessible(page, "veto dialog")
            page.get_by_role("dialog").get_by_role("button", name="Veto").click()
            expect(page.get_by_text("A veto needs a written rationale.")).to_be_visible()
            assert_accessible(page, "refused veto")
        log_out(page)

    # The writer: home, prep, the form, and the form refused (incomplete) with its errors.
    log_in(page, live_server, people["writer"], PASSWORD)
    assert_accessible(page, "interviewer's home")
    page.goto(prep)
    assert_accessible(page, "prep page")
    page.goto(feedback)
    page.locator("details.principle-kit summary").first.click()
    assert_accessible(page, "feedback form")
    page.get_by_role("button", name="Submit and lock").click()
    expect(page.get_by_text("The feedback is not complete yet")).to_be_visible()
    assert_accessible(page, "refused submission")
