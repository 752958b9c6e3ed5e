"""When an interviewer's calibration is an outlier worth an inspector's action: the flag rule.

A flag says "this interviewer is lenient", not "this interviewer met strong candidates" or "has
six interviews and bad luck", so each reason needs its 95% interval to clear "no effect". An
interviewer is flagged, with the reasons listed by `flag_reasons`, when (see `FlagSettings`;
defaults in brackets; the report reads them from the mechanism's settings):

- "lenient": their adjusted leniency (the model's BLUP, `leniency_adjusted`) has a 95% interval
  entirely above 0 and an estimate of at least min_effect [0.25 vote points];
- "harsh": likewise below 0, estimate at most -min_effect. Without a fitted model (too few
  votes, see `mixed.enough_for_a_fit`) nobody is flagged lenient or harsh: raw leniency alone
  cannot tell a lenient interviewer from one who met strong candidates;
- "low agreement": agreement_n >= min_n [5] and the Wilson 95% interval of their agreement with
  the decision lies entirely below agreement_floor [0.5, a coin], or their agreement is more
  than agreement_z [2.0] standard deviations below the mean of their peers (the other
  interviewers with agreement_n >= min_n, compared only when there are at least min_peers [5]
  of them and their agreement varies) with the interval's upper end below that mean too. Peers
  exclude the interviewer so that one outlier cannot pull the yardstick towards themselves.

The raw leniency (vote minus the other panelists' mean) is shown beside the adjusted one; its
old threshold `leniency_threshold` now only draws the chart's guide lines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..settings.mechanism import DEFAULTS


@dataclass(frozen=True)
class FlagSettings:
    """When an interviewer's calibration is an outlier worth an inspector's action (see module)."""

    min_n: int = DEFAULTS.flag_min_n
    leniency_threshold: float = DEFAULTS.flag_leniency_threshold
    agreement_floor: float = DEFAULTS.flag_agreement_floor
    agreement_z: float = DEFAULTS.flag_agreement_z
    min_effect: float = DEFAULTS.flag_min_effect
    min_peers: int = 5

    def __post_init__(self) -> None:
        if self.min_n < 1 or self.min_peers < 2:
            raise ValueError("min_n must be at least 1 and min_peers at least 2")
        if self.leniency_threshold <= 0 or self.agreement_z <= 0:
            raise ValueError("leniency_threshold and agreement_z must be positive")
        if self.min_effect < 0:
            raise ValueError("min_effect cannot be negative")
        if not 0 <= self.agreement_floor <= 1:
            raise ValueError("agreement_floor is a share, between 0 and 1")


DEFAULT_FLAG_SETTINGS = FlagSettings()


def flag_reasons(
    interviewers: Sequence[Mapping[str, Any]], settings: FlagSettings
) -> list[list[str]]:
    """Why each interviewer row is flagged (empty: not flagged), by the rule in the module doc."""
    qualified = [
        row["agreement_with_decision"]
        for row in interviewers
        if row["agreement_n"] >= settings.min_n
    ]
    total, total_squares = math.fsum(qualified), math.fsum(x * x for x in qualified)
    peers = len(qualified) - 1
    result = []
    for row in interviewers:
        reasons = []
        adjusted = row.get("leniency_adjusted")
        if adjusted is not None:
            estimate = adjusted["estimate"]
            if adjusted["ci_low"] > 0 and estimate >= settings.min_effect:
                reasons.append("lenient")
            elif adjusted["ci_high"] < 0 and estimate <= -settings.min_effect:
                reasons.append("harsh")
        agreement, upper = row["agreement_with_decision"], row["agreement_with_decision_ci_high"]
        if row["agreement_n"] >= settings.min_n:
            low = upper < settings.agreement_floor
            if not low and peers >= settings.min_peers:
                peer_mean = (total - agreement) / peers
                variance = (total_squares - agreement**2 - peers * peer_mean**2) / (peers - 1)
                # Below ~1e-12 the variance is rounding noise: the peers all agree equally.
                if variance > 1e-12:
                    outlier = agreement < peer_mean - settings.agreement_z * math.sqrt(variance)
                    low = outlier and upper < peer_mean
            if low:
                reasons.append("low agreement")
        result.append(reasons)
    return result
