"""The report page's charts, each set drawn once per distinct figures it draws (see `kept`).

A chart is a pure function of a few sections of the report (the interviewers, the Bar Raisers,
the flag settings, the reliability and the trends), which stay the same from one request to the
next while the report's data does (the report comes from its cache): drawing them again was a
fifth of the page's cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from .charts import report_charts
from .kept import KeptMarkup
from .line_charts import measurement_charts

CHART_SECTIONS = ("interviewers", "bar_raisers", "flag_settings", "reliability", "trends")
"""What the charts read of the report, and nothing else (they are drawn from these alone)."""

_drawn: KeptMarkup[dict[str, Markup]] = KeptMarkup(8)
"""A few periods and filters looked at in turn."""


def page_charts(report: Mapping[str, Any]) -> dict[str, Markup]:
    """Every chart of the report page (charts.report_charts, line_charts.measurement_charts),
    drawn from the report's chart sections only, or as drawn before from equal sections."""
    sections = {name: report[name] for name in CHART_SECTIONS}
    return _drawn.get(sections, lambda: {**report_charts(sections), **measurement_charts(sections)})
