"""The calibration report as CSV: a summary, then one table per section, for spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from ..domain import RATING_LABELS, VOTE_SCORES

SUMMARY_COLUMNS = ["section", "metric", "value"]
INTERVIEWER_COLUMNS = [
    "email", "name", "interviews", "submitted",
    *(f"votes_{vote.value}" for vote in VOTE_SCORES),
    "hire_lean", "leniency", "leniency_n", "agreement_with_decision", "agreement_n",
    "on_time_rate", "median_hours_to_submit", "vote_change_rate", "vote_change_n",
    "leniency_adjusted_estimate", "leniency_adjusted_se", "leniency_adjusted_ci_low",
    "leniency_adjusted_ci_high", "agreement_with_decision_ci_low",
    "agreement_with_decision_ci_high", "on_time_rate_ci_low", "on_time_rate_ci_high",
    "median_hours_to_submit_n",
    "evidence_median_words", "evidence_rate", "raises_bar_rate", "hires_rated",
    "vote_performance_correlation", "flagged", "flag_reasons",
]  # fmt: skip
BAR_RAISER_COLUMNS = [
    "email", "name", "loops", "debriefs", "vetoes", "veto_rate", "median_hours_to_decision",
    "loops_per_week", "veto_rate_ci_low", "veto_rate_ci_high", "median_hours_to_decision_n",
]  # fmt: skip
RELIABILITY_COLUMNS = ["k", "absolute", "relative"]
TREND_COLUMNS = [
    "month", "loops", "decided", "krippendorff_alpha_ordinal", "alpha_loops",
    *(
        f"{rate}{suffix}"
        for rate in (
            "bar_raiser_rate", "on_time_rate", "submitted_before_debrief_rate",
            "principle_coverage_rate", "veto_rate",
        )
        for suffix in ("", "_ci_low", "_ci_high", "_n")
    ),
    "leniency_adjusted_spread", "leniency_adjusted_spread_n",
]  # fmt: skip
PRINCIPLE_COLUMNS = [
    "name", "assigned", *(f"ratings_{score}" for score in sorted(RATING_LABELS)),
    "agreement_with_decision", "agreement_n",
]  # fmt: skip
TRAINEE_COLUMNS = [
    "email", "name", "status", "certified", "loops_shadowed", "loops_led", "certified_at",
]  # fmt: skip
OPEN_ACTION_COLUMNS = [
    "id", "subject_email", "subject_name", "reason", "owner_email", "owner_name", "due_on",
    "overdue", "status", "created_at",
]  # fmt: skip
MECHANISM_CHANGE_COLUMNS = ["at", "actor", "action", "description"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One CSV cell: empty for null, true/false, lists joined, numbers at full precision.

    Text that a spreadsheet would run as a formula (a name typed as "=HYPERLINK(...)") is
    prefixed with an apostrophe; numbers are left alone, so a negative leniency stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    return str(value)


def _flatten(row: Mapping[str, Any]) -> dict[str, Any]:
    """Spread the nested vote and rating counts into `votes_<name>` and `ratings_<score>`, and
    the adjusted leniency into `leniency_adjusted_<estimate|se|ci_low|ci_high>` (empty when
    no model was fitted)."""
    flat = dict(row)
    for nested in ("votes", "ratings", "leniency_adjusted"):
        for key, count in (flat.pop(nested, None) or {}).items():
            flat[f"{nested}_{key}"] = count
    if "leniency_adjusted" in row:
        for key in ("estimate", "se", "ci_low", "ci_high"):
            flat.setdefault(f"leniency_adjusted_{key}", None)
    return flat


def report_to_csv_rows(report: Mapping[str, Any]) -> list[list[str]]:
    """The report as spreadsheet rows: a summary, then one table each for interviewers, Bar
    Raisers, principles and Bar Raisers in training, then (when the report carries them, as the
    served report does) open action items and changes to the mechanism.

    Each table opens with its header row; every row starts with a `section` column so a filter
    on it isolates one table, and a blank row separates the tables. Rows keep the report's order.
    """
    summary = {
        "loops": report["loops"],
        "decided": report["decided"],
        "weeks": report["weeks"],
        "krippendorff_alpha_ordinal": report["agreement"]["krippendorff_alpha_ordinal"],
        "agreement_loops": report["agreement"]["loops"],
        **{f"adoption_{key}": value for key, value in report["adoption"].items()},
        "vote_change_rate": report["vote_changes"]["rate"],
        "vote_change_n": report["vote_changes"]["n"],
        **{
            key: value
            for key, value in report["outcomes"].items()
            if key != "vote_performance_spearman"
        },
        **{
            f"vote_performance_spearman_{key}": value
            for key, value in report["outcomes"]["vote_performance_spearman"].items()
        },
        "model_fitted": report["model"]["fitted"],
        "model_reason": report["model"]["reason"],
        **{
            f"reliability_{name}_variance": (report["reliability"]["components"] or {}).get(name)
            for name in ("candidate", "interviewer", "residual")
        },
        "reliability_panel_size_for_0_8": report["reliability"]["panel_size_for_0_8"],
    }
    if "filters" in report:  # the served report says whose votes it read
        summary["votes_from"] = report["filters"]["votes_from"]
    rows = [SUMMARY_COLUMNS, *(["summary", key, csv_cell(value)] for key, value in summary.items())]
    tables: tuple[tuple[str, list[str], Any], ...] = (
        ("interviewer", INTERVIEWER_COLUMNS, report["interviewers"]),
        ("bar_raiser", BAR_RAISER_COLUMNS, report["bar_raisers"]),
        ("principle", PRINCIPLE_COLUMNS, report["principles"]),
        ("bar_raiser_in_training", TRAINEE_COLUMNS, report["bar_raisers_in_training"]),
        ("reliability", RELIABILITY_COLUMNS, report["reliability"]["by_panel_size"]),
        ("trend", TREND_COLUMNS, report["trends"]),
    )
    extra = (
        ("open_action", OPEN_ACTION_COLUMNS, "open_actions"),
        ("mechanism_change", MECHANISM_CHANGE_COLUMNS, "mechanism_changes"),
    )
    tables += tuple((section, cols, report[key]) for section, cols, key in extra if key in report)
    for section, columns, table in tables:
        rows.append([])
        rows.append(["section", *columns])
        for row in map(_flatten, table):
            rows.append([section, *(csv_cell(row[column]) for column in columns)])
    return rows


def report_to_csv(report: Mapping[str, Any]) -> str:
    """The CSV text of `report_to_csv_rows`, with the CRLF line ends spreadsheets expect."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(report_to_csv_rows(report))
    return buffer.getvalue()


TABLE_EXPORTS: dict[str, tuple[str, list[str]]] = {
    "interviewers": ("calibration.interviewers_csv", INTERVIEWER_COLUMNS),
    "bar_raisers": ("calibration.bar_raisers_csv", BAR_RAISER_COLUMNS),
    "principles": ("calibration.principles_csv", PRINCIPLE_COLUMNS),
}
"""The tables with a wide CSV of their own: the endpoint that serves it and its columns."""


def table_to_csv(report: Mapping[str, Any], table: str) -> str:
    """One of the report's tables as a wide CSV: a header of its figures, then one row per
    interviewer, Bar Raiser or principle, in the report's order (every row, never a page)."""
    _, columns = TABLE_EXPORTS[table]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in map(_flatten, report[table]):
        writer.writerow([csv_cell(row[column]) for column in columns])
    return buffer.getvalue()
