"""A recruiter in Berlin builds a loop from the requisition's interview plan in a real browser:
finds the candidate among hundreds by searching, ticks principles, types times in her own zone,
schedules it; each panelist's email and calendar invitation then name the same local time."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from conftest import PASSWORD
from playwright.sync_api import Page, expect

from barraiser.auth.models import BarRaiserStatus, Role
from barraiser.candidates.models import Candidate
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage
from barraiser.principles.services import active_principles
from barraiser.requisitions.services import SlotPlan, create_requisition, save_plan

from .conftest import log_in


def test_a_loop_from_the_plan_in_berlin_time_reaches_each_panelist_in_theirs(
    page: Page, live_server: str, make_user, clock
):
    recruiter = make_user("rita@example.com", name="Rita Recruiter", roles=(Role.RECRUITER,))
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
    make_user(
        "ines@example.com",
        name="Ines Inside",
        department="Payments",
        level=7,
        bar_raiser=BarRaiserStatus.CERTIFIED,
    )  # certified, but in the hiring department
    panel = [make_user(f"p{n}@example.com", name=f"Panelist {n}", level=6) for n in (1, 2, 3)]
    recruiter.time_zone = "Europe/Berlin"
    panel[0].time_zone = "Europe/Berlin"
    panel[1].time_zone = "America/New_York"  # panel[2] and the Bar Raiser: the organisation's, UTC
    principles = active_principles()
    required, spare = principles[:4], principles[4]
    requisition = create_requisition(
        title="Senior Engineer",
        level=6,
        department="Payments",
        hiring_manager_id=manager.id,
        principle_ids=[p.id for p in required],
        actor=recruiter,
        now=clock(),
    )
    people = [bar_raiser, *panel]
    save_plan(
        requisition,
        [SlotPlan((p.id,), 45, person.id) for p, person in zip(required, people, strict=True)],
        actor=recruiter,
        now=clock(),
    )
    db.session.execute(
        sa.insert(Candidate),
        [
            {
                "name": f"Applicant {n:03d}",
                "email": f"a{n}@example.org",
                "source": "",
                "notes": "",
                "created_at": clock(),
            }
            for n in range(330)
        ],
    )
    db.session.add(
        Candidate(
            name="Zelda Quist",
            email="zq@example.org",
            source="",
            notes="",
            created_at=datetime(2026, 1, 5, tzinfo=UTC),
        )
    )  # not among the recent
    ids = {"bar_raiser": str(bar_raiser.id)}
    last_required, spare_name = required[3].name, spare.name
    db.session.commit()
    db.session.rollback()  # SQLite: free the write lock for the browser's requests

    log_in(page, live_server, "rita@example.com", PASSWORD)
    page.get_by_role("link", name="Requisitions").click()
    page.get_by_role("link", name="Senior Engineer").click()
    page.get_by_test_id("build-from-plan").click()
    expect(page.locator("#copied-from")).to_contain_text("interview plan of Senior Engineer")
    expect(page.get_by_test_id("entry-zone")).to_have_text("Europe/Berlin")

    # The candidate: one of 331, found by searching on the server.
    expect(page.get_by_test_id("candidate-search-result")).to_contain_text("of 331 candidates")
    page.get_by_label("Search by name or email").fill("quist")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("candidate-search-result")).to_contain_text("1 candidate match")
    page.get_by_label("Candidate", exact=True).select_option(label="Zelda Quist <zq@example.org>")

    # Only eligible Bar Raisers are offered once the requisition is known.
    bar_raiser_select = page.get_by_label("Bar Raiser", exact=True)
    expect(bar_raiser_select.locator("option", has_text="Ines Inside")).to_have_count(0)
    bar_raiser_select.select_option(ids["bar_raiser"])

    # The plan ticked each slot's principle; tick one more on the last row, as a checkbox.
    last = page.locator(".panel-row").nth(3)
    expect(last.get_by_label(last_required, exact=True)).to_be_checked()
    last.get_by_label(spare_name, exact=True).check()
    for row in range(4):  # Berlin wall-clock times, an hour apart from 10:00
        page.locator(f'[name="interviews-{row}-starts_at"]').fill(f"2026-03-03T{10 + row:02d}:00")
    page.get_by_role("button", name="Create loop").click()
    expect(page.get_by_text("The loop was created as a draft.")).to_be_visible()
    panel_table = page.locator("#panel")
    expect(panel_table).to_contain_text("2026-03-03 10:00 CET")
    expect(panel_table).to_contain_text(spare_name)
    page.get_by_role("button", name="Schedule the loop").click()
    expect(page.get_by_text("The loop is scheduled.")).to_be_visible()

    # What each panelist was sent: the email and its .ics name the same local time.
    db.session.rollback()
    invitations = {
        message.recipient.email: message
        for message in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "interview_invitation")
        )
    }
    expected = {
        "bea@example.com": ("09:00–09:45 UTC", "DTSTART:20260303T090000Z"),
        "p1@example.com": ("11:00–11:45 CET", "DTSTART;TZID=Europe/Berlin:20260303T110000"),
        "p2@example.com": ("06:00–06:45 EST", "DTSTART;TZID=America/New_York:20260303T060000"),
        "p3@example.com": ("12:00–12:45 UTC", "DTSTART:20260303T120000Z"),
    }
    assert set(invitations) == set(expected)
    for email, (when, dtstart) in expected.items():
        message = invitations[email]
        assert when in message.subject and when in message.body, email
        assert dtstart in message.calendar, email
        if "TZID" in dtstart:
            assert "BEGIN:VTIMEZONE" in message.calendar
