"""The page's charts are drawn from the report's chart sections alone, and drawn again whenever a
figure in them changes."""

from __future__ import annotations

import copy

from calibration.report_data import build_history_with_a_lenient_panelist

from barraiser.calibration import page_charts as module
from barraiser.calibration.charts import report_charts
from barraiser.calibration.line_charts import measurement_charts
from barraiser.calibration.queries import ReportFilters
from barraiser.calibration.report import calibration_report


def test_the_charts_kept_are_the_charts_drawn_and_change_with_their_figures(
    make_loop, clock, monkeypatch
):
    build_history_with_a_lenient_panelist(make_loop, clock())
    today = clock().date()
    report = calibration_report(
        ReportFilters(since=today.replace(year=2025), until=today), now=clock()
    )
    drawn = []

    def drawing(report):
        drawn.append(1)
        return report_charts(report)

    module._drawn.clear()
    monkeypatch.setattr(module, "report_charts", drawing)
    charts = module.page_charts(report)
    assert charts == {**report_charts(report), **measurement_charts(report)}
    assert len(drawn) == 1

    # The same figures (a report read again from the cache is a fresh copy): kept.
    again = copy.deepcopy(report)
    again["generated_at"], again["open_actions"] = "later", [{"id": 1}]
    assert module.page_charts(again) == charts
    assert len(drawn) == 1

    # Any figure of a chart section changed: drawn again.
    for section, change in [
        ("interviewers", lambda r: r["interviewers"][0].update(leniency=-3.0)),
        ("bar_raisers", lambda r: r["bar_raisers"][0].update(veto_rate=0.99)),
        ("flag_settings", lambda r: r["flag_settings"].update(min_n=1)),
        ("reliability", lambda r: r["reliability"]["by_panel_size"][0].update(absolute=0.01)),
        ("trends", lambda r: r["trends"][0].update(bar_raiser_rate=0.01)),
    ]:
        changed = copy.deepcopy(report)
        change(changed)
        count = len(drawn)
        assert module.page_charts(changed) == {
            **report_charts(changed),
            **measurement_charts(changed),
        }, section
        assert len(drawn) == count + 1, section
