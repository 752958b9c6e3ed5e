"""The report's charts as inline SVG, drawn on the server from the report's own numbers.

Only numbers we computed and names escaped (`escaped`) go into the markup, so templates may
mark it safe. No style attributes (the CSP forbids them): fills and strokes are SVG presentation
attributes, which it allows, with classes for app.css to adjust on screen and on paper. Every bar
carries its value as text, so a chart still reads in black and white.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from ..domain import VOTES_BY_SCORE, Vote
from .table_markup import escaped

WIDTH = 760
LABEL_WIDTH = 190
PLOT_LEFT = LABEL_WIDTH + 10
PLOT_RIGHT = WIDTH - 110
VALUE_X = PLOT_RIGHT + 6
"""Where the values' column at the right of the bars begins."""
CHARACTER_WIDTH = 7.2
"""The most a character of a value takes at the charts' 12 px (a digit is about 6.7 px in the
common sans-serif faces): what a value's text is given, so that none is cut off."""
ROW = 22
BAR = 14
TOP = 34
BOTTOM = 30
MAX_ROWS = 40
"""Beyond this many bars a chart stops being read; the table below it holds everyone."""

FILLS = {
    "lenient": "#b35806",
    "harsh": "#542788",
    "neutral": "#8c8c8c",
    "veto": "#b02a37",
}
VOTE_FILLS = {
    Vote.STRONG_NO_HIRE: "#842029",
    Vote.INCLINED_NO_HIRE: "#e4989e",
    Vote.INCLINED_HIRE: "#92c5a6",
    Vote.STRONG_HIRE: "#146c43",
}
VOTE_TEXT = {
    Vote.STRONG_NO_HIRE: "#ffffff",
    Vote.INCLINED_NO_HIRE: "#000000",
    Vote.INCLINED_HIRE: "#000000",
    Vote.STRONG_HIRE: "#ffffff",
}


def _svg(
    chart_id: str,
    title: str,
    description: str,
    height: float,
    body: Iterable[str],
    *,
    width: float = WIDTH,
) -> Markup:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="12" '
        f'font-family="system-ui, sans-serif">',
        f'<title id="{chart_id}-title">{escaped(title)}</title>',
        f'<desc id="{chart_id}-desc">{escaped(description)}</desc>',
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))


def _label(y: float, text: str) -> str:
    """An interviewer's or Bar Raiser's name at the left of their bar, cut to fit."""
    short = text if len(text) <= 28 else text[:27] + "…"
    return (
        f'<text class="chart-label" x="{LABEL_WIDTH}" y="{y + BAR - 3:.1f}" '
        f'text-anchor="end">{escaped(short)}</text>'
    )


def _empty(chart_id: str, title: str, message: str) -> Markup:
    return _svg(
        chart_id,
        title,
        message,
        40,
        [
            f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" class="chart-empty">'
            f"{escaped(message)}</text>"
        ],
    )


def _by_extremity(rows: Sequence[Mapping[str, Any]], min_n: int) -> list[Mapping[str, Any]]:
    """The MAX_ROWS interviewers most worth seeing: enough loops first, then the furthest out
    (those with no leniency at all last)."""
    ranked = sorted(
        rows,
        key=lambda row: (
            row["leniency"] is None,
            row["leniency_n"] < min_n,
            -abs(row["leniency"] or 0),
            row["name"],
        ),
    )
    return ranked[:MAX_ROWS]


