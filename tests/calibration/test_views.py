"""The report's pages and downloads: who may see them, what they show (and never show), filters
refused with a 400, tables sorted on the server, and the inspector's way in from home."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from calibration.report_data import (
    P1_EVIDENCE,
    build_history_with_a_lenient_panelist,
    build_history_with_l5_decided,
)

from barraiser.calibration.charts import leniency_chart, veto_rate_chart, vote_distribution_chart
from barraiser.calibration.export import report_to_csv_rows
from barraiser.calibration.queries import ReportFilters
from barraiser.calibration.report import calibration_report

ROLES = ["admin", "recruiter", "hiring_manager", "inspector", "bar_raiser", "interviewer"]
INSPECTING = {"admin", "inspector"}
URLS = [
    "/calibration",
    "/calibration/report.json",
    "/calibration/report.csv",
    "/calibration/actions",
    "/calibration/actions/new",
]


@pytest.fixture
def history(make_loop, clock):
    # L5 decided: panel1 leans over five decided loops, enough to be flagged.
    return build_history_with_l5_decided(make_loop, clock())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", URLS)
def test_only_inspectors_and_admins_see_the_report(login_as, role, url):
    response = login_as(role).get(url)
    assert response.status_code == (200 if role in INSPECTING else 403)


@pytest.mark.parametrize("url", URLS)
def test_the_report_needs_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.fixture
def lenient_history(make_loop, clock):
    # Enough decided loops for the model, which finds panel1 lenient.
    return build_history_with_a_lenient_panelist(make_loop, clock())


def test_the_page_shows_charts_and_the_flagged_interviewer(lenient_history, login_as):
    page = login_as("inspector").get("/calibration").get_data(as_text=True)
    for chart in ("chart-leniency", "chart-votes", "chart-vetoes"):
        assert re.search(rf'<svg [^>]*id="{chart}"', page), chart
    rows = re.findall(r"<tr[^>]*>.*?</tr>", section(page, "interviewers"), re.S)
    flagged = [row for row in rows if 'data-flagged="true"' in row]
    assert len(flagged) == 1
    assert "panel1@example.com" in flagged[0]
    assert "Lenient" in flagged[0] or "lenient" in flagged[0]
    button = re.search(r'<a [^>]*data-testid="create-action"[^>]*href="([^"]+)"', flagged[0])
    assert button is not None and "subject=panel1@example.com" in button.group(1)
    assert "How flags work" in page
    assert "at least 0.25 vote points" in page
    # The leniency chart shows the adjusted estimates with their intervals as whiskers.
    chart = re.search(r'<svg [^>]*id="chart-leniency".*?</svg>', page, re.S).group(0)
    assert chart.count('class="chart-whisker"') == 8  # everyone in the model
    assert "+1.02 [+0.59, +1.45] raw +1.07" in chart
    # The reliability of a panel: a small chart and the table for panels of 1..8.
    assert re.search(r'<svg [^>]*id="chart-reliability"', page)
    table = re.search(r'data-testid="reliability">(.*?)</table>', page, re.S).group(1)
    assert len(re.findall(r"<tr", table)) == 1 + 8
    assert "reaches a reliability (Φ) of 0.8" in page
    # Trends: the chart and a row per month.
    assert re.search(r'<svg [^>]*id="chart-trends"', page)
    trends = re.search(r'data-testid="trends">(.*?)</table>', page, re.S).group(1)
    assert [m for m in ("2025-12", "2026-01", "2026-02") if f"<td>{m}</td>" in trends] == [
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    # Rates with their intervals, and the caveat beside the correlation with performance.
    adoption = page[page.index('id="adoption"') : page.index('id="open-actions"')]
    assert adoption.count('data-testid="interval">(95% CI') == 4
    assert "Only hires have performance ratings" in page
    note = re.search(r'data-testid="votes-from">(.*?)</p>', page, re.S)
    assert note is not None and "decided loops only" in note.group(1)


def test_no_feedback_text_and_no_inline_styles_anywhere(history, login_as):
    client = login_as("inspector")
    for url in ("/calibration", "/calibration/report.json", "/calibration/report.csv"):
        body = client.get(url).get_data(as_text=True)
        assert P1_EVIDENCE not in body, url
        assert "Never shown in the calibration report" not in body, url
        assert "the shadow wrote" not in body, url
    page = client.get("/calibration").get_data(as_text=True)
    assert " style=" not in page and "<style" not in page
    assert '<script src="/static/calibration.js">' in page


def test_json_has_the_contract_keys_and_unrounded_rates(lenient_history, login_as):
    report = login_as("inspector").get("/calibration/report.json").get_json()
    for key in (
        "loops",
        "decided",
        "agreement",
        "interviewers",
        "bar_raisers",
        "principles",
        "adoption",
        "vote_changes",
        "outcomes",
        "bar_raisers_in_training",
        "model",
        "reliability",
        "trends",
    ):
        assert key in report, key
    assert set(report["agreement"]) >= {"krippendorff_alpha_ordinal", "loops"}
    # 19 submitted panel feedbacks in the five loops, one late, and 144 on time in the 36 more.
    assert report["adoption"]["on_time_rate"] == 162 / 163
    low, high = (
        report["adoption"]["on_time_rate_ci_low"],
        report["adoption"]["on_time_rate_ci_high"],
    )
    assert low < 162 / 163 < high and report["adoption"]["on_time_rate_n"] == 163
    assert set(report["vote_changes"]) == {"rate", "n"}
    assert set(report["outcomes"]) >= {"hires_rated", "vote_performance_correlation"}
    assert set(report["outcomes"]["vote_performance_spearman"]) >= {"value", "ci_low", "ci_high"}
    assert (
        "range restricted"
        in report["outcomes"]["range_restriction_warning"].replace(
            "range is restricted", "range restricted"
        )
        or "restricted" in report["outcomes"]["range_restriction_warning"]
    )
    # Per interviewer the model's estimate with its interval; the reliability of a panel.
    panel1 = next(r for r in report["interviewers"] if r["email"] == "panel1@example.com")
    assert set(panel1["leniency_adjusted"]) == {"estimate", "se", "ci_low", "ci_high"}
    assert set(report["reliability"]["components"]) == {"candidate", "interviewer", "residual"}
    assert [row["k"] for row in report["reliability"]["by_panel_size"]] == list(range(1, 9))
    assert isinstance(report["reliability"]["panel_size_for_0_8"], int)
    assert [row["month"] for row in report["trends"]] == ["2025-12", "2026-01", "2026-02"]


def test_the_csv_download_parses_into_the_reports_tables(history, login_as, clock):
    client = login_as("inspector")
    response = client.get("/calibration/report.csv?since=2026-01-01&until=2026-03-02")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "calibration-2026-01-01-2026-03-02.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    period = ReportFilters(since=date(2026, 1, 1), until=date(2026, 3, 2))
    assert rows == report_to_csv_rows(calibration_report(period, now=clock()))
    sections = {row[0] for row in rows if row}
    assert {"summary", "interviewer", "bar_raiser", "principle", "mechanism_change"} <= sections
    assert ["summary", "votes_from", "decided loops only"] in rows
    assert next(r for r in rows if "subject_email" in r)[:3] == ["section", "id", "subject_email"]
    interviewers = [row for row in rows if row and row[0] == "interviewer"]
    assert [row[1] for row in interviewers] == [
        "br@example.com",
        "panel1@example.com",
        "panel2@example.com",
        "panel3@example.com",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "Not a valid date"),
        ("since=2026-02-30", "Not a valid date"),
        ("since=2026-03-01&until=2026-02-01", "The end date is before the start date."),
        ("since=0001-01-01", "Pick a date between"),
        ("department=Nowhere", "Not a valid choice"),
        ("requisition=987654", "Not a valid choice"),
        ("requisition=abc", "Not a valid choice"),
        ("sort=leniency; drop table loop", "has no column"),
        ("sort=nothing.name", "There is no table"),
        ("sort=leniency&dir=sideways", "Not a valid choice"),
    ],
)
def test_bad_filters_are_a_400_that_says_why(history, login_as, query, message):
    client = login_as("inspector")
    page = client.get(f"/calibration?{query}")
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    data = client.get(f"/calibration/report.json?{query}")
    assert data.status_code == 400
    assert message in data.get_json()["error"]
    download = client.get(f"/calibration/report.csv?{query}")
    assert download.status_code == 400
    assert message in download.get_data(as_text=True)


def test_filters_narrow_the_report(history, login_as):
    client = login_as("inspector")
    # Only L1 (ten days before the clock's today) started on 2026-02-20.
    one_day = client.get("/calibration/report.json?since=2026-02-20&until=2026-02-20")
    assert one_day.get_json()["loops"] == 1
    requisition = history.loops["L3"].loop.requisition_id
    page = client.get(f"/calibration?requisition={requisition}")
    assert page.status_code == 200
    assert re.search(r'data-testid="loops">1 \(1 decided\)', page.get_data(as_text=True))
    assert client.get("/calibration/report.json?department=Payments").get_json()["loops"] == 5


def interviewer_order(page: str) -> list[str]:
    return re.findall(r'data-testid="email">([^<]+@example\.com)</span>', page)


def section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</table>", start)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Leniency: panel1 +1.2, br and panel2 -1/6 (then by name), panel3 -13/12.
        ("sort=leniency&dir=desc", ["panel1", "br", "panel2", "panel3"]),
        ("sort=interviewers.leniency&dir=asc", ["panel3", "br", "panel2", "panel1"]),
        ("sort=name&dir=desc", ["panel3", "panel2", "panel1", "br"]),
        # Only panel1 wrote evidence: the others have no data, which sorts last either way.
        ("sort=evidence_median_words&dir=asc", ["panel1", "br", "panel2", "panel3"]),
        ("sort=evidence_median_words&dir=desc", ["panel1", "br", "panel2", "panel3"]),
    ],
)
def test_tables_sort_on_the_server_without_javascript(history, login_as, query, expected):
    page = login_as("inspector").get(f"/calibration?{query}").get_data(as_text=True)
    emails = interviewer_order(section(page, "interviewers"))
    assert emails == [f"{name}@example.com" for name in expected]


def test_sort_links_keep_the_filters_and_flip_the_direction(history, login_as):
    page = login_as("inspector").get(
        "/calibration?since=2026-01-01&until=2026-03-02&sort=leniency&dir=asc"
    )
    html = page.get_data(as_text=True)
    header = re.search(r'<th [^>]*aria-sort="ascending"[^>]*>\s*<a [^>]*href="([^"]+)"', html)
    assert header is not None
    link = header.group(1).replace("&amp;", "&")
    assert "sort=interviewers.leniency" in link and "dir=desc" in link
    assert "since=2026-01-01" in link and "until=2026-03-02" in link


@pytest.mark.parametrize(
    ("role", "shown"),
    [("inspector", True), ("admin", True), ("hiring_manager", False), ("interviewer", False)],
)
def test_inspectors_land_on_a_link_to_the_report(login_as, role, shown):
    home = login_as(role).get("/").get_data(as_text=True)
    assert ("Calibration report (last 90 days)" in home) is shown
    assert ('href="/calibration"' in home) is shown


def test_charts_escape_names_and_print_their_numbers(app):
    row = {
        "name": '<script>alert("x")</script>',
        "email": "x@example.com",
        "leniency": 0.75,
        "leniency_n": 6,
        "hire_lean": 0.5,
        "votes": {"strong_hire": 1, "inclined_hire": 1, "inclined_no_hire": 1, "strong_no_hire": 1},
    }
    svg = str(leniency_chart([row], threshold=0.5, min_n=5))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "+0.75 (n=6)" in svg
    assert "style=" not in svg
    votes = str(vote_distribution_chart([row], min_n=5))
    assert "&lt;script&gt;" in votes and "50% hire" in votes
    vetoes = str(veto_rate_chart([{"name": "Bea", "debriefs": 4, "vetoes": 1, "veto_rate": 0.25}]))
    assert "25% (1/4)" in vetoes


def test_flag_thresholds_are_set_on_the_settings_page(lenient_history, login_as):
    admin = login_as("admin")
    form = {
        "feedback_deadline_hours": "24",
        "min_evidence_words": "30",
        "allow_principle_overlap": "",
        "flag_min_n": "4",
        "flag_leniency_threshold": "1.0",
        "flag_agreement_floor": "0.5",
        "flag_agreement_z": "2",
        "flag_min_effect": "1.1",
        "review_cadence_months": "1",
        "candidate_survey": "",
        "candidate_survey_days": "14",
        "min_panel_size": "4",
        "time_zone": "UTC",
        "certification_loops_shadowed": "3",
        "certification_loops_led": "2",
        "performance_first_rating_months": "6",
        "performance_second_rating_months": "12",
    }
    assert admin.post("/admin/settings/", data=form).status_code == 302
    report = admin.get("/calibration/report.json").get_json()
    assert report["flag_settings"]["min_effect"] == 1.1
    flagged = {
        row["email"]: row["flag_reasons"] for row in report["interviewers"] if row["flagged"]
    }
    assert flagged == {}  # panel1's adjusted +1.02 is under 1.1
    assert "at least 1.1 vote points" in admin.get("/calibration").get_data(as_text=True)
    assert (
        admin.post("/admin/settings/", data={**form, "flag_min_effect": "0.5"}).status_code == 302
    )
    report = admin.get("/calibration/report.json").get_json()
    flagged = {
        row["email"]: row["flag_reasons"] for row in report["interviewers"] if row["flagged"]
    }
    assert flagged == {"panel1@example.com": ["lenient"]}
    for bad in (
        {"flag_leniency_threshold": "nan"},
        {"flag_agreement_floor": "1.5"},
        {"flag_min_n": "0"},
        {"flag_agreement_z": "lots"},
        {"flag_min_effect": "-0.5"},
    ):
        assert admin.post("/admin/settings/", data={**form, **bad}).status_code == 400
