"""The calibration report as served: rows from SQL through the pure metrics, plus the sections
that live outside the period (open actions) or outside the loops (the mechanism's own changes),
and the report's tables as the page shows and sorts them."""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from ..audit.models import AuditEvent
from ..auth.models import User
from ..extensions import db
from ..principles.models import Principle
from ..settings.services import SETTINGS, MechanismSettings, current_settings
from ..surveys.queries import survey_summary
from .actions import open_actions
from .cache import cached_metrics
from .flags import FlagSettings
from .metrics import build_report, read_panel
from .queries import ReportFilters, fetch_rows, loop_ids

T = TypeVar("T")


def flag_settings_from(settings: MechanismSettings) -> FlagSettings:
    """The flag rule's thresholds as the mechanism's settings hold them now."""
    return FlagSettings(
        min_n=settings.flag_min_n,
        leniency_threshold=settings.flag_leniency_threshold,
        agreement_floor=settings.flag_agreement_floor,
        agreement_z=settings.flag_agreement_z,
        min_effect=settings.flag_min_effect,
    )


def without_cyclic_gc(build: Callable[[], T]) -> T:
    """`build()`, with the cyclic garbage collector held while it runs.

    At 20,000 loops the rows are a few hundred thousand small objects, and nothing here makes a
    reference cycle; but each allocation burst triggers collections that walk them all again:
    0.2 s more CPU for a cold report at 20,000 loops (about 18%). Reference counting still frees
    everything. The collector resumes only once `build` has returned, when the rows it read, its
    own locals, are freed already: resumed before, its first collection would walk them all once
    more.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return build()
    finally:
        if enabled:
            gc.enable()


def calibration_report(filters: ReportFilters, *, now: datetime) -> dict[str, Any]:
    """The whole report as a JSON-able dict: the metrics' contract (see metrics.build_report)
    plus `filters`, `generated_at`, `open_actions`, `mechanism_changes` and `candidate_survey`
    (surveys.queries.survey_summary), and for each
    interviewer a `flag_summary` sentence (None when not flagged)."""
    settings = current_settings()
    flags = flag_settings_from(settings)

    def build() -> dict[str, Any]:
        rows = fetch_rows(filters, reader_threads=current_app.config["CALIBRATION_READER_THREADS"])
        return build_report(
            rows.loops,
            read_panel(rows.interviews),
            rows.ratings,
            rows.trainees,
            people=rows.people,
            flag_settings=flags,
            period=filters.period,
        )

    report = cached_metrics(
        (filters, flags),
        lambda: without_cyclic_gc(build),
        max_age=current_app.config["CALIBRATION_CACHE_SECONDS"],
    )
    for row in report["interviewers"]:
        row["flag_summary"] = flag_summary(row, flags) if row["flagged"] else None
    report["filters"] = filters.as_json()
    report["generated_at"] = now.isoformat()
    report["open_actions"] = [
        {
            "id": action.id,
            "subject_email": action.subject.email,
            "subject_name": action.subject.name,
            "reason": action.reason,
            "owner_email": action.owner.email,
            "owner_name": action.owner.name,
            "due_on": action.due_on.isoformat(),
            "overdue": action.due_on < now.date(),
            "status": action.status.value,
            "notes": action.notes,
            "created_at": action.created_at.isoformat(),
        }
        for action in open_actions()
    ]
    report["mechanism_changes"] = mechanism_changes(filters.period)
    # The candidates' voice, in aggregate: the decided loops' surveys (never a name, and per
    # interviewer only from surveys.queries.MIN_N answers).
    report["candidate_survey"] = survey_summary(loop_ids(filters, decided_only=True))
    return report


MECHANISM_ACTIONS = (
    "setting.changed",
    "principle.created",
    "principle.updated",
    "principle.retired",
    "principle.restored",
)


def mechanism_events(
    period: tuple[datetime, datetime],
) -> list[tuple[AuditEvent, str | None, str | None]]:
    """Changes to the settings and the principle catalog in the period, oldest first, each with
    its actor's name and the principle's current name (None when not about a principle)."""
    start, end = period
    actor = aliased(User)
    query = (
        sa.select(AuditEvent, actor.name, Principle.name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(
            Principle,
            sa.and_(
                AuditEvent.subject_type == Principle.__tablename__,
                AuditEvent.subject_id == Principle.id,
            ),
        )
        .where(
            AuditEvent.action.in_(MECHANISM_ACTIONS),
            AuditEvent.at >= start,
            AuditEvent.at < end,
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        (event, actor_name, principle) for event, actor_name, principle in db.session.execute(query)
    ]


def mechanism_changes(period: tuple[datetime, datetime]) -> list[dict[str, Any]]:
    """The settings and catalog changes in the period, oldest first, in words.

    Seeding the default catalog writes one event per principle at the same moment; it is one
    change to the mechanism, so it is listed once.
    """
    changes: list[dict[str, Any]] = []
    seeded = 0
    for event, actor, principle in mechanism_events(period):
        entry = {
            "at": event.at.isoformat(),
            "actor": actor or "system",
            "action": event.action,
            "description": describe_change(event, principle),
        }
        if event.action == "principle.created" and (event.details or {}).get("seeded"):
            previous = changes[-1] if changes and seeded else None
            if previous is not None and previous["at"] == entry["at"]:
                seeded += 1
                previous["description"] = f"Default catalog installed: {seeded} principles"
                continue
            seeded = 1
        else:
            seeded = 0
        changes.append(entry)
    return changes


def flag_summary(row: Mapping[str, Any], flags: FlagSettings) -> str:
    """One sentence on why an interviewer is flagged, with the numbers (prefills an action)."""
    parts = []
    for reason in row["flag_reasons"]:
        if reason in ("lenient", "harsh"):
            adjusted = row["leniency_adjusted"]
            raw = "" if row["leniency"] is None else f"; raw {row['leniency']:+.2f}"
            parts.append(
                f"{reason}: adjusted leniency {adjusted['estimate']:+.2f} vote points "
                f"(95% CI {adjusted['ci_low']:+.2f} to {adjusted['ci_high']:+.2f}, "
                f"minimum ±{flags.min_effect:g}{raw} over {row['leniency_n']} loops)"
            )
        else:
            parts.append(
                f"{reason}: agreed with the decision in {row['agreement_with_decision']:.0%} "
                f"of {row['agreement_n']} decided loops (95% CI "
                f"{row['agreement_with_decision_ci_low']:.0%}–"
                f"{row['agreement_with_decision_ci_high']:.0%}; floor {flags.agreement_floor:.0%})"
            )
    return f"{row['name']} flagged as " + "; ".join(parts) + "."


def describe_change(event: AuditEvent, principle: str | None) -> str:
    """A change to the mechanism in words; never more than names and values."""
    details = event.details or {}
    if event.action == "setting.changed":
        spec = SETTINGS.get(details.get("key", ""))
        label = spec.label if spec else str(details.get("key"))
        return f"{label}: {details.get('old')} → {details.get('new')}"
    name = details.get("name") or principle or f"#{event.subject_id}"
    if event.action == "principle.created":
        suffix = " (default catalog)" if details.get("seeded") else ""
        return f"Principle added: {name}{suffix}"
    if event.action == "principle.retired":
        return f"Principle retired: {name}"
    if event.action == "principle.restored":
        return f"Principle restored: {name}"
    changes = details.get("changes") or {}
    if "name" in changes:
        old, new = changes["name"]
        text = f"Principle renamed: {old} → {new}"
    else:
        text = f"Principle edited: {name}"
    return text + (" (description changed)" if "description" in changes else "")


# -- the report's tables, as the page shows and sorts them -------------------------------------

Kind = Literal["text", "count", "rate", "signed", "number", "hours"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "count"
    title: str = ""
    """A longer explanation, shown as the header's tooltip."""


