"""A review played in a real browser, on a frozen clock: it falls due and the committee is told;
the chair opens it from the notification, the figures match the report for its quarter, a flag
becomes an action in one click, an anecdote is attached, the chair closes it; the next quarter's
review shows the figures' changes and the action, still open and now overdue."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from conftest import PASSWORD
from playwright.sync_api import Page, expect
from reviews.quarter import QUARTER, quarter_with_a_lenient_panelist

from barraiser.calibration.models import ActionItem, ActionStatus
from barraiser.calibration.report import calibration_report
from barraiser.extensions import db
from barraiser.reviews.services import set_committee
from barraiser.worker import sweep

from .conftest import log_in


def _open_the_notification(page: Page, subject: str) -> None:
    page.get_by_test_id("nav-notifications").click()
    page.get_by_role("button", name=re.compile(re.escape(subject))).click()


def test_a_review_from_due_to_closed_and_the_next_one(
    page: Page, live_server: str, make_loop, clock, user_in_role
):
    admin = user_in_role("admin")
    chair = user_in_role("inspector")
    history = quarter_with_a_lenient_panelist(make_loop, clock, admin)
    set_committee([chair.id], chair=chair.id, actor=admin, now=clock())
    panel1, decided_loop = history.panelist(1).name, history.loops["L3"].loop.id
    email = chair.email
    db.session.commit()
    sweep(now=clock())  # the worker: the quarter's review is due, the committee is told
    db.session.commit()  # the server's requests must not wait on this test's transaction

    log_in(page, live_server, email, PASSWORD)
    expect(page.get_by_test_id("unread-count")).to_have_text(re.compile(r"^1\b"))
    _open_the_notification(page, "review is due: 2026-01-01 to 2026-03-31")
    expect(page.get_by_test_id("review-state")).to_have_text("Due")
    page.get_by_role("button", name="Open the review").click()
    expect(page.get_by_test_id("review-state")).to_have_text("Open")

    report = calibration_report(QUARTER, now=clock())
    db.session.commit()
    figures = page.get_by_test_id("figures")
    expect(figures.get_by_test_id("figure-decided").get_by_test_id("value")).to_have_text(
        str(report["decided"])
    )
    on_time = f"{report['adoption']['on_time_rate']:.0%}"
    expect(figures.get_by_test_id("figure-on_time_rate").get_by_test_id("value")).to_contain_text(
        on_time
    )
    alpha = f"{report['agreement']['krippendorff_alpha_ordinal']:.2f}"
    expect(figures.get_by_test_id("figure-alpha").get_by_test_id("value")).to_contain_text(alpha)

    flag = page.get_by_test_id("flags-newly").get_by_test_id("flag")
    expect(flag).to_contain_text(panel1)
    flag.get_by_role("button", name=re.compile("Make it an action")).click()
    expect(page.get_by_test_id("decisions")).to_contain_text(panel1)

    page.get_by_label("Anecdote", exact=True).fill("The panel never met before the debrief.")
    page.get_by_label("About a decided loop").select_option(str(decided_loop))
    page.get_by_role("button", name="Attach the anecdote").click()
    expect(page.get_by_test_id("anecdote")).to_contain_text("never met before the debrief")
    expect(page.get_by_test_id("anecdote")).to_contain_text(f"loop #{decided_loop}")

    page.get_by_role("button", name="Close the review").click()
    expect(page.get_by_test_id("review-state")).to_have_text("Closed")
    expect(page.get_by_role("button", name="Attach the anecdote")).to_have_count(0)

    # The next quarter: nothing was hired, the action was never closed.
    clock.set(datetime(2026, 7, 2, 9, 0, tzinfo=UTC))
    sweep(now=clock())
    action = db.session.scalar(sa.select(ActionItem))
    assert action is not None and action.status is ActionStatus.OPEN
    action_id = action.id
    db.session.commit()
    log_in(page, live_server, email, PASSWORD)
    # Told of the review, and (as the action's owner) of the action and that it is overdue.
    expect(page.get_by_test_id("unread-count")).to_have_text(re.compile(r"^3\b"))
    _open_the_notification(page, "review is due: 2026-04-01 to 2026-06-30")
    page.get_by_role("button", name="Open the review").click()
    decided = page.get_by_test_id("figure-decided")
    expect(decided.get_by_test_id("value")).to_have_text("0")
    expect(decided.get_by_test_id("previous")).to_have_text(str(report["decided"]))
    expect(decided.get_by_test_id("delta")).to_have_text(f"↓ -{report['decided']}")
    expect(page.get_by_test_id("flags-no_longer")).to_contain_text(panel1)
    expect(page.get_by_test_id("actions_overdue")).to_contain_text(f"#{action_id}")
    expect(page.get_by_test_id("previous-decisions").get_by_test_id("action-status")).to_have_text(
        "Open"
    )
    expect(page.get_by_test_id("reviews-on-time")).to_have_text("1 of 1")
