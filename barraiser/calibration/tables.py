"""The report's tables as the pages show them: which columns, in which words, sorted how, and
cut into pages, so the report page costs the same at 20,000 loops as at a demo's 300.

The report itself (report.py) is the whole data; the page shows a few columns of it per table,
a page of rows at a time, and an interviewer's or a Bar Raiser's own page shows the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Literal

Kind = Literal["text", "count", "rate", "signed", "number", "hours"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "count"
    title: str = ""
    """A longer explanation, shown as the header's tooltip."""
    note: str = ""
    """The key of a second value shown small under the cell's own (an interval)."""


TABLES: dict[str, tuple[Column, ...]] = {
    "interviewers": (
        Column("name", "Interviewer", "text"),
        Column("interviews", "Interviews", title="Panel interviews in the period"),
        Column("hire_lean", "Hire lean", "rate", "Share of written votes leaning hire"),
        Column(
            "leniency",
            "Raw leniency",
            "signed",
            "Mean vote minus the other panelists' mean, over the loops named on the "
            "interviewer's page",
        ),
        Column(
            "leniency_adjusted_estimate",
            "Adjusted leniency",
            "signed",
            "Leniency adjusted for the candidates met (the model's estimate, vote points), "
            "with its 95% interval",
            note="leniency_adjusted_ci",
        ),
        Column(
            "agreement_with_decision",
            "Agreement",
            "rate",
            "Votes leaning the way the loop was decided, with the Wilson 95% interval",
            note="agreement_ci",
        ),
        Column("agreement_n", "Decided loops", title="Decided loops behind the agreement"),
        Column("on_time_rate", "On time", "rate", "Feedback submitted by its deadline"),
        Column(
            "evidence_median_words",
            "Evidence words",
            "number",
            "Median words of evidence per principle; no data where no evidence text is held "
            "(history imported without its text)",
        ),
        Column("flag_reasons", "Flags", "text"),
    ),
    "bar_raisers": (
        Column("name", "Bar Raiser", "text"),
        Column("loops", "Loops"),
        Column("debriefs", "Decided"),
        Column("vetoes", "Vetoes"),
        Column("veto_rate", "Veto rate", "rate", "With the Wilson 95% interval", "veto_rate_ci"),
        Column("median_hours_to_decision", "Median h to decision", "hours"),
        Column("loops_per_week", "Loops / week", "number"),
    ),
    "principles": (
        Column("name", "Principle", "text"),
        Column("assigned", "Assigned"),
        Column("rated_1", "Rated 1"),
        Column("rated_2", "Rated 2"),
        Column("rated_3", "Rated 3"),
        Column("rated_4", "Rated 4"),
        Column("agreement_with_decision", "Agreement", "rate"),
        Column("agreement_n", "Decided ratings", title="Ratings in decided loops"),
    ),
    "bar_raisers_in_training": (
        Column("name", "Bar Raiser", "text"),
        Column("status_label", "Status", "text"),
        Column("loops_shadowed", "Loops shadowed"),
        Column("loops_led", "Loops led"),
        Column("certified_at", "Certified", "text"),
    ),
}

INTERVIEWER_FIGURES: tuple[Column, ...] = (
    Column("interviews", "Panel interviews"),
    Column("submitted", "Feedback submitted"),
    Column("hire_lean", "Hire lean", "rate", "Share of written votes leaning hire"),
    Column("leniency", "Raw leniency", "signed", "Mean vote minus the other panelists' mean"),
    Column("leniency_n", "Loops behind the raw leniency"),
    Column(
        "leniency_adjusted_estimate", "Adjusted leniency", "signed", note="leniency_adjusted_ci"
    ),
    Column("agreement_with_decision", "Agreement with the decision", "rate", note="agreement_ci"),
    Column("agreement_n", "Decided loops behind the agreement"),
    Column("on_time_rate", "Feedback on time", "rate", note="on_time_ci"),
    Column("median_hours_to_submit", "Median hours to submit", "hours"),
    Column("vote_change_rate", "Final vote changed from the written one", "rate"),
    Column("vote_change_n", "Final votes cast"),
    Column("evidence_median_words", "Median words of evidence per principle", "number"),
    Column("evidence_rate", "Principles with evidence", "rate"),
    Column("raises_bar_rate", "Answered yes to “raises the bar”", "rate"),
    Column("vote_performance_correlation", "Vote vs. the hire's performance (r)", "signed"),
    Column("hires_rated", "Rated hires behind it"),
)
BAR_RAISER_FIGURES: tuple[Column, ...] = (
    Column("loops", "Loops run"),
    Column("debriefs", "Decided"),
    Column("vetoes", "Vetoes"),
    Column("veto_rate", "Veto rate", "rate", note="veto_rate_ci"),
    Column("median_hours_to_decision", "Median hours from last feedback to decision", "hours"),
    Column("loops_per_week", "Loops per week", "number"),
)
INTERVIEWER_MONTH_FIGURES: tuple[Column, ...] = (
    Column("hire_lean", "Hire lean", "rate"),
    Column("leniency", "Raw leniency", "signed"),
    Column("agreement_with_decision", "Agreement", "rate"),
    Column("on_time_rate", "On time", "rate"),
)
BAR_RAISER_MONTH_FIGURES: tuple[Column, ...] = (Column("veto_rate", "Veto rate", "rate"),)
"""The figures of a person's months table shown as the report shows them (the counts are
written as they are)."""

