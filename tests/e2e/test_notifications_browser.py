"""The Bar Raiser, in a real browser, sees the notice arrive when the last panelist submits: a
count in the navigation, the item at the top of their notifications, and a click that takes
them to the panel's feedback and marks it read."""

from __future__ import annotations

import re
from datetime import timedelta

from conftest import PASSWORD
from feedback.writing import submit_for
from playwright.sync_api import Page, expect

from barraiser.domain import Vote
from barraiser.extensions import db

from .conftest import log_in


def test_the_bar_raiser_is_notified_when_the_last_panelist_submits(
    page: Page, live_server: str, make_loop, clock
):
    built = make_loop(starts_at=clock() - timedelta(hours=5))  # every interview is over
    for interview in built.panel[:-1]:
        submit_for(interview, clock(), vote=Vote.INCLINED_HIRE)
    last, loop_id = built.panel[-1], built.loop.id
    candidate, email = built.loop.candidate.display_name, built.bar_raiser.email
    db.session.commit()  # the server's requests must not wait on this test's transaction

    log_in(page, live_server, email, PASSWORD)
    expect(page.get_by_test_id("unread-count")).to_have_count(0)

    submit_for(last, clock(), vote=Vote.INCLINED_HIRE)  # the last panel feedback lands
    db.session.commit()

    page.reload()
    expect(page.get_by_test_id("unread-count")).to_have_text(re.compile(r"^1\b"))
    page.get_by_test_id("nav-notifications").click()
    expect(page).to_have_url(f"{live_server}/notifications/")
    item = page.get_by_test_id("notification").first
    expect(item).to_have_attribute("data-unread", "yes")
    expect(item).to_contain_text(f"All feedback is in for {candidate}")
    item.get_by_role("button", name=re.compile(r"^All feedback is in")).click()
    expect(page).to_have_url(f"{live_server}/loops/{loop_id}/feedback")
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
