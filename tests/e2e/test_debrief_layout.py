"""The debrief of a real panel in Chromium, on a laptop and on a phone: six interviewers and a
shadow, one of them with 5,000 words of evidence. Every card is within the page's width (no
horizontal scrolling), long evidence is folded, the decision panel stays in view, a veto asks for
confirmation, and a refused one shows its error in view and reloads as the page, not a 405."""

from __future__ import annotations

import pytest
from conftest import PASSWORD
from debrief.panel_feedback import submit_panel_feedback
from playwright.sync_api import Page, expect

from barraiser.debrief import services
from barraiser.domain import Outcome, Vote
from barraiser.extensions import db
from barraiser.feedback.models import Feedback
from barraiser.loops.models import Loop

from .conftest import log_in

VIEWPORTS = {"laptop": (1366, 900), "phone": (390, 844)}
LONG_EVIDENCE = " ".join(f"Detail{index % 97}" for index in range(5000))


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_a_real_panel_fits_and_a_refused_veto_is_in_view(
    page: Page, live_server: str, make_loop, clock, screen
):
    width, height = VIEWPORTS[screen]
    page.set_viewport_size({"width": width, "height": height})
    built = make_loop(panel_size=6, with_shadow=True)
    clock.advance(days=1, hours=8)
    written = submit_panel_feedback(
        built,
        [Vote.STRONG_HIRE, Vote.INCLINED_HIRE, Vote.INCLINED_NO_HIRE] * 2,
        clock(),
        shadow_vote=Vote.STRONG_HIRE,
    )
    feedback: Feedback = written[2]
    feedback.ratings[0].evidence = LONG_EVIDENCE
    services.open_debrief(built.loop, actor=built.bar_raiser, now=clock())
    services.propose(
        built.loop,
        decision=Outcome.HIRE,
        rationale="Strong delivery.",
        early_reason="The offer deadline is today.",
        actor=built.hiring_manager,
        now=clock(),
    )
    email, loop_id = built.bar_raiser.email, built.loop.id
    db.session.commit()  # the server's requests must not wait on this test's transaction
    url = f"{live_server}/loops/{loop_id}/debrief"

    log_in(page, live_server, email, PASSWORD)
    page.goto(url)
    cards = page.get_by_test_id("feedback-card")
    expect(cards).to_have_count(7)
    # Nothing wider than the page, every card inside it.
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    for index in range(7):
        box = cards.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, index
    # The long evidence is folded, and opens by keyboard.
    more = page.locator("details.debrief-more summary")
    expect(more).to_have_count(1)
    expect(more).to_have_text("Show all 5000 words of Invent and Simplify from Panel2")
    more.focus()
    page.keyboard.press("Enter")
    expect(page.locator("details.debrief-more")).to_have_attribute("open", "")
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )

    # On a laptop the decision panel stays in view wherever the page is scrolled.
    panel = page.locator("#decision-panel")
    if screen == "laptop":
        page.mouse.wheel(0, 6000)
        expect(page.get_by_role("heading", name="Decision", exact=True)).to_be_in_viewport()

    # A veto asks first; refused (no rationale), its error is in view and a reload is the page.
    panel.get_by_role("button", name="Veto").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("This loop will be decided no hire. A veto is final.")
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_have_count(0)
    panel.get_by_role("button", name="Veto").click()
    page.get_by_role("dialog").get_by_role("button", name="Veto").click()
    error = page.get_by_text("A veto needs a written rationale.")
    expect(error).to_be_in_viewport()
    expect(page).to_have_url(f"{url}#decision-panel")
    response = page.reload()
    assert response is not None and response.status == 200
    expect(page.get_by_text("A veto needs a written rationale.")).to_have_count(0)
    assert db.session.get(Loop, loop_id).outcome is None
