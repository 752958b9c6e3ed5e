"""Krippendorff's alpha: how far a panel's votes agree beyond what chance would give.

Written here from the published method (Krippendorff, 2011, "Computing Krippendorff's
Alpha-Reliability", University of Pennsylvania) rather than taken from the `krippendorff`
package, whose GPL licence this project cannot take on.

The computation uses the coincidence matrix. Within a unit (for us: a loop) that received m_u
values, every ordered pair of values from two different coders adds 1 / (m_u - 1) to o[c][k].
Its marginals n_c = sum_k o[c][k] and their total n (the number of pairable values) give

    alpha = 1 - D_o / D_e = 1 - (n - 1) * sum_ck o[c][k] d2(c, k) / sum_ck n_c n_k d2(c, k)

with the squared difference d2 chosen by the level of measurement:

- nominal:  0 if c == k else 1
- ordinal:  (sum_{g from c to k} n_g - (n_c + n_k) / 2) ** 2, ranks taken from the marginals
- interval: (c - k) ** 2
- ratio:    ((c - k) / (c + k)) ** 2

Which coder gave which value does not enter alpha, only which values share a unit; so a unit is
just the values it received, and a caller holding `{loop: {interviewer: vote}}` passes
`[list(votes.values()) for votes in loops.values()]`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True)
class Alpha:
    """An alpha and the data behind it, so a report never shows a coefficient without its n.

    `value` is None when alpha is undefined: fewer than two pairable values, or no variation
    at all among them (D_o = D_e = 0, e.g. every panelist in every loop cast the same vote).
    Alpha is then 0/0; reporting 1.0 would claim reliability that the data cannot show, and
    0.0 would claim a disagreement that never happened, so we report nothing.
    """

    value: float | None
    units: int
    """Units that entered: those with two values or more (a lone value has no one to agree with)."""
    pairable_values: int
    """n, the number of values in those units."""


def krippendorff_alpha(units: Iterable[Iterable[float | None]], level: Level) -> Alpha:
    """Return Krippendorff's alpha for `units`, each the values its coders gave (None = missing).

    Units with fewer than two non-missing values are dropped, as the method prescribes. Values
    must be numbers for the interval and ratio levels (ratio also requires them to be >= 0);
    nominal and ordinal accept any values that sort among themselves, such as category codes.
    Raises ValueError for an unknown level.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement: {level!r}")

    # Units holding the same values add the same coincidences, and a panel's votes repeat the
    # same few patterns, so each distinct pattern is paired once and weighted by its repeats.
    patterns: Counter[tuple[float, ...]] = Counter()
    for unit in units:
        values = tuple(sorted(value for value in unit if value is not None))
        if len(values) >= 2:
            patterns[values] += 1
    return alpha_from_patterns(patterns, level)


def alpha_from_patterns(
    patterns: Mapping[tuple[float, ...], int] | Mapping[tuple[int, ...], int], level: Level
) -> Alpha:
    """Krippendorff's alpha from units already counted: each distinct pattern of values (sorted,
    no missing values, at least two) with the number of units that hold it."""
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement: {level!r}")
    coincidences: defaultdict[tuple[float, float], float] = defaultdict(float)
    unit_count = pairable_values = 0
    # In a fixed order, so that the sums below round the same whatever order the units came in.
    for values, repeats in sorted(patterns.items()):
        unit_count += repeats
        pairable_values += len(values) * repeats
        weight = repeats / (len(values) - 1)
        counts = Counter(values)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                # A value pairs with every value from another coder, never with itself.
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                if pairs:
                    coincidences[c, k] += pairs * weight

    marginals: defaultdict[float, float] = defaultdict(float)
    for (c, _k), o_ck in coincidences.items():
        marginals[c] += o_ck
    if pairable_values < 2:
        return Alpha(None, unit_count, pairable_values)

    delta2 = _difference_function(level, marginals)
    observed = sum(o_ck * delta2(c, k) for (c, k), o_ck in coincidences.items())
    expected = sum(
        n_c * n_k * delta2(c, k) for c, n_c in marginals.items() for k, n_k in marginals.items()
    )
    if expected == 0:
        return Alpha(None, unit_count, pairable_values)
    return Alpha(1.0 - (pairable_values - 1) * observed / expected, unit_count, pairable_values)


def _difference_function(
    level: Level, marginals: Mapping[float, float]
) -> Callable[[float, float], float]:
    """Return the squared difference d2(c, k) for `level`, given the coincidence marginals."""
    if level == "nominal":
        return lambda c, k: 0.0 if c == k else 1.0
    if level == "interval":
        return lambda c, k: float(c - k) ** 2
    if level == "ratio":
        return lambda c, k: 0.0 if c + k == 0 else ((c - k) / (c + k)) ** 2

    # Ordinal: the distance between two ranks is the mass of values between them, with the two
    # end points counted half, so it depends on how the values are used, not on their spacing.
    ordered = sorted(marginals)
    cumulative: dict[float, float] = {}
    running = 0.0
    for value in ordered:
        running += marginals[value]
        cumulative[value] = running

    def ordinal(c: float, k: float) -> float:
        low, high = (c, k) if c <= k else (k, c)
        between = cumulative[high] - cumulative[low] + marginals[low]
        return (between - (marginals[low] + marginals[high]) / 2) ** 2

    return ordinal
