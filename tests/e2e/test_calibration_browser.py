"""The calibration report in Chromium, as the hiring committee uses it: on a 1366-px laptop every
flagged interviewer can be acted on without scrolling sideways; from a flag an inspector reaches
the decided loops behind it and opens an action item there."""

from __future__ import annotations

import re

from calibration.report_data import build_history_with_a_lenient_panelist
from conftest import PASSWORD
from playwright.sync_api import Page, expect

from barraiser.auth.models import Role
from barraiser.extensions import db

from .conftest import log_in


def _inspector(make_user, make_loop, clock) -> str:
    history = build_history_with_a_lenient_panelist(make_loop, clock())
    history.panelist(1).name = "Maximiliana Wolfeschlegelsteinhausen-Bergerdorff"
    make_user("committee@example.com", roles=(Role.INSPECTOR,))
    db.session.commit()  # the server's requests must not wait on this test's transaction
    return "committee@example.com"


def test_the_report_at_1366_px_needs_no_sideways_scroll_to_act(
    page: Page, live_server: str, make_user, make_loop, clock
):
    page.set_viewport_size({"width": 1366, "height": 900})
    email = _inspector(make_user, make_loop, clock)
    log_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/calibration")

    table = page.get_by_test_id("interviewers")
    flagged = table.locator("tr[data-flagged='true']")
    expect(flagged).to_have_count(1)
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    wrapper = page.locator("#table-interviewers")
    assert wrapper.evaluate("el => el.scrollWidth <= el.clientWidth"), "the table scrolls"
    button = flagged.get_by_test_id("create-action")
    name = flagged.get_by_role("link", name=re.compile("Maximiliana"))
    button.scroll_into_view_if_needed()
    for element in (button, name):
        box = element.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1366
    expect(name).to_be_in_viewport()
    # Every chart's text lies inside its chart: an interval's label once ran off the right edge.
    cut_off = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
            const width = svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text')]
                .filter(text => { const box = text.getBBox();
                                  return box.x < 0 || box.x + box.width > width + 0.5; })
                .map(text => svg.id + ': ' + text.textContent);
        })"""
    )
    assert page.locator("svg#chart-leniency .chart-whisker").count() > 0  # the model's chart
    assert cut_off == []
    # Sortable headers say so; the sorted one says which way (aria-sort), after a click too.
    header = table.locator("th", has_text="Raw leniency")
    expect(header).not_to_have_attribute("aria-sort", re.compile(".*"))
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")

    # On a phone the navigation folds behind a Menu toggle, which works without script too.
    page.set_viewport_size({"width": 390, "height": 844})
    calibration = page.locator("#nav-menu").get_by_role("link", name="Calibration")
    expect(calibration).to_be_hidden()
    page.get_by_test_id("nav-toggle").click()
    expect(calibration).to_be_visible()


def test_an_inspector_goes_from_a_flag_to_its_loops_and_acts_there(
    page: Page, live_server: str, make_user, make_loop, clock
):
    page.set_viewport_size({"width": 1366, "height": 900})
    email = _inspector(make_user, make_loop, clock)
    log_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server}/calibration")

    flagged = page.get_by_test_id("interviewers").locator("tr[data-flagged='true']")
    flagged.get_by_test_id("interviewer-link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Maximiliana"))
    loops = page.get_by_test_id("decided-loops").locator("tbody tr")
    expect(loops).to_have_count(23)  # L1..L5 and the model's loops with the shared panel
    expect(loops.first).to_contain_text("Casey Candidate")
    expect(page.get_by_test_id("flag")).to_contain_text("Lenient")

    page.get_by_test_id("flag").get_by_test_id("create-action").click()
    expect(page.get_by_label("Interviewer (email)")).to_have_value("panel1@example.com")
    expect(page.get_by_label("Reason")).to_have_value(re.compile("flagged as lenient"))
    page.get_by_role("button", name="Create action").click()

    expect(page.get_by_text("Action created.")).to_be_visible()
    expect(page.get_by_test_id("open-actions")).to_contain_text("Maximiliana")
