"""Interviewer leniency adjusted for the candidate: a crossed random-effects model of written votes.

    score = mu + loop_i + interviewer_j + e
    loop_i ~ N(0, s2_loop), interviewer_j ~ N(0, s2_int), e ~ N(0, s2_res), all independent

Each decided loop is one candidate's "target" and each interviewer a "judge" (Shrout & Fleiss,
1979); the design is crossed, unbalanced and sparse (a loop meets four or five of hundreds of
interviewers). The variance components are estimated by restricted maximum likelihood (REML),
the interviewers' effects are their BLUPs (best linear unbiased predictions) from Henderson's
mixed-model equations, and each BLUP's standard error is the square root of its prediction error
variance, s2_res times its diagonal element of the inverse of the equations' coefficient matrix.
On a balanced design REML equals the ANOVA estimators (pinned in the tests to Shrout & Fleiss).

How it stays fast (100,000 votes in well under 0.3 s). With the variance ratios g_loop =
s2_loop / s2_res and g_int = s2_int / s2_res the equations are

    [ D    N      ] [a]   [loop sums       ]      D = diag(n_i + 1 / g_loop)    (loops × loops)
    [ N'   B + G  ] [u] = [mu and interviewer sums]  B = X'X, X'Z, Z'Z for mu and interviewers

with N the loops' counts of votes by interviewer (and, first column, all votes). D is diagonal,
so the loops are absorbed (a Schur complement): the system left is over mu and the interviewers,
hundreds wide, dense, solved by Cholesky. Loops of the same size share their weight 1/(n_i + 1/g),
so N' D^-1 N is a weighted sum of one precomputed matrix per loop size (panels have a handful of
sizes): each evaluation of the REML criterion costs one small Cholesky factorisation and the
inverse's traces from it, not a pass over the votes. The components are found by
average-information REML (Gilmour, Thompson & Cullis, 1995), a Newton-type method whose
information matrix comes from the equations already solved (three solves with the same factor):
it settles in four or five factorisations. When a component lies on the boundary (zero), the
profiled criterion (s2_res solved out) is minimised over the two log-ratios with L-BFGS-B and
its exact gradient instead. The fit's last factorisation gives the standard errors: its
inverse's diagonal, with no pass of its own.

The model reads plain arrays; `calibration.metrics` feeds it the written votes of decided loops.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from ..lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from scipy import optimize, sparse
    from scipy.linalg import lapack
else:  # imported when a model is first fitted, not at start-up (see barraiser.lazy)
    np = lazy_module("numpy")
    optimize = lazy_module("scipy.optimize")
    sparse = lazy_module("scipy.sparse")
    lapack = lazy_module("scipy.linalg.lapack")

FloatArray: TypeAlias = "npt.NDArray[np.float64]"

Z_95 = 1.959963984540054
"""The standard normal's 97.5th percentile: a 95% interval is the estimate ± Z_95 · SE."""

LOG_RATIO_BOUNDS = (-18.0, 12.0)
"""Where the log variance ratios are searched: e^-18 is a component of zero in all but name."""

MIN_FIT_LOOPS = 30
"""Loops with votes from two interviewers or more below which the report fits no model: with
fewer, the loop and interviewer components cannot be told apart reliably (their estimates swing
from zero to large between neighbouring periods), so only raw figures are shown."""
MIN_FIT_INTERVIEWERS = 5
"""Interviewers voting in such loops below which there is no interviewer variance to estimate."""


@dataclass(frozen=True)
class CrossedFit:
    """The fitted model: variance components, the mean, and per interviewer (in `interviewers`
    order) the BLUP of their effect and its standard error; per loop (in `loops` order) the
    BLUP of the candidate-loop effect."""

    mean: float
    loop_variance: float
    interviewer_variance: float
    residual_variance: float
    interviewers: tuple[int, ...]
    effects: FloatArray
    standard_errors: FloatArray
    loops: tuple[int, ...]
    loop_effects: FloatArray
    votes: int
    converged: bool
    loop_index: npt.NDArray[np.intp] = field(default_factory=lambda: np.empty(0, np.intp))
    """Per vote (in the order given), its loop's position in `loops`."""
    judge_index: npt.NDArray[np.intp] = field(default_factory=lambda: np.empty(0, np.intp))
    """Per vote, its interviewer's position in `interviewers`."""

    def interval(self, index: int) -> tuple[float, float, float, float]:
        """(estimate, se, ci_low, ci_high) of one interviewer's effect, by position."""
        estimate, se = float(self.effects[index]), float(self.standard_errors[index])
        return estimate, se, estimate - Z_95 * se, estimate + Z_95 * se


