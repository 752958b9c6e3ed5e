"""The report's measurement beyond raw figures: the crossed random-effects model fitted to the
panel's written votes (leniency adjusted for the candidate, the reliability of a panel) and the
headline figures month by month. Pure functions over what `metrics.read_panel` read."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

from ..lazy import lazy_module
from .agreement import alpha_from_patterns
from .intervals import wilson
from .mixed import (
    MIN_FIT_INTERVIEWERS,
    MIN_FIT_LOOPS,
    CrossedFit,
    enough_indexed,
    fit_indexed,
    indexed,
)
from .reliability import reliability_section
from .rows import LoopRow

if TYPE_CHECKING:
    import numpy as np
else:  # imported when the model is first read, not at start-up (see barraiser.lazy)
    np = lazy_module("numpy")

METHOD = (
    "Crossed random-effects model of written votes (decided loops): vote = mean + candidate "
    "loop + interviewer + residual, variance components by REML, interviewer effects as BLUPs "
    "with standard errors from the prediction error variance; 95% interval = BLUP ± 1.96 SE."
)


@dataclass(frozen=True)
class ModelReading:
    """The model fitted to a report's votes, or why none was (too few votes): never both."""

    fit: CrossedFit | None
    reason: str | None
    position: Mapping[int, int]
    """Interviewer id → their position in the fit's arrays."""
    scores: np.ndarray | None = None
    """The votes fitted, in the fit's order (see `CrossedFit.loop_index`)."""

    def adjusted(self, who: int) -> dict[str, float] | None:
        """One interviewer's `leniency_adjusted`, None without a fit or a vote in it."""
        if self.fit is None or who not in self.position:
            return None
        estimate, se, low, high = self.fit.interval(self.position[who])
        return {"estimate": estimate, "se": se, "ci_low": low, "ci_high": high}

    def summary(self) -> dict[str, Any]:
        """The report's `model`: whether it was fitted, on what, and the rule for enough data."""
        fit = self.fit
        return {
            "fitted": fit is not None,
            "reason": self.reason,
            "method": METHOD,
            "min_loops": MIN_FIT_LOOPS,
            "min_interviewers": MIN_FIT_INTERVIEWERS,
            "votes": fit.votes if fit else None,
            "loops": len(fit.loops) if fit else None,
            "interviewers": len(fit.interviewers) if fit else None,
            "mean_vote": fit.mean if fit else None,
            "interviewer_sd": math.sqrt(fit.interviewer_variance) if fit else None,
            "converged": fit.converged if fit else None,
        }

    def reliability(self) -> dict[str, Any]:
        fit = self.fit
        if fit is None:
            return {**reliability_section(None, None, None), "reason": self.reason}
        return {
            **reliability_section(
                fit.loop_variance, fit.interviewer_variance, fit.residual_variance
            ),
            "reason": None,
        }