def leniency_chart(
    interviewers: Sequence[Mapping[str, Any]],
    *,
    threshold: float,
    min_n: int,
    min_effect: float | None = None,
) -> Markup:
    """Diverging bars of each interviewer's leniency around 0. When the report's model was
    fitted (rows carry `leniency_adjusted`), the bars are the adjusted estimates with their 95%
    intervals as whiskers and the dashed lines at ±`min_effect`; otherwise the raw leniency,
    with the dashed lines at ±`threshold`."""
    title = "Leniency by interviewer"
    adjusted = any(row.get("leniency_adjusted") for row in interviewers)
    if adjusted:
        rows = [row for row in interviewers if row.get("leniency_adjusted")]
        limit = threshold if min_effect is None else min_effect
    else:
        rows = [row for row in interviewers if row["leniency"] is not None]
        limit = threshold
    if not rows:
        return _empty("chart-leniency", title, "No interviewer has a vote to compare yet.")

    def value_of(row: Mapping[str, Any]) -> float:
        return row["leniency_adjusted"]["estimate"] if adjusted else row["leniency"]

    if adjusted:
        ranked = sorted(rows, key=lambda row: (-abs(value_of(row)), row["name"]))[:MAX_ROWS]
    else:
        ranked = _by_extremity(rows, min_n)
    shown = sorted(ranked, key=lambda row: -value_of(row))
    reach = [abs(value_of(row)) for row in shown]
    if adjusted:
        reach += [
            max(abs(row["leniency_adjusted"]["ci_low"]), abs(row["leniency_adjusted"]["ci_high"]))
            for row in shown
        ]
    extent = max(max(reach), limit * 1.5, 1.0)
    scale = (PLOT_RIGHT - PLOT_LEFT) / (2 * extent)
    zero = PLOT_LEFT + extent * scale
    height = TOP + ROW * len(shown) + BOTTOM

    def x(value: float) -> float:
        return zero + value * scale

    values: list[str] = []
    body = [
        f'<text x="{PLOT_LEFT}" y="14" class="chart-note">← harsher than their panels</text>',
        f'<text x="{PLOT_RIGHT}" y="14" text-anchor="end" class="chart-note">'
        "more lenient than their panels →</text>",
    ]
    for index, row in enumerate(shown):
        y = TOP + index * ROW
        value = value_of(row)
        if adjusted:
            reasons = row.get("flag_reasons") or []
            kind = (
                "lenient" if "lenient" in reasons else "harsh" if "harsh" in reasons else "neutral"
            )
            thin = False
        else:
            kind = "lenient" if value >= limit else "harsh" if value <= -limit else "neutral"
            thin = row["leniency_n"] < min_n
        left, right = sorted((zero, x(value)))
        body.append(_label(y, row["name"]))
        body.append(
            f'<rect class="chart-bar bar-{kind}{" bar-thin" if thin else ""}" '
            f'x="{left:.1f}" y="{y}" width="{max(right - left, 1):.1f}" '
            f'height="{BAR}" fill="{FILLS[kind]}" fill-opacity="{0.45 if thin else 1}" '
            f'stroke="#000000" stroke-width="0.5"/>'
        )
        if adjusted:
            interval = row["leniency_adjusted"]
            low, high = f"{x(interval['ci_low']):.1f}", f"{x(interval['ci_high']):.1f}"
            middle = f"{y + BAR / 2:.1f}"
            body.append(
                f'<g class="chart-whisker" stroke="#000000" stroke-width="1.2">'
                f'<line x1="{low}" x2="{high}" y1="{middle}" y2="{middle}"/>'
                f'<line x1="{low}" x2="{low}" y1="{y + 2}" y2="{y + BAR - 2}"/>'
                f'<line x1="{high}" x2="{high}" y1="{y + 2}" y2="{y + BAR - 2}"/></g>'
            )
            raw = "—" if row["leniency"] is None else f"{row['leniency']:+.2f}"
            text = f"{value:+.2f} [{interval['ci_low']:+.2f}, {interval['ci_high']:+.2f}] raw {raw}"
        else:
            text = f"{value:+.2f} (n={row['leniency_n']})"
        # Values in their own column at the right, so no label ever overlaps a bar or a name.
        values.append(text)
        body.append(
            f'<text class="chart-value" x="{VALUE_X}" y="{y + BAR - 3:.1f}">{escaped(text)}</text>'
        )
    bottom = TOP + ROW * len(shown)
    body.append(
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{TOP - 6}" y2="{bottom}" '
        'stroke="#000000" stroke-width="1"/>'
    )
    for edge in (-limit, limit):
        at = f"{x(edge):.1f}"
        body.append(
            f'<line class="chart-threshold" x1="{at}" x2="{at}" y1="{TOP - 6}" y2="{bottom}" '
            'stroke="#000000" stroke-width="1" stroke-dasharray="4 3"/>'
        )
        body.append(
            f'<text x="{at}" y="{bottom + 14}" text-anchor="middle" class="chart-axis">'
            f"{edge:+g}</text>"
        )
    guide = "minimum effect" if adjusted else "flag threshold"
    body.append(
        f'<text x="{zero:.1f}" y="{bottom + 26}" text-anchor="middle" class="chart-axis">'
        f"0 (vote points; dashed: {guide})</text>"
    )
    hidden = len(rows) - len(shown)
    if adjusted:
        description = (
            f"{len(shown)} interviewers' leniency adjusted for the candidates they met (the "
            "model's estimate), with whiskers for its 95% interval and the raw leniency after "
            f"it. Dashed lines at ±{limit:g} mark the minimum effect a flag needs; a flag also "
            "needs the whole interval on one side of 0."
        )
    else:
        description = (
            f"{len(shown)} interviewers' mean written vote minus the mean of the other "
            f"panelists in the same loops. Dashed lines at ±{limit:g} mark the flag "
            f"threshold; pale bars have fewer than {min_n} loops."
        )
    if hidden:
        description += f" {hidden} interviewers closer to 0 are in the table only."
    # An estimate with its interval and the raw figure is three times as long as one number:
    # the chart is drawn wider for it (and scaled to the page's width), rather than cut off.
    longest = max(len(text) for text in values)
    width = max(WIDTH, VALUE_X + CHARACTER_WIDTH * longest)
    return _svg("chart-leniency", title, description, height, body, width=width)