@dataclass
class _Design:
    """What every evaluation of the REML criterion reads, computed once from the votes."""

    n: int
    yy: float
    sizes: FloatArray
    """The distinct loop sizes."""
    loops_of_size: FloatArray
    """How many loops have each size."""
    gram: FloatArray
    """Per size (first axis), flattened: N_s' N_s over (mu, interviewers), that size's loops."""
    gram_upper: FloatArray
    """The same, upper triangle only, its off-diagonal doubled: the sum of its elementwise
    product with a symmetric matrix whose upper triangle alone is valid is their full one."""
    cross: FloatArray
    """Per size: N_s' (loop sums)."""
    sum_squares: FloatArray
    """Per size: the sum of the squared loop sums."""
    base: FloatArray
    """B: the (mu, interviewers) block of the coefficients without the variance ratio."""
    rhs: FloatArray
    """(sum of all votes, each interviewer's sum of votes)."""
    loop_index: npt.NDArray[np.intp]
    judge_index: npt.NDArray[np.intp]
    loop_size: FloatArray
    """Per loop, its number of votes."""
    counts: sparse.csr_matrix
    """N: per loop, its votes by interviewer (first column: all its votes)."""
    counts_t: sparse.csr_matrix
    """N', kept in row-major order: the absorbed right-hand side of any data."""
    loop_sums: FloatArray

    @property
    def width(self) -> int:
        return self.base.shape[0]


def _design(
    loop_index: npt.NDArray[np.intp],
    judge_index: npt.NDArray[np.intp],
    y: FloatArray,
    n_loops: int,
    n_judges: int,
) -> _Design:
    n = len(y)
    width = n_judges + 1
    size = np.bincount(loop_index, minlength=n_loops).astype(np.float64)
    loop_sums = np.asarray(np.bincount(loop_index, weights=y, minlength=n_loops), np.float64)
    rows = np.concatenate([loop_index, np.arange(n_loops)])
    cols = np.concatenate([judge_index + 1, np.zeros(n_loops, dtype=np.intp)])
    data = np.concatenate([np.ones(n), size])
    counts = sparse.csr_matrix((data, (rows, cols)), shape=(n_loops, width))
    sizes, group = np.unique(size, return_inverse=True)
    gram = np.empty((len(sizes), width * width))
    cross = np.empty((len(sizes), width))
    sum_squares = np.empty(len(sizes))
    for s in range(len(sizes)):
        members = np.flatnonzero(group == s)
        part = counts[members]
        gram[s] = (part.T @ part).toarray().ravel()
        cross[s] = part.T @ loop_sums[members]
        sum_squares[s] = loop_sums[members] @ loop_sums[members]
    upper = np.triu(np.full((width, width), 2.0), 1) + np.eye(width)
    per_judge = np.bincount(judge_index, minlength=n_judges).astype(np.float64)
    base = np.zeros((width, width))
    base[0, 0] = n
    base[0, 1:] = base[1:, 0] = per_judge
    base[np.arange(1, width), np.arange(1, width)] = per_judge
    rhs = np.concatenate([[y.sum()], np.bincount(judge_index, weights=y, minlength=n_judges)])
    return _Design(
        n=n,
        yy=float(y @ y),
        sizes=sizes,
        loops_of_size=np.bincount(group).astype(np.float64),
        gram=gram,
        gram_upper=gram * upper.ravel(),
        cross=cross,
        sum_squares=sum_squares,
        base=base,
        rhs=rhs,
        loop_index=loop_index,
        judge_index=judge_index,
        loop_size=size,
        counts=counts,
        counts_t=counts.T.tocsr(),
        loop_sums=loop_sums,
    )


@dataclass
class _Solution:
    log_ratios: FloatArray
    criterion: float
    gradient: FloatArray
    solution: FloatArray
    """(mu, the interviewers' BLUPs), in units of the votes."""
    factor: FloatArray
    """The Cholesky factor (lower triangle) of the absorbed coefficient matrix."""
    inverse_diagonal: FloatArray
    """The diagonal of its inverse: the (mu, interviewers) diagonal of C^-1."""
    trace_loops: float
    """The trace of the loop block of C^-1."""
    trace_interviewers: float
    """The trace of the interviewer block of C^-1."""
    quadratic: float
    """y'(y - fitted): the residual variance times (votes - 1) at these ratios."""
    residual_variance: float

    def fitted(self, design: _Design, sums: FloatArray, loop_sums: FloatArray) -> tuple:
        """The equations solved for other data, given as (its total, per interviewer sums) and
        its per-loop sums: the (mu, interviewers) solution and the loops' effects."""
        inv_loop = math.exp(-float(self.log_ratios[0]))
        per_loop = 1.0 / (design.loop_size + inv_loop)
        rhs = sums - design.counts_t @ (per_loop * loop_sums)
        solution, _ = lapack.dpotrs(self.factor, rhs, lower=1)
        return solution, per_loop * (loop_sums - design.counts @ solution)