def vote_arrays(
    votes_by_loop: Mapping[int, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The written votes as three parallel arrays: loop id, interviewer id, score."""
    sizes = [len(votes.scores) for votes in votes_by_loop.values()]
    loops = np.repeat(np.fromiter(votes_by_loop.keys(), dtype=np.int64), sizes)
    total = len(loops)
    voters = np.fromiter(
        chain.from_iterable(votes.voters for votes in votes_by_loop.values()), np.int64, total
    )
    scores = np.fromiter(
        chain.from_iterable(votes.scores for votes in votes_by_loop.values()), np.float64, total
    )
    return loops, voters, scores


def read_model(votes_by_loop: Mapping[int, Any]) -> ModelReading:
    """The model over these votes when they are enough for a stable fit (see
    `mixed.enough_for_a_fit`); otherwise no fit and the reason, in words."""
    return model_of(*vote_arrays(votes_by_loop))


def model_of(loops: np.ndarray, voters: np.ndarray, scores: np.ndarray) -> ModelReading:
    """`read_model` over the votes already as arrays (see `vote_arrays`)."""
    (loop_labels, loop_index), (interviewers, judge_index) = indexed(loops), indexed(voters)
    reason = enough_indexed(loop_index, judge_index, len(interviewers))
    if reason is None and float(scores.max() - scores.min()) == 0.0:
        reason = "Every vote is the same: there is no spread to adjust for. Raw figures only."
    if reason is not None:
        return ModelReading(None, reason, {})
    fit = fit_indexed(loop_labels, loop_index, interviewers, judge_index, scores)
    return ModelReading(
        fit, None, {who: index for index, who in enumerate(fit.interviewers)}, scores
    )


def month_of(loop: LoopRow) -> str:
    """The month a loop belongs to, by its first interview (UTC): "2026-03"."""
    moment = loop.first_interview_at
    return f"{moment.year:04d}-{moment.month:02d}"


def _leniency_spread(
    model: ModelReading, months: Mapping[int, str], min_n: int
) -> dict[str, tuple[float | None, int]]:
    """Per month: the standard deviation, over interviewers with at least `min_n` votes that
    month, of their mean adjusted vote (vote − mean − the model's candidate-loop effect), with
    how many interviewers it is over. The model is the period's; the month only picks votes
    (read from the arrays the model was fitted to, not from the rows again)."""
    fit, scores = model.fit, model.scores
    if fit is None or scores is None:
        return {}
    labels = sorted({months[loop_id] for loop_id in fit.loops})
    month_index = {label: index for index, label in enumerate(labels)}
    loop_month = np.fromiter(
        (month_index[months[loop_id]] for loop_id in fit.loops), np.int64, len(fit.loops)
    )
    at_loop, at_voter = fit.loop_index, fit.judge_index
    width = len(fit.interviewers)
    cell = loop_month[at_loop] * width + at_voter
    size = len(labels) * width
    adjusted = scores - fit.mean - fit.loop_effects[at_loop]
    counts = np.bincount(cell, minlength=size).reshape(len(labels), width)
    sums = np.bincount(cell, weights=adjusted, minlength=size).reshape(len(labels), width)
    result: dict[str, tuple[float | None, int]] = {}
    for index, label in enumerate(labels):
        enough = counts[index] >= min_n
        means = sums[index][enough] / counts[index][enough]
        result[label] = (float(np.std(means, ddof=1)) if len(means) >= 2 else None, len(means))
    return result


def monthly_trends(
    loops: Sequence[LoopRow],
    patterns_by_loop: Mapping[int, tuple[int, ...]],
    on_time: Mapping[int, int],
    submitted: Mapping[int, int],
    before_debrief: Mapping[int, bool],
    model: ModelReading,
    *,
    min_n: int,
) -> list[dict[str, Any]]:
    """The headline figures by month of the loops' first interview, oldest first: loops,
    Krippendorff's alpha, the adoption rates, the veto rate and the spread of adjusted
    leniency. Rates come with their Wilson 95% interval's bounds. `patterns_by_loop` holds each
    loop's sorted written votes where it has two or more (as `metrics.read_loops` found them)."""
    months = {loop.loop_id: month_of(loop) for loop in loops}
    by_month: defaultdict[str, list[LoopRow]] = defaultdict(list)
    for loop in loops:
        by_month[months[loop.loop_id]].append(loop)
    spread = _leniency_spread(model, months, min_n)
    result = []
    for month in sorted(by_month):
        own = by_month[month]
        decided = [loop for loop in own if loop.outcome is not None]
        patterns: Counter[tuple[int, ...]] = Counter()
        for loop in decided:
            pattern = patterns_by_loop.get(loop.loop_id)
            if pattern is not None:
                patterns[pattern] += 1
        alpha = alpha_from_patterns(patterns, "ordinal")
        debriefed = [loop for loop in decided if loop.loop_id in before_debrief]
        figures: dict[str, tuple[int, int]] = {
            "bar_raiser_rate": (sum(loop.bar_raiser_certified for loop in own), len(own)),
            "on_time_rate": (
                sum(on_time.get(loop.loop_id, 0) for loop in decided),
                sum(submitted.get(loop.loop_id, 0) for loop in decided),
            ),
            "submitted_before_debrief_rate": (
                sum(before_debrief[loop.loop_id] for loop in debriefed),
                len(debriefed),
            ),
            "principle_coverage_rate": (
                sum(loop.required_principles_covered for loop in own),
                len(own),
            ),
            "veto_rate": (sum(loop.vetoed for loop in decided), len(decided)),
        }
        row: dict[str, Any] = {
            "month": month,
            "loops": len(own),
            "decided": len(decided),
            "krippendorff_alpha_ordinal": alpha.value,
            "alpha_loops": alpha.units,
        }
        for name, (hits, n) in figures.items():
            low, high = wilson(hits, n)
            row[name] = hits / n if n else None
            row[f"{name}_ci_low"], row[f"{name}_ci_high"] = low, high
            row[f"{name}_n"] = n
        row["leniency_adjusted_spread"], row["leniency_adjusted_spread_n"] = spread.get(
            month, (None, 0)
        )
        result.append(row)
    return result
