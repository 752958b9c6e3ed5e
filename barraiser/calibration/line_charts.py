"""The report's line charts as inline SVG: the reliability of a panel by its size, and the
headline figures month by month. Drawn on the server like the bar charts of `charts.py` (same
rules: computed numbers and escaped names only, presentation attributes, values as text)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from .charts import CHARACTER_WIDTH, WIDTH, _empty, _svg
from .table_markup import escaped

LEFT, RIGHT, TOP, PLOT_HEIGHT = 60, WIDTH - 190, 20, 180
SERIES_COLOURS = ("#1b6ca8", "#b35806", "#146c43", "#542788", "#842029", "#5c5c5c")
DASHES = ("", "6 3", "2 2", "8 3 2 3", "4 4", "1 3")
TREND_SERIES = (
    ("krippendorff_alpha_ordinal", "Panel agreement (α)"),
    ("bar_raiser_rate", "Certified Bar Raiser"),
    ("on_time_rate", "Feedback on time"),
    ("submitted_before_debrief_rate", "All in before the debrief"),
    ("principle_coverage_rate", "Principles covered"),
    ("veto_rate", "Veto rate"),
)


LABEL_GAP = 10
"""The least space between two labels of the horizontal axis."""


def _labelled(labels: Sequence[str], step: float) -> list[int]:
    """The positions whose label the horizontal axis shows, `step` apart: every n-th, n as
    small as lets no two labels touch, and the last one too where it has the room (a year of
    months side by side would run into one another)."""
    if not labels:
        return []
    room = CHARACTER_WIDTH * max(map(len, labels)) + LABEL_GAP
    every = max(1, math.ceil(room / step)) if step > 0 else 1
    shown = list(range(0, len(labels), every))
    last = len(labels) - 1
    if shown[-1] != last and (last - shown[-1]) * step >= room:
        shown.append(last)
    return shown


def _line_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    low: float,
    high: float,
    guide: float | None = None,
) -> Markup:
    """Lines over evenly spaced labels on a low..high axis; gaps where a value is None; each
    point is a small circle with its value in a <title>, so it reads without colour too."""
    count = len(labels)
    step = (RIGHT - LEFT) / max(count - 1, 1)

    def x(index: int) -> float:
        return LEFT + index * step if count > 1 else (LEFT + RIGHT) / 2

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * PLOT_HEIGHT

    bottom = TOP + PLOT_HEIGHT
    body = []
    for tick in (low, (low + high) / 2, high):
        at = f"{y(tick):.1f}"
        body.append(
            f'<line x1="{LEFT}" x2="{RIGHT}" y1="{at}" y2="{at}" stroke="#dee2e6" '
            'stroke-width="1"/>'
        )
        body.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'class="chart-axis">{tick:g}</text>'
        )
    if guide is not None:
        at = f"{y(guide):.1f}"
        body.append(
            f'<line class="chart-threshold" x1="{LEFT}" x2="{RIGHT}" y1="{at}" y2="{at}" '
            'stroke="#000000" stroke-width="1" stroke-dasharray="4 3"/>'
        )
    label_texts = [escaped(label) for label in labels]
    for index in _labelled(labels, step):
        body.append(
            f'<text x="{x(index):.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'class="chart-axis">{label_texts[index]}</text>'
        )
    for number, (name, values) in enumerate(series):
        colour, dash = SERIES_COLOURS[number % 6], DASHES[number % 6]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        runs: list[list[str]] = [[]]
        series_name = escaped(name)
        for index, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            cx, cy = f"{x(index):.1f}", f"{y(value):.1f}"
            runs[-1].append(f"{cx},{cy}")
            body.append(
                f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"><title>{series_name}, '
                f"{label_texts[index]}: {value:.2f}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                body.append(
                    f'<polyline class="chart-line" points="{" ".join(run)}" fill="none" '
                    f'stroke="{colour}" stroke-width="1.6"{dashed}/>'
                )
        legend_y = TOP + 4 + number * 18
        body.append(
            f'<line x1="{RIGHT + 12}" x2="{RIGHT + 36}" y1="{legend_y}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="2"{dashed}/>'
        )
        body.append(
            f'<text x="{RIGHT + 40}" y="{legend_y + 4}" class="chart-note">{series_name}</text>'
        )
    return _svg(chart_id, title, description, bottom + 28, body)


def reliability_chart(reliability: Mapping[str, Any]) -> Markup:
    """Φ and Eρ² of a panel's mean vote for panels of 1…8, with 0.8 dashed."""
    title = "Reliability of a panel by its size"
    rows = reliability["by_panel_size"]
    if not rows:
        return _empty("chart-reliability", title, "Too few votes to estimate reliability.")
    labels = [str(row["k"]) for row in rows]
    needed = reliability["panel_size_for_0_8"]
    description = (
        "How reliable the mean vote of a panel of 1 to 8 interviewers is: Φ counts the "
        "interviewers' differing severity as error (each candidate meets a different panel), "
        "Eρ² does not. Dashed: 0.8." + (f" A panel of {needed} reaches Φ = 0.8." if needed else "")
    )
    return _line_chart(
        "chart-reliability",
        title,
        description,
        labels,
        [
            ("Φ (absolute)", [row["absolute"] for row in rows]),
            ("Eρ² (relative)", [row["relative"] for row in rows]),
        ],
        low=0.0,
        high=1.0,
        guide=0.8,
    )


def trends_chart(trends: Sequence[Mapping[str, Any]]) -> Markup:
    """The headline shares and alpha by month, on one 0..1 axis (alpha below 0 is drawn at 0's
    edge of a wider axis when it happens)."""
    title = "Headline figures by month"
    if not trends:
        return _empty("chart-trends", title, "No loops in this period.")
    labels = [row["month"] for row in trends]
    series = [(label, [row[key] for row in trends]) for key, label in TREND_SERIES]
    lowest = min((v for _, values in series for v in values if v is not None), default=0.0)
    description = (
        f"For {len(labels)} months by the loops' first interview: panel agreement "
        "(Krippendorff's α) and the adoption and veto rates; the table below holds the values "
        "with their intervals."
    )
    return _line_chart(
        "chart-trends", title, description, labels, series, low=min(0.0, lowest), high=1.0
    )


def measurement_charts(report: Mapping[str, Any]) -> dict[str, Markup]:
    return {
        "reliability": reliability_chart(report["reliability"]),
        "trends": trends_chart(report["trends"]),
    }
