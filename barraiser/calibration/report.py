"""The calibration report as served: rows from SQL through the pure metrics, plus the sections
that live outside the period (open actions) or outside the loops (the mechanism's own changes).
How the page shows and sorts its tables is `tables.py`'s."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
from flask import current_app

from ..audit.models import AuditEvent
from ..auth.models import User
from ..collector import collector_held
from ..database import read_rows
from ..principles.models import Principle
from ..priority import at_low_priority
from ..settings.services import SETTINGS, MechanismSettings, current_settings
from ..surveys.queries import survey_summary
from .actions import open_actions
from .cache import as_json, cached_metrics, cached_metrics_json
from .flags import FlagSettings
from .metrics import build_report, read_panel
from .queries import ReportFilters, fetch_rows, loop_ids

T = TypeVar("T")
R = TypeVar("R")


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
    """`build()`, with the cyclic garbage collector held while it runs (see `collector`): 0.2 s
    more CPU for a cold report at 20,000 loops otherwise (about 18%). It resumes only once
    `build` has returned, when the rows it read, its own locals, are freed already: resumed
    before, its first collection would walk them all once more."""
    with collector_held():
        return build()


def calibration_report(filters: ReportFilters, *, now: datetime) -> dict[str, Any]:
    """The whole report as a JSON-able dict: the metrics' contract (see metrics.build_report)
    plus `filters`, `generated_at`, `open_actions`, `mechanism_changes` and `candidate_survey`
    (surveys.queries.survey_summary), and for each
    interviewer a `flag_summary` sentence (None when not flagged)."""
    report = report_metrics(filters)
    report.update(of_this_request(filters, now))
    return report


def report_metrics(filters: ReportFilters) -> dict[str, Any]:
    """What the report computes from the period's loops (every key but those
    `of_this_request` adds), from the cache where it is current."""
    return _metrics(filters, cached_metrics)


def calibration_report_json(filters: ReportFilters, *, now: datetime) -> bytes:
    """The same report as JSON text (`cache.as_json`, the same values key for key), for the
    downloads: the metrics' JSON as the cache keeps it, made once per cached report, with the
    parts read for this request written in front of it."""
    metrics = _metrics(filters, cached_metrics_json)
    extra = as_json(of_this_request(filters, now))
    # Two JSON objects with no key in common (neither is ever empty), joined.
    return b"{" + extra[1:-1] + b"," + metrics[1:]


def metrics_key(filters: ReportFilters) -> tuple[ReportFilters, FlagSettings]:
    """What the metrics are kept by, besides the data's change count: the filters and the
    flag settings in force."""
    return filters, flag_settings_from(current_settings())


def _metrics(filters: ReportFilters, cached: Callable[..., R]) -> R:
    """What the report computes from the period's loops, from the cache where it is current."""
    key = metrics_key(filters)
    flags = key[1]

    def build() -> dict[str, Any]:
        rows = fetch_rows(filters, reader_threads=current_app.config["CALIBRATION_READER_THREADS"])
        report = build_report(
            rows.loops,
            read_panel(rows.interviews),
            rows.ratings,
            rows.trainees,
            people=rows.people,
            flag_settings=flags,
            period=filters.period,
        )
        for row in report["interviewers"]:
            row["flag_summary"] = flag_summary(row, flags) if row["flagged"] else None
        # The candidates' voice, in aggregate: the decided loops' surveys (never a name, and
        # per interviewer only from surveys.queries.MIN_N answers). Kept with the metrics: it
        # reads the period's loops, and a survey sent or answered is a change to the report's
        # data (invalidation), so the cached one is as fresh as the rest.
        report["candidate_survey"] = survey_summary(loop_ids(filters, decided_only=True))
        # The settings' and the catalog's changes in the period: every one writes a setting or
        # a principle, a change to the report's data (invalidation) like a renamed actor, so
        # the cached list is as fresh as the rest.
        report["mechanism_changes"] = mechanism_changes(filters.period)
        return report

    # The cache keeps everything computed from the report's data; what `of_this_request`
    # adds is the request's own (its filters, its time) and the open actions, which change
    # without a change to the report's data. The collector is held for a read from the cache
    # too: unpickling makes some tens of thousands of containers at once, whose collections
    # would walk the server's objects again.
    max_age = current_app.config["CALIBRATION_CACHE_SECONDS"]
    niceness = current_app.config["CALIBRATION_BUILD_NICENESS"]
    return without_cyclic_gc(
        lambda: cached(
            key,
            lambda: at_low_priority(build, niceness=niceness),
            max_age=max_age,
        )
    )


