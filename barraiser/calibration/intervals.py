"""Uncertainty on the report's simple figures: Wilson intervals on rates, and Spearman's rank
correlation with a seeded bootstrap interval."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .mixed import Z_95

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


def _average_ranks(categories: npt.NDArray[np.intp], k: int) -> npt.NDArray[np.float64]:
    """Average ranks (ties share their mean rank) of each row of `categories`, values 0..k-1
    in their order: ranks by counting, since the report's values take few distinct values."""
    rows = categories.shape[0]
    offsets = (np.arange(rows) * k)[:, None]
    counts = np.bincount((categories + offsets).ravel(), minlength=rows * k).reshape(rows, k)
    below = np.cumsum(counts, axis=1) - counts
    mean_rank = below + (counts + 1) / 2.0
    return np.take_along_axis(mean_rank, categories, axis=1)


def _rank_correlations(x: npt.NDArray[np.intp], y: npt.NDArray[np.intp], kx: int, ky: int):
    rx, ry = _average_ranks(x, kx), _average_ranks(y, ky)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    denominator = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (rx * ry).sum(axis=1) / denominator, np.nan)


def spearman(
    xs: Sequence[float],
    ys: Sequence[float],
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Any]:
    """Spearman's rho (Pearson's r of the average ranks) with a 95% percentile bootstrap
    interval over resampled pairs, seeded so it is the same for the same data.

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
    value = _rank_correlations(x[None, :], y[None, :], len(x_levels), len(y_levels))[0]
    if np.isnan(value):
        return result
    result["value"] = float(value)
    picks = np.random.default_rng(seed).integers(0, len(x), size=(samples, len(x)))
    boot = _rank_correlations(x[picks], y[picks], len(x_levels), len(y_levels))
    boot = boot[~np.isnan(boot)]
    if len(boot) >= samples / 2:
        low, high = np.percentile(boot, [2.5, 97.5])
        result["ci_low"], result["ci_high"] = float(low), float(high)
    return result