TABLES: dict[str, tuple[Column, ...]] = {
    "interviewers": (
        Column("name", "Interviewer", "text"),
        Column("interviews", "Interviews", title="Panel interviews in the period"),
        Column("submitted", "Submitted"),
        Column("hire_lean", "Hire lean", "rate", "Share of written votes leaning hire"),
        Column("leniency", "Leniency", "signed", "Mean vote minus the other panelists' mean"),
        Column("leniency_n", "n", title="Loops behind the leniency"),
        Column(
            "leniency_adjusted_estimate",
            "Adjusted",
            "signed",
            "Leniency adjusted for the candidates met (the model's estimate, vote points)",
        ),
        Column("leniency_adjusted_ci", "95% CI", "text", "Interval of the adjusted leniency"),
        Column(
            "agreement_with_decision", "Agreement", "rate", "Votes leaning the way it was decided"
        ),
        Column("agreement_ci", "95% CI", "text", "Wilson interval of the agreement"),
        Column("agreement_n", "n", title="Decided loops behind the agreement"),
        Column("on_time_rate", "On time", "rate"),
        Column("median_hours_to_submit", "Median h to submit", "hours"),
        Column("vote_change_rate", "Vote changed", "rate", "Final vote differs from written"),
        Column("evidence_median_words", "Evidence words", "number", "Median per principle"),
        Column("raises_bar_rate", "Raises the bar", "rate"),
        Column("vote_performance_correlation", "Vote ~ performance", "signed", "Pearson r"),
        Column("flag_reasons", "Flags", "text"),
    ),
    "bar_raisers": (
        Column("name", "Bar Raiser", "text"),
        Column("loops", "Loops"),
        Column("debriefs", "Decided"),
        Column("vetoes", "Vetoes"),
        Column("veto_rate", "Veto rate", "rate"),
        Column("veto_rate_ci", "95% CI", "text", "Wilson interval of the veto rate"),
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
        Column("agreement_n", "n"),
    ),
    "bar_raisers_in_training": (
        Column("name", "Bar Raiser", "text"),
        Column("status", "Status", "text"),
        Column("loops_shadowed", "Loops shadowed"),
        Column("loops_led", "Loops led"),
        Column("certified_at", "Certified", "text"),
    ),
}
SORT_DIRECTIONS = ("asc", "desc")