STATUS_LABELS = {"in_training": "In training", "certified": "Certified", "none": "Not a Bar Raiser"}
FLAG_LABELS = {"lenient": "Lenient", "harsh": "Harsh", "low agreement": "Low agreement"}
SORT_DIRECTIONS = ("asc", "desc")
PAGED_TABLES = {"interviewers": "page", "bar_raisers": "br_page"}
"""The tables that can grow with the history, and the query parameter of each one's page."""


def share_interval(low: float | None, high: float | None) -> str | None:
    """A rate's interval as the page shows it: "40%–89%"; None without one."""
    return None if low is None or high is None else f"{low:.0%}–{high:.0%}"


def without_evidence_text(row: Mapping[str, Any]) -> bool:
    """No evidence text is held for any principle the interviewer rated: a history imported
    without its text. Submitting feedback here needs words of evidence, so a median of 0 words
    is "no data", not zero."""
    return row.get("evidence_rate") == 0


def interviewer_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """An interviewer's figures with what a column needs flattened."""
    adjusted = row["leniency_adjusted"]
    flat = {
        **row,
        "leniency_adjusted_estimate": adjusted and adjusted["estimate"],
        "leniency_adjusted_ci": adjusted
        and f"95% CI {adjusted['ci_low']:+.2f} to {adjusted['ci_high']:+.2f}",
        "agreement_ci": share_interval(
            row["agreement_with_decision_ci_low"], row["agreement_with_decision_ci_high"]
        ),
        "on_time_ci": share_interval(row["on_time_rate_ci_low"], row["on_time_rate_ci_high"]),
        "flag_labels": [FLAG_LABELS.get(reason, reason) for reason in row["flag_reasons"]],
    }
    if without_evidence_text(row):
        flat["evidence_median_words"] = None
        flat["evidence_rate"] = None
    return flat


def table_rows(report: Mapping[str, Any], table: str) -> list[dict[str, Any]]:
    """A section's rows with what a column needs flattened: the principles' ratings, the
    adjusted leniency's estimate and interval, the rates' intervals as text, statuses in words."""
    rows = report[table]
    if table == "principles":
        return [
            {**row, **{f"rated_{score}": n for score, n in row["ratings"].items()}} for row in rows
        ]
    if table == "interviewers":
        return [interviewer_row(row) for row in rows]
    if table == "bar_raisers":
        return [
            {
                **row,
                "veto_rate_ci": share_interval(row["veto_rate_ci_low"], row["veto_rate_ci_high"]),
            }
            for row in rows
        ]
    if table == "bar_raisers_in_training":
        return [{**row, "status_label": STATUS_LABELS.get(row["status"])} for row in rows]
    return list(rows)


def parse_sort(value: str | None, direction: str | None) -> tuple[str, str, bool] | None:
    """`table.column` (or a bare column of the interviewers table) and asc/desc, or None.

    Raises ValueError with a message for a table or column that does not exist.
    """
    if not value:
        return None
    table, _, column = value.rpartition(".")
    table = table or "interviewers"
    if table not in TABLES:
        raise ValueError(f"There is no table {table!r} to sort; use one of {', '.join(TABLES)}.")
    if column not in {c.key for c in TABLES[table]}:
        raise ValueError(f"The {table} table has no column {column!r} to sort by.")
    if direction not in (None, "", *SORT_DIRECTIONS):
        raise ValueError("Sort direction must be asc or desc.")
    return table, column, direction == "desc"


def sort_rows(rows: Sequence[Mapping[str, Any]], column: str, *, descending: bool) -> list:
    """Rows by one column; empty values (no data) last in either direction."""

    def key(row: Mapping[str, Any]) -> Any:
        value = row.get(column)
        if isinstance(value, list):
            value = ", ".join(value)
        if isinstance(value, str):
            return value.casefold()
        return value

    present = [row for row in rows if key(row) not in (None, "")]
    missing = [row for row in rows if key(row) in (None, "")]
    return sorted(present, key=key, reverse=descending) + missing


def flagged_first(rows: Sequence[Mapping[str, Any]]) -> list:
    """The interviewers table's order without a sort asked for: the flagged (the rows an
    inspector acts on), then the busiest, then by name."""
    return sorted(
        rows, key=lambda row: (not row["flagged"], -row["interviews"], str(row["name"]).casefold())
    )


@dataclass(frozen=True)
class TablePage:
    """One page of a table's rows, with what the pager needs (the `pagination` macro's names)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 when there is none)."""
        return min(self.total, (self.page - 1) * self.per_page + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


def page_of(rows: Sequence[Any], requested: str | None, per_page: int) -> TablePage:
    """The page `requested` (a query parameter as typed) of `rows`: below 1 or not a number is
    the first page, past the end the last."""
    try:
        page = int(requested or "1")
    except ValueError:
        page = 1
    last = max(1, ceil(len(rows) / per_page))
    page = min(max(page, 1), last)
    start = (page - 1) * per_page
    return TablePage(list(rows[start : start + per_page]), page, per_page, len(rows))
