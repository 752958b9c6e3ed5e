"""When an interviewer's calibration is an outlier worth an inspector's action: the flag rule.

An interviewer is flagged, with the reasons listed by `flag_reasons`, when with enough data (see
`FlagSettings`; defaults in brackets; the report reads them from the mechanism's settings):

- "lenient": leniency_n >= min_n [5] and leniency >= leniency_threshold [0.5 score points];
- "harsh": leniency_n >= min_n and leniency <= -leniency_threshold;
- "low agreement": agreement_n >= min_n and agreement_with_decision is below agreement_floor
  [0.5, no better than a coin], or is more than agreement_z [2.0] standard deviations below the
  mean of their peers: the other interviewers with agreement_n >= min_n, compared only when
  there are at least min_peers [5] of them and their agreement varies. Peers exclude the
  interviewer so that one outlier cannot pull the yardstick towards themselves.
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
    min_peers: int = 5

    def __post_init__(self) -> None:
        if self.min_n < 1 or self.min_peers < 2:
            raise ValueError("min_n must be at least 1 and min_peers at least 2")
        if self.leniency_threshold <= 0 or self.agreement_z <= 0:
            raise ValueError("leniency_threshold and agreement_z must be positive")
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
        leniency, agreement = row["leniency"], row["agreement_with_decision"]
        if row["leniency_n"] >= settings.min_n:
            if leniency >= settings.leniency_threshold:
                reasons.append("lenient")
            elif leniency <= -settings.leniency_threshold:
                reasons.append("harsh")
        if row["agreement_n"] >= settings.min_n:
            low = agreement < settings.agreement_floor
            if not low and peers >= settings.min_peers:
                peer_mean = (total - agreement) / peers
                variance = (total_squares - agreement**2 - peers * peer_mean**2) / (peers - 1)
                # Below ~1e-12 the variance is rounding noise: the peers all agree equally.
                if variance > 1e-12:
                    low = agreement < peer_mean - settings.agreement_z * math.sqrt(variance)
            if low:
                reasons.append("low agreement")
        result.append(reasons)
    return result