def of_this_request(filters: ReportFilters, now: datetime) -> dict[str, Any]:
    """The parts of the report made afresh for each request: the filters, when, and the open
    actions."""
    return {
        "filters": filters.as_json(),
        "generated_at": now.isoformat(),
        "open_actions": [
            {
                "id": action.id,
                "subject_email": action.subject_email,
                "subject_name": action.subject_name,
                "reason": action.reason,
                "owner_email": action.owner_email,
                "owner_name": action.owner_name,
                "due_on": action.due_on.isoformat(),
                "overdue": action.due_on < now.date(),
                "status": action.status.value,
                "notes": action.notes,
                "created_at": action.created_at.isoformat(),
            }
            for action in open_actions()
        ],
    }


MECHANISM_ACTIONS = (
    "setting.changed",
    "principle.created",
    "principle.updated",
    "principle.retired",
    "principle.restored",
)


class MechanismEvent(NamedTuple):
    """A change to the settings or the principle catalog, with its actor's name and the
    principle's current name (None when not about a principle)."""

    at: datetime
    action: str
    details: dict[str, Any] | None
    subject_id: int | None
    actor: str | None
    principle: str | None


_ACTOR = User.__table__.alias("actor")
# Built once (building a select costs as much as running it); the period is bound per call.
_MECHANISM_EVENTS = (
    sa.select(
        AuditEvent.at,
        AuditEvent.action,
        AuditEvent.details,
        AuditEvent.subject_id,
        _ACTOR.c.name,
        Principle.name,
    )
    .outerjoin(_ACTOR, _ACTOR.c.id == AuditEvent.actor_id)
    .outerjoin(
        Principle,
        sa.and_(
            AuditEvent.subject_type == Principle.__tablename__,
            AuditEvent.subject_id == Principle.id,
        ),
    )
    .where(
        AuditEvent.action.in_(MECHANISM_ACTIONS),
        AuditEvent.at >= sa.bindparam("start"),
        AuditEvent.at < sa.bindparam("end"),
    )
    .order_by(AuditEvent.at, AuditEvent.id)
)


def mechanism_events(period: tuple[datetime, datetime]) -> list[MechanismEvent]:
    """Changes to the settings and the principle catalog in the period, oldest first, as plain
    rows (database.read_rows)."""
    start, end = period
    return [
        MechanismEvent(*row) for row in read_rows(_MECHANISM_EVENTS, {"start": start, "end": end})
    ]


def mechanism_changes(period: tuple[datetime, datetime]) -> list[dict[str, Any]]:
    """The settings and catalog changes in the period, oldest first, in words.

    Seeding the default catalog writes one event per principle at the same moment; it is one
    change to the mechanism, so it is listed once.
    """
    changes: list[dict[str, Any]] = []
    seeded = 0
    for event in mechanism_events(period):
        entry = {
            "at": event.at.isoformat(),
            "actor": event.actor or "system",
            "action": event.action,
            "description": describe_change(event),
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


def describe_change(event: MechanismEvent) -> str:
    """A change to the mechanism in words; never more than names and values."""
    details = event.details or {}
    if event.action == "setting.changed":
        spec = SETTINGS.get(details.get("key", ""))
        label = spec.label if spec else str(details.get("key"))
        return f"{label}: {details.get('old')} → {details.get('new')}"
    name = details.get("name") or event.principle or f"#{event.subject_id}"
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
