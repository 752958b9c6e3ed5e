"""A recruiter builds a requisition, a candidate and a loop with a full panel in a real browser,
gets a suggested principle split, and schedules the loop."""

from __future__ import annotations

from conftest import PASSWORD
from playwright.sync_api import Page, expect

from barraiser.auth.models import BarRaiserStatus, Role
from barraiser.extensions import db
from barraiser.principles.services import active_principles

from .conftest import log_in


def test_recruiter_builds_and_schedules_a_loop(page: Page, live_server: str, make_user):
    make_user("rita@example.com", name="Rita Recruiter", roles=(Role.RECRUITER,))
    manager = make_user(
        "hugo@example.com", name="Hugo Manager", roles=(Role.HIRING_MANAGER,), level=7
    )
    bar_raiser = make_user(
        "bea@example.com",
        name="Bea Raiser",
        department="Logistics",
        level=7,
        bar_raiser=BarRaiserStatus.CERTIFIED,
    )
    panel = [make_user(f"p{n}@example.com", name=f"Panelist {n}", level=6) for n in (1, 2, 3)]
    required = [principle.name for principle in active_principles()[:4]]
    manager_id, bar_raiser_id = str(manager.id), str(bar_raiser.id)
    panel = [(str(person.id), person.name) for person in panel]
    # SQLite takes its write lock when a transaction begins, even to read: end ours before the
    # browser's requests need it.
    db.session.rollback()

    log_in(page, live_server, "rita@example.com", PASSWORD)

    # The requisition: the role, and the principles every loop for it must cover.
    page.get_by_role("link", name="Requisitions").click()
    page.get_by_role("link", name="New requisition").click()
    page.get_by_label("Title").fill("Senior Engineer")
    page.get_by_label("Level").fill("6")
    page.get_by_label("Department").fill("Payments")
    page.get_by_label("Hiring manager").select_option(manager_id)
    for name in required:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Save requisition").click()
    expect(page.get_by_role("heading", name="Senior Engineer")).to_be_visible()

    # The candidate.
    page.get_by_role("link", name="Candidates").click()
    page.get_by_role("link", name="New candidate").click()
    page.get_by_label("Name").fill("Casey Candidate")
    page.get_by_label("Email").fill("casey@example.org")
    page.get_by_label("Source").fill("referral")
    page.get_by_role("button", name="Save candidate").click()
    expect(page.get_by_role("heading", name="Casey Candidate")).to_be_visible()

    # The loop: three panelists and their times, then let the app suggest the rest.
    page.get_by_role("link", name="New loop for this candidate").click()
    page.get_by_label("Requisition").select_option(label="Senior Engineer — Payments, level 6")
    for row, (person_id, _) in enumerate(panel):
        page.locator(f'[name="interviews-{row}-interviewer_id"]').select_option(person_id)
        page.locator(f'[name="interviews-{row}-starts_at"]').fill(f"2026-03-03T{10 + row:02d}:00")
    page.get_by_role("button", name="Suggest principles and Bar Raiser").click()
    expect(page.get_by_text("Suggestion (not saved yet)")).to_be_visible()
    expect(page.get_by_label("Bar Raiser", exact=True)).to_have_value(bar_raiser_id)
    # The Bar Raiser interviews too; the suggestion put them in the fourth row: give it a time.
    expect(page.locator('[name="interviews-3-interviewer_id"]')).to_have_value(bar_raiser_id)
    page.locator('[name="interviews-3-starts_at"]').fill("2026-03-03T09:00")
    page.get_by_role("button", name="Create loop").click()

    expect(page.get_by_text("The loop was created as a draft.")).to_be_visible()
    expect(page.get_by_role("heading", name="Casey Candidate for Senior Engineer")).to_be_visible()
    panel_table = page.locator("#panel")
    for name in ["Bea Raiser", *(name for _, name in panel)]:
        expect(panel_table).to_contain_text(name)
    for name in required:
        expect(panel_table).to_contain_text(name)

    page.get_by_role("button", name="Schedule the loop").click()
    expect(page.get_by_text("The loop is scheduled.")).to_be_visible()
    expect(page.locator(".loop-state").first).to_have_text("scheduled")
    expect(page.locator("#history")).to_contain_text("moved it from draft to scheduled")
