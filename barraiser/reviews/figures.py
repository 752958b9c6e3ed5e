"""A review's figures, read from its frozen snapshot (and the previous review's): the headline
figures side by side with their change, and who is newly, still or no longer flagged. Pure
functions over the stored JSON, so a review reads the same on any later day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..calibration.intervals import wilson

Kind = Literal["rate", "number"]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: Kind
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int | None = None


def _rate(report: Mapping[str, Any], name: str, label: str) -> Figure:
    adoption = report.get("adoption") or {}
    return Figure(
        name,
        label,
        "rate",
        adoption.get(name),
        adoption.get(f"{name}_ci_low"),
        adoption.get(f"{name}_ci_high"),
        adoption.get(f"{name}_n"),
    )


def headline(report: Mapping[str, Any]) -> list[Figure]:
    """The figures a review opens with, each with its 95% interval where the report has one."""
    vetoes = sum(row.get("vetoes") or 0 for row in report.get("bar_raisers", []))
    decided = sum(row.get("debriefs") or 0 for row in report.get("bar_raisers", []))
    low, high = wilson(vetoes, decided) if decided else (None, None)
    model = report.get("model") or {}
    agreement = report.get("agreement") or {}
    return [
        Figure("loops", "Loops", "number", report.get("loops")),
        Figure("decided", "Decided loops", "number", report.get("decided")),
        Figure(
            "alpha",
            "Panel agreement (Krippendorff's alpha)",
            "number",
            agreement.get("krippendorff_alpha_ordinal"),
            n=agreement.get("loops"),
        ),
        _rate(report, "bar_raiser_rate", "Loops with a certified Bar Raiser"),
        _rate(report, "on_time_rate", "Feedback on time"),
        _rate(report, "submitted_before_debrief_rate", "Feedback in before the debrief"),
        _rate(report, "principle_coverage_rate", "Required principles covered"),
        Figure(
            "veto_rate",
            "Veto rate",
            "rate",
            vetoes / decided if decided else None,
            low,
            high,
            decided,
        ),
        Figure(
            "leniency_spread",
            "Spread of leniency (interviewer SD, vote points)",
            "number",
            model.get("interviewer_sd"),
        ),
    ]


@dataclass(frozen=True)
class Change:
    figure: Figure
    previous: Figure | None

    @property
    def delta(self) -> float | None:
        if self.previous is None or self.figure.value is None or self.previous.value is None:
            return None
        return self.figure.value - self.previous.value

    @property
    def arrow(self) -> str:
        """↑, ↓ or → (no change); empty when either side has no figure."""
        delta = self.delta
        if delta is None:
            return ""
        if abs(delta) < 1e-9:
            return "→"
        return "↑" if delta > 0 else "↓"


def changes(report: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[Change]:
    before = {figure.key: figure for figure in headline(previous)} if previous else {}
    return [Change(figure, before.get(figure.key)) for figure in headline(report)]


def _flagged(report: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    if not report:
        return {}
    return {row["email"]: row for row in report.get("interviewers", []) if row.get("flagged")}


def flag_changes(
    report: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> dict[str, list[Mapping[str, Any]]]:
    """The flagged interviewers: newly (not flagged last time), still, and no longer flagged
    (each as its row of the snapshot it is flagged in), by name."""
    now, before = _flagged(report), _flagged(previous)

    def by_name(rows: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return sorted(rows, key=lambda row: (str(row.get("name", "")).casefold(), row["email"]))

    return {
        "newly": by_name([row for email, row in now.items() if email not in before]),
        "still": by_name([row for email, row in now.items() if email in before]),
        "no_longer": by_name([row for email, row in before.items() if email not in now]),
    }


def shown(value: float | None, kind: Kind) -> str:
    """A figure as the page shows it; "—" for none."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value:.0%}"
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}"


def shown_delta(change: Change) -> str:
    delta = change.delta
    if delta is None:
        return ""
    if change.figure.kind == "rate":
        return f"{delta * 100:+.0f} pts"
    if isinstance(delta, int):
        return f"{delta:+d}"
    return f"{delta:+.2f}"