def _solve(design: _Design, log_ratios: FloatArray) -> _Solution:
    """The REML criterion (-2 log restricted likelihood, s2_res profiled out, constants dropped)
    at these log variance ratios, with its gradient and the equations' solution."""
    log_loop, log_int = float(log_ratios[0]), float(log_ratios[1])
    inv_loop, inv_int = math.exp(-log_loop), math.exp(-log_int)
    weights = 1.0 / (design.sizes + inv_loop)
    width = design.width
    n_judges, n_loops = width - 1, float(design.loops_of_size.sum())
    diagonal = np.arange(1, width)
    coefficients = design.base - (weights @ design.gram).reshape(width, width)
    coefficients[diagonal, diagonal] += inv_int
    rhs = design.rhs - weights @ design.cross
    absorbed_squares = float(weights @ design.sum_squares)
    # Symmetric: its transpose is the same matrix, already in the column order LAPACK wants.
    factor, info = lapack.dpotrf(coefficients.T, lower=1, overwrite_a=1, clean=0)
    if info != 0:
        raise np.linalg.LinAlgError("the mixed-model equations are not positive definite")
    solution, _ = lapack.dpotrs(factor, rhs, lower=1)
    # The inverse's lower triangle (its upper one holds what the factor left there), in column
    # order: read row by row, as its transpose, its valid part is the upper triangle.
    inverse, info = lapack.dpotri(factor.copy(order="F"), lower=1, overwrite_c=1)
    if info != 0:
        raise np.linalg.LinAlgError("the mixed-model equations are not positive definite")
    residual_df = design.n - 1
    quadratic = max(design.yy - absorbed_squares - float(solution @ rhs), 1e-12 * design.yy)
    log_det = float(design.loops_of_size @ np.log(design.sizes + inv_loop)) + 2.0 * float(
        np.log(np.diag(factor)).sum()
    )
    criterion = (
        residual_df * math.log(quadratic) + n_loops * log_loop + n_judges * log_int + log_det
    )
    # The gradient: d/d log g of each term, through the loop block (absorbed) and the
    # interviewer block of C^-1 and the BLUPs a (loops) and u (interviewers). Per size s,
    # the loops' BLUPs are w_s (loop sum - N_i u), so their squares sum per size as below.
    squared = weights * weights
    trace_loops = float(design.loops_of_size @ weights) + float(
        inverse.T.ravel() @ (squared @ design.gram_upper)
    )
    grams = design.gram.reshape(len(weights), width, width)
    fitted = grams @ solution
    loop_effects_squared = float(
        squared @ (design.sum_squares - 2.0 * (design.cross @ solution) + fitted @ solution)
    )
    effects = solution[1:]
    inverse_diagonal = np.diag(inverse).copy()
    trace_int = float(inverse_diagonal[1:].sum())
    gradient = np.array(
        [
            n_loops - inv_loop * (trace_loops + residual_df * loop_effects_squared / quadratic),
            n_judges - inv_int * (trace_int + residual_df * float(effects @ effects) / quadratic),
        ]
    )
    return _Solution(
        np.asarray(log_ratios, dtype=np.float64).copy(),
        criterion,
        gradient,
        solution,
        factor,
        inverse_diagonal,
        trace_loops,
        trace_int,
        quadratic,
        quadratic / residual_df,
    )


MAX_NEWTON_STEPS = 40
NEWTON_TOLERANCE = 1e-6
"""Average-information steps stop once no component moves by more than this, relatively.
The steps settle about quadratically (a step of d leaves an error of the order of d squared), so
the components come out exact to some 1e-11, far below anything shown; a stricter tolerance only
cost one more factorisation to confirm it (a sixth of the model's time at 20,000 loops)."""


