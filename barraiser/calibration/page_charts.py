"""The report page's charts, each set drawn once per distinct figures it draws.

A chart is a pure function of a few sections of the report (the interviewers, the Bar Raisers,
the flag settings, the reliability and the trends), and those sections stay the same from one
request to the next while the report's data does (the report comes from its cache): sorting a
table, paging through it or reloading the page draws the same SVG again, which was a fifth of
the page's cost. So the sections are serialised (pickle: floats as their bytes, so equal bytes
mean equal figures) and the charts drawn for them are kept, by those bytes, in this process.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from .charts import report_charts
from .line_charts import measurement_charts

CHART_SECTIONS = ("interviewers", "bar_raisers", "flag_settings", "reliability", "trends")
"""What the charts read of the report, and nothing else (they are drawn from these alone)."""
KEPT = 8
"""Sets of charts kept at most: a few periods and filters looked at in turn."""

_lock = threading.Lock()
_drawn: OrderedDict[bytes, dict[str, Markup]] = OrderedDict()


def page_charts(report: Mapping[str, Any]) -> dict[str, Markup]:
    """Every chart of the report page (charts.report_charts, line_charts.measurement_charts),
    drawn from the report's chart sections only, or as drawn before from equal sections."""
    sections = {name: report[name] for name in CHART_SECTIONS}
    key = pickle.dumps(sections, protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        charts = _drawn.get(key)
        if charts is not None:
            _drawn.move_to_end(key)
            return charts
    charts = {**report_charts(sections), **measurement_charts(sections)}
    with _lock:
        _drawn[key] = charts
        while len(_drawn) > KEPT:
            _drawn.popitem(last=False)
    return charts
