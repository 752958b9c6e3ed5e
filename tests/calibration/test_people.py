"""The interviewer's and the Bar Raiser's pages, the report's paged tables and wide CSVs: what an
inspector reads, never a loop in flight nor a word of feedback, whatever roles the reader holds."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from calibration.report_data import (
    P1_EVIDENCE,
    build_history,
    decide,
    panel_loop,
)
from query_plans import sent_with

from barraiser.auth.models import Role, UserRole
from barraiser.domain import Outcome
from barraiser.extensions import db


@pytest.fixture
def history(make_loop, clock):
    """The hand-worked history (L1..L4 decided in the period, L5 in flight, L6 before it), each
    loop's candidate named after it so a page says which loops it shows."""
    built = build_history(make_loop, clock())
    for name, loop in built.loops.items():
        loop.loop.candidate.name = f"Candidate {name}"
    db.session.commit()
    return built


def candidates(page: str) -> list[str]:
    return re.findall(r"Candidate (L\d)", page)


def test_an_inspector_goes_from_the_report_to_the_loops_behind_an_interviewer(history, login_as):
    client = login_as("inspector")
    report = client.get("/calibration").get_data(as_text=True)
    panel1 = history.panelist(1)
    link = re.search(rf'href="(/calibration/interviewers/{panel1.id}\?[^"]+)"', report)
    assert link is not None

    page = client.get(link.group(1).replace("&amp;", "&"))

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert candidates(html) == ["L4", "L3", "L2", "L1"]  # decided loops of the period, newest first
    table = html[html.index('data-testid="decided-loops"') :]
    assert table.count("Strong hire") == 4  # panel1 wrote 4 on each
    assert "Vetoed" in table and "Hire" in table
    assert P1_EVIDENCE not in html  # never a word of feedback
    assert 'data-testid="figures"' in html and "Raw leniency" in html
    months = html[html.index('data-testid="months"') :]
    assert re.search(r"<th scope=\"row\">\d{4}-\d{2}</th><td class=\"text-end\">4</td>", months)


def test_the_bar_raiser_page_lists_the_loops_they_ran_and_their_vetoes(history, login_as):
    html = (
        login_as("admin")
        .get(f"/calibration/bar-raisers/{history.bar_raiser.id}")
        .get_data(as_text=True)
    )
    assert candidates(html) == ["L4", "L3", "L2", "L1"]
    assert html.count(">Vetoed<") == 1
    figures = html[html.index('data-testid="figures"') : html.index('id="months"')]
    assert "Loops run" in figures and "25%" in figures  # one veto in four decided loops
    months = html[html.index('data-testid="months"') :]
    assert '<td class="text-end">5</td>' in months  # L1..L5 run, L5 still in flight


@pytest.mark.parametrize(
    "roles",
    [
        (Role.INSPECTOR,),
        (Role.ADMIN,),
        (Role.INSPECTOR, Role.RECRUITER),
        (Role.ADMIN, Role.HIRING_MANAGER),
    ],
)
def test_a_reader_on_a_panel_in_flight_never_sees_that_loop(history, login_as, roles):
    # panel3 still owes feedback on L5, in flight: nothing of L5 on any of these pages.
    reader = history.panelist(3)
    reader.role_rows.extend(UserRole(role=role) for role in roles)
    db.session.commit()
    client = login_as(reader)
    people = [history.bar_raiser, *(history.panelist(i) for i in (1, 2, 3))]
    urls = [f"/calibration/interviewers/{person.id}" for person in people]
    urls.append(f"/calibration/bar-raisers/{history.bar_raiser.id}")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "L5" not in candidates(html), url
        assert P1_EVIDENCE not in html, url


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "interviewer", "bar_raiser"])
def test_only_the_hiring_committee_opens_a_persons_page(history, login_as, role):
    client = login_as(role)
    for url in (
        f"/calibration/interviewers/{history.panelist(1).id}",
        f"/calibration/bar-raisers/{history.bar_raiser.id}",
        "/calibration/interviewers.csv",
    ):
        assert client.get(url).status_code == 403


def test_a_persons_page_takes_the_reports_filters_and_refuses_bad_ones(history, login_as):
    client = login_as("inspector")
    url = f"/calibration/interviewers/{history.panelist(1).id}"
    assert client.get(f"{url}?since=never").status_code == 400
    narrow = client.get(f"{url}?since=2026-02-20&until=2026-02-20").get_data(as_text=True)
    assert candidates(narrow) == ["L1"]
    assert client.get("/calibration/interviewers/987654").status_code == 404
    assert client.get(f"{url}?page=abc").status_code == 200