def vote_distribution_chart(interviewers: Sequence[Mapping[str, Any]], *, min_n: int) -> Markup:
    """100% stacked bars of each interviewer's written votes, most hire-leaning first; the same
    interviewers as the leniency chart when there are more than it can show."""
    title = "Written votes by interviewer"
    rows = [row for row in interviewers if sum(row["votes"].values())]
    if not rows:
        return _empty("chart-votes", title, "No written votes in this period.")
    shown = sorted(_by_extremity(rows, min_n), key=lambda row: (-row["hire_lean"], row["name"]))
    order = [VOTES_BY_SCORE[score] for score in sorted(VOTES_BY_SCORE)]  # the lowest first
    width = PLOT_RIGHT - PLOT_LEFT
    height = TOP + ROW * len(shown) + BOTTOM
    body = []
    legend_x = PLOT_LEFT
    for name in order:
        body.append(
            f'<rect x="{legend_x}" y="4" width="12" height="12" fill="{VOTE_FILLS[name]}" '
            'stroke="#000000" stroke-width="0.5"/>'
        )
        label = name.replace("_", " ")
        body.append(f'<text x="{legend_x + 16}" y="14" class="chart-note">{label}</text>')
        legend_x += 26 + 7 * len(label)
    for index, row in enumerate(shown):
        y = TOP + index * ROW
        total = sum(row["votes"].values())
        body.append(_label(y, row["name"]))
        left = float(PLOT_LEFT)
        for name in order:
            count = row["votes"][name]
            if not count:
                continue
            part = width * count / total
            body.append(
                f'<rect class="chart-bar vote-seg-{name}" x="{left:.1f}" y="{y}" '
                f'width="{part:.1f}" height="{BAR}" fill="{VOTE_FILLS[name]}" '
                'stroke="#000000" stroke-width="0.5"/>'
            )
            if part >= 18:
                body.append(
                    f'<text x="{left + part / 2:.1f}" y="{y + BAR - 3:.1f}" '
                    f'text-anchor="middle" fill="{VOTE_TEXT[name]}" class="chart-value">'
                    f"{count}</text>"
                )
            left += part
        lean = row["hire_lean"]
        body.append(
            f'<text class="chart-value" x="{VALUE_X}" y="{y + BAR - 3:.1f}">{lean:.0%} hire</text>'
        )
    description = (
        f"For {len(shown)} interviewers, their written votes from strong no hire (left) to "
        "strong hire (right), as shares of their votes, with the counts on the bars."
    )
    return _svg("chart-votes", title, description, height, body)


def veto_rate_chart(bar_raisers: Sequence[Mapping[str, Any]]) -> Markup:
    """Each Bar Raiser's share of decided loops they vetoed."""
    title = "Veto rate by Bar Raiser"
    rows = [row for row in bar_raisers if row["debriefs"]]
    if not rows:
        return _empty("chart-vetoes", title, "No decided loops in this period.")
    shown = sorted(rows, key=lambda row: (-row["veto_rate"], row["name"]))[:MAX_ROWS]
    width = PLOT_RIGHT - PLOT_LEFT
    height = TOP + ROW * len(shown) + BOTTOM
    body = []
    for index, row in enumerate(shown):
        y = TOP + index * ROW
        rate = row["veto_rate"]
        body.append(_label(y, row["name"]))
        body.append(
            f'<rect x="{PLOT_LEFT}" y="{y}" width="{width}" height="{BAR}" fill="#ffffff" '
            'stroke="#adb5bd" stroke-width="0.5"/>'
        )
        body.append(
            f'<rect class="chart-bar bar-veto" x="{PLOT_LEFT}" y="{y}" '
            f'width="{max(width * rate, 0):.1f}" height="{BAR}" fill="{FILLS["veto"]}" '
            'stroke="#000000" stroke-width="0.5"/>'
        )
        body.append(
            f'<text class="chart-value" x="{VALUE_X}" y="{y + BAR - 3:.1f}">'
            f"{rate:.0%} ({row['vetoes']}/{row['debriefs']})</text>"
        )
    bottom = TOP + ROW * len(shown)
    for share in (0, 0.25, 0.5, 0.75, 1):
        at = f"{PLOT_LEFT + width * share:.1f}"
        body.append(
            f'<text x="{at}" y="{bottom + 14}" text-anchor="middle" class="chart-axis">'
            f"{share:.0%}</text>"
        )
    description = (
        f"For {len(shown)} Bar Raisers, vetoes as a share of the decided loops they ran, "
        "with vetoes/decided loops after each bar."
    )
    return _svg("chart-vetoes", title, description, height, body)


def report_charts(report: Mapping[str, Any]) -> dict[str, Markup]:
    flags = report["flag_settings"]
    return {
        "leniency": leniency_chart(
            report["interviewers"],
            threshold=flags["leniency_threshold"],
            min_n=flags["min_n"],
            min_effect=flags.get("min_effect"),
        ),
        "votes": vote_distribution_chart(report["interviewers"], min_n=flags["min_n"]),
        "vetoes": veto_rate_chart(report["bar_raisers"]),
    }
