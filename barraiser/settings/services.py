"""Reading and changing the mechanism's settings. Each change is an audit event, so inspection can
list how the mechanism itself changed over a period."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..audit.services import record
from ..auth.models import User
from ..errors import RuleViolation
from ..extensions import db
from .models import MechanismSetting


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    help: str
    kind: type
    default: Callable[[], Any]
    minimum: float | None = None
    maximum: float | None = None


SETTINGS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec(
            "feedback_deadline_hours",
            "Feedback deadline (hours after the interview ends)",
            "Feedback submitted after this is marked late.",
            int,
            lambda: current_app.config["FEEDBACK_DEADLINE_HOURS"],
            minimum=1,
            maximum=336,
        ),
        SettingSpec(
            "min_evidence_words",
            "Minimum words of evidence per principle",
            "Feedback cannot be submitted with less evidence than this for any principle.",
            int,
            lambda: 30,
            minimum=0,
            maximum=500,
        ),
        SettingSpec(
            "allow_principle_overlap",
            "Allow one principle on two interviews of a loop",
            "Off by default: each interviewer probes their own principles.",
            bool,
            lambda: False,
        ),
        # The calibration report's flag rule (barraiser/calibration/flags.py), in these words:
        SettingSpec(
            "flag_min_n",
            "Flags: minimum loops before an interviewer can be flagged",
            "Leniency and agreement are only judged over at least this many loops; fewer is noise.",
            int,
            lambda: 5,
            minimum=1,
            maximum=1000,
        ),
        SettingSpec(
            "flag_leniency_threshold",
            "Flags: leniency threshold (vote points)",
            "Flag as lenient (or harsh) an interviewer whose votes average at least this many "
            "points above (or below) the rest of their panels, on a 1-4 scale.",
            float,
            lambda: 0.5,
            minimum=0.05,
            maximum=3.0,
        ),
        SettingSpec(
            "flag_agreement_floor",
            "Flags: agreement floor (share, 0-1)",
            "Flag for low agreement an interviewer whose votes lean the way the loop was decided "
            "less often than this share (0.5 is a coin toss).",
            float,
            lambda: 0.5,
            minimum=0.0,
            maximum=1.0,
        ),
        SettingSpec(
            "flag_agreement_z",
            "Flags: agreement outlier (standard deviations)",
            "Also flag an interviewer whose agreement is this many standard deviations below "
            "their peers' mean (compared when at least five peers have enough loops).",
            float,
            lambda: 2.0,
            minimum=0.5,
            maximum=5.0,
        ),
    )
}


def current_settings() -> dict[str, Any]:
    """Every setting's value now, defaults filled in, in one query."""
    stored = {row.key: row.value for row in db.session.scalars(sa.select(MechanismSetting))}
    return {key: stored.get(key, spec.default()) for key, spec in SETTINGS.items()}


def get_setting(key: str) -> Any:
    spec = SETTINGS[key]
    row = db.session.get(MechanismSetting, key)
    return spec.default() if row is None else row.value


def _coerce(spec: SettingSpec, value: Any) -> Any:
    if spec.kind is bool:
        if isinstance(value, bool):
            return value
        raise RuleViolation(f"{spec.label} must be on or off.", field=spec.key)
    if spec.kind is float:
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise RuleViolation(f"{spec.label} must be a number.", field=spec.key) from exc
        if not math.isfinite(number):
            raise RuleViolation(f"{spec.label} must be a finite number.", field=spec.key)
    else:
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise RuleViolation(f"{spec.label} must be a whole number.", field=spec.key) from exc
    if spec.minimum is not None and number < spec.minimum:
        raise RuleViolation(f"{spec.label} must be at least {spec.minimum}.", field=spec.key)
    if spec.maximum is not None and number > spec.maximum:
        raise RuleViolation(f"{spec.label} must be at most {spec.maximum}.", field=spec.key)
    return number


def change_setting(key: str, value: Any, *, actor: User, now: datetime) -> bool:
    """Set one setting; returns False (and records nothing) when the value is unchanged."""
    spec = SETTINGS.get(key)
    if spec is None:
        raise RuleViolation(f"There is no setting called {key!r}.")
    new_value = _coerce(spec, value)
    row = db.session.get(MechanismSetting, key, with_for_update=True)
    old_value = spec.default() if row is None else row.value
    if old_value == new_value:
        return False
    if row is None:
        row = MechanismSetting(key=key)
        db.session.add(row)
    row.value = new_value
    row.updated_at = now
    row.updated_by_id = actor.id
    record(
        "setting.changed",
        actor=actor,
        subject="setting",
        now=now,
        key=key,
        old=old_value,
        new=new_value,
    )
    db.session.flush()
    return True