def _newton(design: _Design, y: FloatArray, start: FloatArray) -> _Solution | None:
    """REML by average-information (Newton-type) steps on the three variance components.

    Each step costs one factorisation of the absorbed equations and their solves for three
    working variates (Gilmour, Thompson and Cullis 1995): the average of the observed and the
    expected information needs no more than the solution already at hand. A step that would make
    the criterion worse is halved; None when the search leaves the interior (a component at
    zero) or does not settle, and the caller falls back to a bounded quasi-Newton search."""
    n_loops, width = len(design.loop_size), design.width
    judge_at, loop_at = design.judge_index, design.loop_index
    current = _solve(design, start)
    for _ in range(MAX_NEWTON_STEPS):
        ratio_loop, ratio_int = np.exp(current.log_ratios)
        residual = current.residual_variance
        loop_var, int_var = ratio_loop * residual, ratio_int * residual
        mean, effects = float(current.solution[0]), current.solution[1:]
        per_loop = 1.0 / (design.loop_size + 1.0 / ratio_loop)
        loop_effects = per_loop * (design.loop_sums - design.counts @ current.solution)
        errors = y - mean - loop_effects[loop_at] - effects[judge_at]
        loops_free = n_loops - current.trace_loops / ratio_loop
        judges_free = width - 1 - current.trace_interviewers / ratio_int
        # d(-2 log L_R) / d(s2_loop, s2_int, s2_res)
        gradient = np.array(
            [
                loops_free / loop_var - float(loop_effects @ loop_effects) / loop_var**2,
                judges_free / int_var - float(effects @ effects) / int_var**2,
                (design.n - 1 - loops_free - judges_free) / residual
                - float(errors @ errors) / residual**2,
            ]
        )
        working = (
            loop_effects[loop_at] / loop_var,
            effects[judge_at] / int_var,
            errors / residual,
        )
        projected = []
        for variate in working:
            sums = np.concatenate(
                [[variate.sum()], np.bincount(judge_at, weights=variate, minlength=width - 1)]
            )
            loop_sums = np.bincount(loop_at, weights=variate, minlength=n_loops).astype(np.float64)
            solution, loops = current.fitted(design, sums, loop_sums)
            projected.append(variate - solution[0] - loops[loop_at] - solution[1:][judge_at])
        information = np.array([[a @ b for b in projected] for a in working]) / residual
        try:
            step = -np.linalg.solve(information, gradient)
        except np.linalg.LinAlgError:
            return None
        components = np.array([loop_var, int_var, residual])
        if float(np.max(np.abs(step) / components)) < NEWTON_TOLERANCE:
            return current
        for _ in range(8):
            proposed = components + step
            if np.all(proposed > 0):
                log_ratios = np.log(proposed[:2] / proposed[2])
                if np.all((log_ratios > LOG_RATIO_BOUNDS[0]) & (log_ratios < LOG_RATIO_BOUNDS[1])):
                    moved = _solve(design, log_ratios)
                    if moved.criterion <= current.criterion + 1e-12 * abs(current.criterion):
                        break
            step = step / 2.0
        else:
            return None
        settled = float(np.max(np.abs(moved.log_ratios - current.log_ratios))) < NEWTON_TOLERANCE
        current = moved
        if settled:
            return current
    return None


def _moment_start(
    loop_index: npt.NDArray[np.intp], judge_index: npt.NDArray[np.intp], y: FloatArray
) -> FloatArray:
    """Log variance ratios from crude moments, where the search starts: the spread within
    loops holds interviewer and residual variance, within interviewers loop and residual."""
    total = float(y.var())

    def within(index: npt.NDArray[np.intp]) -> float:
        counts = np.bincount(index).astype(np.float64)
        means = np.bincount(index, weights=y) / np.maximum(counts, 1)
        groups = int((counts > 0).sum())
        return float(((y - means[index]) ** 2).sum()) / max(len(y) - groups, 1)

    in_loops, in_interviewers = within(loop_index), within(judge_index)
    floor = 0.02 * total
    residual = max(in_loops + in_interviewers - total, floor)
    loop = max(total - in_loops, floor)
    interviewer = max(total - in_interviewers, floor)
    return np.log(np.array([loop / residual, interviewer / residual]))


def indexed(
    values: Sequence[int] | npt.NDArray[np.int64],
) -> tuple[tuple[int, ...], npt.NDArray[np.intp]]:
    """The distinct values, sorted, and each value's position among them."""
    labels, index = np.unique(np.asarray(values, dtype=np.int64), return_inverse=True)
    return tuple(int(label) for label in labels), index.astype(np.intp)


