"""Uncertainty on the report's simple figures: Wilson intervals on rates, and Spearman's rank
correlation with a seeded bootstrap interval."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..lazy import lazy_module
from .mixed import Z_95

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
else:  # imported when a correlation is first computed, not at start-up (see barraiser.lazy)
    np = lazy_module("numpy")

BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 1979
"""Fixed, so the same rows always give the same interval (the report is reproducible)."""
MIN_SPEARMAN_N = 3
RANGE_RESTRICTION_WARNING = (
    "Only hires have performance ratings: candidates who were not hired are missing, so the "
    "spread of votes is restricted and any correlation understates how well votes predict "
    "performance across all candidates."
)


def wilson(hits: int, n: int, z: float = Z_95) -> tuple[float | None, float | None]:
    """The Wilson score interval for hits / n (95% by default); (None, None) when n is 0.

    Unlike the normal approximation it stays within 0..1 and is sensible at 0/n and n/n, which
    small interviewer counts give all the time (Wilson, 1927; Brown, Cai & DasGupta, 2001).
    """
    if n <= 0:
        return None, None
    p = hits / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At 0/n and n/n one end is exactly 0 or 1; the formula gets there only up to rounding.
    low = 0.0 if hits == 0 else max(0.0, centre - half)
    high = 1.0 if hits == n else min(1.0, centre + half)
    return low, high


def rate_with_interval(name: str, hits: int, n: int) -> dict[str, Any]:
    """`{name: rate, name_ci_low, name_ci_high, name_n}`: a rate and its Wilson interval."""
    low, high = wilson(hits, n)
    return {
        name: hits / n if n else None,
        f"{name}_ci_low": low,
        f"{name}_ci_high": high,
        f"{name}_n": n,
    }


def _rank_correlations(table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Spearman's rho of each contingency table in `table` (samples × x levels × y levels, the
    levels in order): Pearson's r of the average ranks, ties sharing their mean rank, with each
    cell's pairs weighted by its count. NaN where a side does not vary."""
    rows, columns = table.sum(axis=2), table.sum(axis=1)
    row_ranks = np.cumsum(rows, axis=1) - (rows - 1) / 2.0
    column_ranks = np.cumsum(columns, axis=1) - (columns - 1) / 2.0
    n = rows.sum(axis=1, keepdims=True)
    mean_rank = (n + 1) / 2.0
    row_ranks -= mean_rank
    column_ranks -= mean_rank
    covariance = np.einsum("si,sij,sj->s", row_ranks, table, column_ranks)
    row_spread = np.einsum("si,si->s", rows, row_ranks**2)
    column_spread = np.einsum("sj,sj->s", columns, column_ranks**2)
    denominator = np.sqrt(row_spread * column_spread)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, covariance / denominator, np.nan)


def spearman(
    xs: Sequence[float],
    ys: Sequence[float],
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Any]:
    """Spearman's rho with a 95% percentile bootstrap interval over resampled pairs, seeded so
    the same data always give the same interval.

    The report's values take few distinct values (mean votes, ratings 1..5), so the pairs are
    counted into a contingency table and a resample of the pairs is a multinomial draw of that
    table: the same distribution as drawing pairs, at a cost that does not grow with n.
    `value` is None under MIN_SPEARMAN_N pairs or when either side never varies; the interval
    is None then too, and when fewer than half of the resamples vary on both sides."""
    if len(xs) != len(ys):
        raise ValueError("spearman needs paired values")
    result: dict[str, Any] = {
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "n": len(xs),
        "bootstrap_samples": samples,
        "bootstrap_seed": seed,
    }
    if len(xs) < MIN_SPEARMAN_N:
        return result
    x_levels, x = np.unique(np.asarray(xs, dtype=np.float64), return_inverse=True)
    y_levels, y = np.unique(np.asarray(ys, dtype=np.float64), return_inverse=True)
    shape = (len(x_levels), len(y_levels))
    cells = np.bincount(x * shape[1] + y, minlength=shape[0] * shape[1]).astype(np.float64)
    value = _rank_correlations(cells.reshape(1, *shape))[0]
    if np.isnan(value):
        return result
    result["value"] = float(value)
    draws = np.random.default_rng(seed).multinomial(len(xs), cells / cells.sum(), size=samples)
    boot = _rank_correlations(draws.astype(np.float64).reshape(samples, *shape))
    boot = boot[~np.isnan(boot)]
    if len(boot) >= samples / 2:
        low, high = np.percentile(boot, [2.5, 97.5])
        result["ci_low"], result["ci_high"] = float(low), float(high)
    return result
