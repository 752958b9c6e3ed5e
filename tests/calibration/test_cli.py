"""`flask calibration`: the same report as the web, on stdout and nothing else; errors on stderr."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from calibration.report_data import build_history

from barraiser.calibration.export import report_to_csv_rows
from barraiser.calibration.queries import ReportFilters
from barraiser.calibration.report import calibration_report


@pytest.fixture
def history(make_loop, clock):
    return build_history(make_loop, clock())


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["calibration", *args])


def test_json_on_stdout_is_the_json_of_the_web(app, history, login_as):
    result = run(app, "--since", "2026-01-01", "--until", "2026-03-02")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    printed = json.loads(result.stdout)  # nothing but the report on stdout
    web = login_as("inspector").get("/calibration/report.json?since=2026-01-01&until=2026-03-02")
    assert printed == web.get_json()
    assert printed["loops"] == 5
    # Printed for people too: indented, keys sorted.
    assert result.stdout.startswith('{\n  "adoption": {')


def test_defaults_to_the_last_90_days_in_json(app, history, login_as):
    result = run(app)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["filters"] == {
        "since": "2025-12-03",
        "until": "2026-03-02",
        "department": None,
        "requisition": None,
        "votes_from": "decided loops only",
    }


def test_csv_on_stdout(app, history, clock):
    result = run(app, "--format", "csv", "--department", "Payments")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["section", "metric", "value"]
    assert ["summary", "loops", "5"] in rows
    filters = ReportFilters(date(2025, 12, 3), date(2026, 3, 2), department="Payments")
    assert rows == report_to_csv_rows(calibration_report(filters, now=clock()))


def test_filters_narrow_the_report(app, history):
    requisition = history.loops["L3"].loop.requisition_id
    result = run(app, "--requisition", str(requisition))
    assert json.loads(result.stdout)["loops"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "--since: Not a valid date"),
        (["--since", "2026-03-01", "--until", "2026-01-01"], "The end date is before"),
        (["--department", "Nowhere"], "--department: Not a valid choice"),
        (["--requisition", "987654"], "--requisition: Not a valid choice"),
    ],
)
def test_bad_filters_exit_2_with_the_reason_on_stderr(app, history, args, message):
    result = run(app, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_an_unknown_format_is_refused_by_click(app):
    result = run(app, "--format", "xml")
    assert result.exit_code == 2
    assert result.stdout == ""