def share_interval(low: float | None, high: float | None) -> str | None:
    """A rate's interval as the page shows it: "40%–89%"; None without one."""
    return None if low is None or high is None else f"{low:.0%}–{high:.0%}"


def table_rows(report: Mapping[str, Any], table: str) -> list[dict[str, Any]]:
    """A section's rows with what a column needs flattened: the principles' ratings, the
    adjusted leniency's estimate and interval, the rates' intervals as text."""
    rows = report[table]
    if table == "principles":
        return [
            {**row, **{f"rated_{score}": n for score, n in row["ratings"].items()}} for row in rows
        ]
    if table == "interviewers":
        flat = []
        for row in rows:
            adjusted = row["leniency_adjusted"]
            flat.append(
                {
                    **row,
                    "leniency_adjusted_estimate": adjusted and adjusted["estimate"],
                    "leniency_adjusted_ci": adjusted
                    and f"{adjusted['ci_low']:+.2f} to {adjusted['ci_high']:+.2f}",
                    "agreement_ci": share_interval(
                        row["agreement_with_decision_ci_low"],
                        row["agreement_with_decision_ci_high"],
                    ),
                }
            )
        return flat
    if table == "bar_raisers":
        return [
            {
                **row,
                "veto_rate_ci": share_interval(row["veto_rate_ci_low"], row["veto_rate_ci_high"]),
            }
            for row in rows
        ]
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
