"""The mechanism's settings as one typed value. Each setting is one field of `MechanismSettings`:
its type, default, bounds, label and help are written there and nowhere else; the form, the
history page, the calibration report's flag rule and every reader take them from it."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_type_hints

from ..zones import DEFAULT_ZONE, is_zone

Value = int | float | bool | str


class SettingError(ValueError):
    """A value a setting cannot take; `expected` says in words what it can take."""

    def __init__(self, setting: Setting, value: object) -> None:
        super().__init__(f"{setting.label} must be {setting.expected} (not {value!r}).")
        self.key = setting.key
        self.expected = setting.expected


def setting(
    default: Value,
    *,
    label: str,
    help: str,
    minimum: float | None = None,
    maximum: float | None = None,
    config: str | None = None,
) -> Any:
    """One field of `MechanismSettings`. `config` names the app setting (from the environment)
    that replaces `default` for a deployment, until an admin changes the setting."""
    meta = {"label": label, "help": help, "minimum": minimum, "maximum": maximum, "config": config}
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class MechanismSettings:
    """The settings in force; a value of this type always holds valid, typed values."""

    feedback_deadline_hours: int = setting(
        24,
        label="Feedback deadline (hours after the interview ends)",
        help="Feedback submitted after this is marked late.",
        minimum=1,
        maximum=336,
        config="FEEDBACK_DEADLINE_HOURS",
    )
    min_evidence_words: int = setting(
        30,
        label="Minimum words of evidence per principle",
        help="Feedback cannot be submitted with less evidence than this for any principle.",
        minimum=0,
        maximum=500,
    )
    allow_principle_overlap: bool = setting(
        False,
        label="Allow one principle on two interviews of a loop",
        help="Off by default: each interviewer probes their own principles.",
    )
    certification_loops_shadowed: int = setting(
        3,
        label="Certification: loops shadowed",
        help="A Bar Raiser in training is certified only after shadowing this many loops "
        "(with their shadow feedback submitted).",
        minimum=0,
        maximum=100,
    )
    certification_loops_led: int = setting(
        2,
        label="Certification: loops led under a certified shadow",
        help="…and after leading this many loops to a decision while a certified Bar Raiser "
        "shadowed them and held the veto (reverse shadow).",
        minimum=0,
        maximum=100,
    )
    performance_first_rating_months: int = setting(
        6,
        label="Hire performance: first rating due (months after the decision)",
        help="The hiring manager is asked to rate a hire's performance this long after the "
        "loop was decided (the report's outcome figures depend on it).",
        minimum=1,
        maximum=60,
    )
    performance_second_rating_months: int = setting(
        12,
        label="Hire performance: second rating due (months after the decision)",
        help="…and again this long after the decision.",
        minimum=1,
        maximum=120,
    )
    # The calibration report's flag rule (barraiser/calibration/flags.py), in these words:
    flag_min_n: int = setting(
        5,
        label="Flags: minimum loops before an interviewer can be flagged",
        help="Leniency and agreement are only judged over at least this many loops; "
        "fewer is noise.",
        minimum=1,
        maximum=1000,
    )
    flag_leniency_threshold: float = setting(
        0.5,
        label="Flags: leniency threshold (vote points)",
        help="Flag as lenient (or harsh) an interviewer whose votes average at least this many "
        "points above (or below) the rest of their panels, on a 1-4 scale.",
        minimum=0.05,
        maximum=3.0,
    )
    flag_agreement_floor: float = setting(
        0.5,
        label="Flags: agreement floor (share, 0-1)",
        help="Flag for low agreement an interviewer whose votes lean the way the loop was decided "
        "less often than this share (0.5 is a coin toss).",
        minimum=0.0,
        maximum=1.0,
    )
    flag_agreement_z: float = setting(
        2.0,
        label="Flags: agreement outlier (standard deviations)",
        help="Also flag an interviewer whose agreement is this many standard deviations below "
        "their peers' mean (compared when at least five peers have enough loops).",
        minimum=0.5,
        maximum=5.0,
    )
    flag_min_effect: float = setting(
        0.25,
        label="Flags: minimum adjusted leniency (vote points)",
        help="Flag as lenient (or harsh) only an interviewer whose leniency, adjusted for the "
        "candidates they met, is at least this far from 0 with its 95% interval clear of 0.",
        minimum=0.0,
        maximum=3.0,
    )
    # Inspection (barraiser/reviews): how often the committee reviews the mechanism.
    review_cadence_months: int = setting(
        1,
        label="Reviews: months between reviews",
        help="The committee reviews the mechanism every this many months (1: monthly, 3: "
        "quarterly); each review covers the months since the one before and falls due the day "
        "after.",
        minimum=1,
        maximum=12,
    )
    # The candidate's voice (barraiser/surveys).
    candidate_survey: bool = setting(
        False,
        label="Candidate-experience survey",
        help="Off by default. On: after a loop is decided, the candidate gets one email with a "
        "single-use link to four short questions (no account needed). Only aggregates reach the "
        "report, never with the candidate's name.",
    )
    candidate_survey_days: int = setting(
        14,
        label="Candidate-experience survey: days the link stays valid",
        help="After this many days the survey link no longer works.",
        minimum=1,
        maximum=90,
    )

    min_panel_size: int = setting(
        4,
        label="Minimum panel size (interviews, counting the Bar Raiser)",
        help="A loop with fewer interviews than this cannot be scheduled.",
        minimum=1,
        maximum=12,
    )
    time_zone: str = setting(
        DEFAULT_ZONE,
        label="Organisation time zone",
        help="An IANA name such as Europe/Berlin. Times are shown and entered in it for everyone "
        "who has not chosen their own zone on their profile.",
        config="ORGANISATION_TIME_ZONE",
    )

    def __post_init__(self) -> None:
        for key, spec in SETTINGS.items():
            value = getattr(self, key)
            checked = spec.check(value)
            if checked is not value:  # a whole number given for a float setting
                object.__setattr__(self, key, checked)

    def replace(self, **changes: Any) -> MechanismSettings:
        """These settings with some changed (checked like any other)."""
        return dataclasses.replace(self, **changes)

    def changed_from(self, old: MechanismSettings) -> dict[str, tuple[Value, Value]]:
        """The settings whose values differ from `old`: name → (old, new)."""
        return {
            key: (getattr(old, key), getattr(self, key))
            for key in SETTINGS
            if getattr(old, key) != getattr(self, key)
        }


@dataclass(frozen=True)
class Setting:
    """One setting as its field declares it: what the form, the history and the checks need."""

    key: str
    kind: type[int] | type[float] | type[bool] | type[str]
    default: Value
    label: str
    help: str
    minimum: float | None
    maximum: float | None
    config: str | None

    @property
    def expected(self) -> str:
        """What the setting accepts, in words: 'a whole number from 1 to 336'."""
        if self.kind is bool:
            return "on or off"
        if self.kind is str:
            return "a time zone name such as Europe/Berlin or America/New_York"
        noun = "a whole number" if self.kind is int else "a number"
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"{noun} from {low:g} to {high:g}"
        if low is not None:
            return f"{noun} of at least {low:g}"
        if high is not None:
            return f"{noun} of at most {high:g}"
        return noun

    def check(self, value: object) -> Value:
        """`value` if this setting can take it (a whole number as a float for a float setting);
        raises SettingError otherwise. Booleans are not numbers here, nor numbers booleans."""
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            raise SettingError(self, value)
        if self.kind is str:
            # The one text setting is a time zone.
            if is_zone(value):
                return value  # type: ignore[return-value]
            raise SettingError(self, value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingError(self, value)
        if self.kind is int and not isinstance(value, int):
            raise SettingError(self, value)
        number: int | float = float(value) if self.kind is float else value
        if not math.isfinite(number):
            raise SettingError(self, value)
        if self.minimum is not None and number < self.minimum:
            raise SettingError(self, value)
        if self.maximum is not None and number > self.maximum:
            raise SettingError(self, value)
        return number

    def default_in(self, config: Mapping[str, object]) -> object:
        """The value in force while no admin has changed the setting: the deployment's (from the
        environment) where it sets one, else the default declared here."""
        if self.config is not None and config.get(self.config) is not None:
            return config[self.config]
        return self.default


def _settings() -> dict[str, Setting]:
    types = get_type_hints(MechanismSettings)
    settings = {}
    for field in dataclasses.fields(MechanismSettings):
        if field.default is dataclasses.MISSING:
            raise TypeError(f"The setting {field.name} has no default.")
        settings[field.name] = Setting(
            key=field.name,
            kind=types[field.name],
            default=field.default,
            label=field.metadata["label"],
            help=field.metadata["help"],
            minimum=field.metadata["minimum"],
            maximum=field.metadata["maximum"],
            config=field.metadata["config"],
        )
    return settings


SETTINGS: dict[str, Setting] = _settings()
"""Every setting by name, in the order of `MechanismSettings`' fields."""

DEFAULTS = MechanismSettings()
"""The settings as shipped, before any deployment or admin changes them."""