def distinct(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The distinct values, sorted: `np.unique(values)`, by sorting. Why not np.unique itself:
    on integers it hashes first (numpy 2.3 and later), ten times slower on a hundred thousand
    votes, whose keys come nearly sorted (by loop)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def fit_crossed(
    loop_ids: Sequence[int] | npt.NDArray[np.int64],
    interviewer_ids: Sequence[int] | npt.NDArray[np.int64],
    scores: Sequence[float] | FloatArray,
) -> CrossedFit:
    """Fit the model to votes given as three parallel sequences (one entry per vote).

    Raises ValueError when there is nothing to fit (fewer than two votes, or the votes do not
    vary); callers decide beforehand whether the data are enough (see `enough_for_a_fit`).
    """
    y = np.asarray(scores, dtype=np.float64)
    if len(y) != len(loop_ids) or len(y) != len(interviewer_ids):
        raise ValueError("fit_crossed needs one loop and one interviewer per vote")
    if len(y) < 2 or float(y.max() - y.min()) == 0.0:
        raise ValueError("the votes do not vary: there is nothing to fit")
    loops, loop_index = indexed(loop_ids)
    interviewers, judge_index = indexed(interviewer_ids)
    return fit_indexed(loops, loop_index, interviewers, judge_index, y)


def fit_indexed(
    loops: tuple[int, ...],
    loop_index: npt.NDArray[np.intp],
    interviewers: tuple[int, ...],
    judge_index: npt.NDArray[np.intp],
    y: FloatArray,
) -> CrossedFit:
    """`fit_crossed` on votes already indexed (see `indexed`): loop and interviewer labels, and
    per vote the positions of its loop and interviewer among them."""
    design = _design(loop_index, judge_index, y, len(loops), len(interviewers))
    start = np.clip(_moment_start(loop_index, judge_index, y), *LOG_RATIO_BOUNDS)
    best = _newton(design, y, start)
    converged = best is not None
    if best is None:  # a component at (or near) zero: search within the bounds
        evaluated: list[_Solution] = []

        def criterion(log_ratios: FloatArray) -> tuple[float, FloatArray]:
            evaluated.append(_solve(design, log_ratios))
            return evaluated[-1].criterion, evaluated[-1].gradient

        result = optimize.minimize(
            criterion,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=[LOG_RATIO_BOUNDS, LOG_RATIO_BOUNDS],
            options={"ftol": 1e-11, "gtol": 1e-5, "maxiter": 200},
        )
        same = [solved for solved in evaluated if np.array_equal(solved.log_ratios, result.x)]
        best = same[-1] if same else _solve(design, result.x)
        converged = bool(result.success)
    residual = best.residual_variance
    ratio_loop, ratio_int = np.exp(best.log_ratios)
    mean, effects = float(best.solution[0]), best.solution[1:]
    loop_effects = (design.loop_sums - design.counts @ best.solution) / (
        design.loop_size + 1.0 / ratio_loop
    )
    standard_errors = np.sqrt(np.maximum(best.inverse_diagonal[1:], 0.0) * residual)
    return CrossedFit(
        mean=mean,
        loop_variance=float(ratio_loop * residual),
        interviewer_variance=float(ratio_int * residual),
        residual_variance=residual,
        interviewers=interviewers,
        effects=effects,
        standard_errors=standard_errors,
        loops=loops,
        loop_effects=loop_effects,
        votes=len(y),
        converged=converged,
        loop_index=loop_index,
        judge_index=judge_index,
    )


def enough_for_a_fit(
    loop_ids: Sequence[int] | npt.NDArray[np.int64],
    interviewer_ids: Sequence[int] | npt.NDArray[np.int64],
) -> str | None:
    """None when the votes are enough for a stable fit; otherwise why not, in words.

    Enough: at least MIN_FIT_LOOPS loops with votes from two different interviewers or more,
    and at least MIN_FIT_INTERVIEWERS interviewers voting in them.
    """
    if not len(loop_ids):
        return enough_indexed(np.empty(0, np.intp), np.empty(0, np.intp), 0)
    judges, judge_index = indexed(interviewer_ids)
    return enough_indexed(indexed(loop_ids)[1], judge_index, len(judges))


def enough_indexed(
    loop_index: npt.NDArray[np.intp], judge_index: npt.NDArray[np.intp], width: int
) -> str | None:
    """`enough_for_a_fit` on votes already indexed, `width` interviewers."""
    compared_loops, interviewers = 0, 0
    if len(loop_index):
        pairs = distinct(loop_index.astype(np.int64) * width + judge_index)
        loop_of = pairs // width
        compared = np.bincount(loop_of) >= 2
        compared_loops = int(compared.sum())
        interviewers = len(distinct(pairs[compared[loop_of]] % width))
    if compared_loops < MIN_FIT_LOOPS or interviewers < MIN_FIT_INTERVIEWERS:
        return (
            f"Too few votes to adjust for the candidate: {compared_loops} decided loops with "
            f"two or more voters and {interviewers} interviewers in them; the model needs at "
            f"least {MIN_FIT_LOOPS} and {MIN_FIT_INTERVIEWERS}. Raw figures only."
        )
    return None