@pytest.mark.parametrize("page", ["interviewers", "bar-raisers"])
def test_a_persons_page_names_its_period_in_its_statements(history, login_as, page):
    """The period's first and last midnights are written into the statements' text, one text per
    period, so that PostgreSQL plans them for the period (and once for every load of it) rather
    than for any period; no moment is bound. The narrow period still finds its one loop."""
    client = login_as("inspector")
    who = history.panelist(1) if page == "interviewers" else history.bar_raiser
    url = f"/calibration/{page}/{who.id}?since=2026-02-20&until=2026-02-20"
    client.get(url)  # the report behind the page, built and kept
    with sent_with("loop.first_interview_at >=") as sent:
        html = client.get(url).get_data(as_text=True)
    assert candidates(html) == ["L1"]
    assert sent
    for statement, moments in sent:
        assert "loop.first_interview_at >= '2026-02-20 00:00:00" in statement
        assert "loop.first_interview_at < '2026-02-21 00:00:00" in statement
        assert moments == []


def test_person_pages_read_the_same_statements_at_any_size(
    history, make_loop, login_as, clock, count_queries
):
    client = login_as("inspector")
    urls = (
        f"/calibration/interviewers/{history.panelist(1).id}",
        f"/calibration/bar-raisers/{history.bar_raiser.id}",
        "/calibration",
    )
    client.get(urls[0])  # the first request of a login does its own bookkeeping
    few = []
    for url in urls:
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        few.append(counted.count)
    start = clock() - timedelta(days=30)
    for day in range(30):  # more than a page of loops, over two months
        built = panel_loop(make_loop, start + timedelta(days=day), (2, 3, 2, 1))
        decide(built, Outcome.NO_HIRE)
    db.session.commit()
    many = []
    for url in urls:
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        many.append(counted.count)
    assert many == few
    page = client.get(urls[0]).get_data(as_text=True)
    assert "Page 1 of 2" in page


def test_long_tables_show_a_page_flagged_first_and_sort_across_pages(
    history, login_as, monkeypatch
):
    monkeypatch.setattr("barraiser.calibration.views.TABLE_PAGE_SIZE", 2)
    client = login_as("inspector")
    first = client.get("/calibration").get_data(as_text=True)
    start = first.index('data-testid="interviewers"')
    table = first[start : first.index("</table>", start)]
    assert table.count('data-testid="email"') == 2
    assert "Rows 1–2 of 4" in first
    second = client.get("/calibration?sort=name&dir=desc&page=2").get_data(as_text=True)
    emails = re.findall(r'data-testid="email">([^<]+)<', second)
    assert emails == ["panel1@example.com", "br@example.com"]


def test_wide_csvs_hold_a_row_per_interviewer_bar_raiser_and_principle(history, login_as):
    client = login_as("inspector")
    report = client.get("/calibration/report.json").get_json()
    page = client.get("/calibration").get_data(as_text=True)
    for table, url, key in (
        ("interviewers", "/calibration/interviewers.csv", "email"),
        ("bar_raisers", "/calibration/bar-raisers.csv", "email"),
        ("principles", "/calibration/principles.csv", "name"),
    ):
        assert f'data-testid="wide-csv-{table}" href="{url}?' in page
        response = client.get(url)
        assert response.mimetype == "text/csv"
        assert f"calibration-{table}-" in response.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert [row[key] for row in rows] == [row[key] for row in report[table]]
    interviewers = list(
        csv.DictReader(
            io.StringIO(client.get("/calibration/interviewers.csv").get_data(as_text=True))
        )
    )
    panel1 = next(row for row in interviewers if row["email"] == "panel1@example.com")
    assert float(panel1["hire_lean"]) == 1.0
    assert client.get("/calibration/interviewers.csv?since=nope").status_code == 400


def test_the_report_speaks_in_words(history, login_as):
    client = login_as("inspector")
    vetoed_only = client.get("/calibration?since=2026-02-21&until=2026-02-21")
    assert "No rated hires yet" in vetoed_only.get_data(as_text=True)
    html = client.get("/calibration").get_data(as_text=True)
    assert "over 3 rated hires" in html
    headers = re.findall(r'<a class="sort-link"[^>]*>([^<]+)<', html)
    interviewers = headers[: headers.index("Bar Raiser")]
    assert len(interviewers) == len(set(interviewers))  # no two columns named alike
    trainees = html[html.index('data-testid="trainees"') :]
    assert "<td" in trainees and ">In training<" in trainees and ">in_training<" not in trainees
    # Everyone but panel1 wrote no evidence text: no data, not zero words.
    assert "no data" in html
