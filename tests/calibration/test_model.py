"""The model behind adjusted leniency and the reliability of a panel: pinned to Shrout & Fleiss
(1979), checked against a plain dense implementation on an unbalanced design, and shown on
simulated histories to recover interviewers' severities better than raw leniency does."""

from __future__ import annotations

import random

import numpy as np
import pytest
from calibration.simulation import simulate
from scipy.stats import spearmanr

from barraiser.calibration.intervals import spearman
from barraiser.calibration.mixed import (
    MIN_FIT_INTERVIEWERS,
    MIN_FIT_LOOPS,
    Z_95,
    enough_for_a_fit,
    fit_crossed,
)
from barraiser.calibration.reliability import (
    panel_reliability,
    panel_size_for,
    reliability_section,
    shrout_fleiss,
)

# Shrout & Fleiss (1979), table 2: six targets (rows) rated by four judges (columns).
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def as_votes(table):
    loops, judges, scores = [], [], []
    for target, row in enumerate(table):
        for judge, score in enumerate(row):
            loops.append(target)
            judges.append(judge)
            scores.append(score)
    return loops, judges, scores


@pytest.fixture(scope="module")
def shrout_fleiss_fit():
    return fit_crossed(*as_votes(SHROUT_FLEISS))


def test_variance_components_are_the_published_ones(shrout_fleiss_fit):
    fit = shrout_fleiss_fit
    assert round(fit.loop_variance, 4) == 2.5556
    assert round(fit.interviewer_variance, 4) == 5.2444
    assert round(fit.residual_variance, 4) == 1.0194
    assert fit.converged


def test_judge_effects_are_the_deviations_shrunk(shrout_fleiss_fit):
    table = np.array(SHROUT_FLEISS, dtype=float)
    deviations = table.mean(axis=0) - table.mean()
    assert deviations.round(3).tolist() == [2.375, -2.792, -0.958, 1.375]
    assert shrout_fleiss_fit.effects.round(3).tolist() == [2.300, -2.704, -0.928, 1.332]
    assert round(shrout_fleiss_fit.mean, 4) == round(table.mean(), 4)


def test_intervals_are_the_estimate_give_or_take_two_standard_errors(shrout_fleiss_fit):
    estimate, se, low, high = shrout_fleiss_fit.interval(0)
    assert se > 0
    assert (low, high) == (pytest.approx(estimate - Z_95 * se), pytest.approx(estimate + Z_95 * se))


def test_intraclass_correlations_are_the_published_ones(shrout_fleiss_fit):
    icc = {name: round(value, 3) for name, value in shrout_fleiss(SHROUT_FLEISS).items()}
    assert icc == {
        "ICC(1,1)": 0.166,
        "ICC(2,1)": 0.290,
        "ICC(3,1)": 0.715,
        "ICC(1,k)": 0.443,
        "ICC(2,k)": 0.620,
        "ICC(3,k)": 0.909,
    }
    # The G-study from the model's components gives ICC(2,k) as Φ and ICC(3,k) as Eρ².
    fit = shrout_fleiss_fit
    components = (fit.loop_variance, fit.interviewer_variance, fit.residual_variance)
    for k, (two, three) in {1: ("ICC(2,1)", "ICC(3,1)"), 4: ("ICC(2,k)", "ICC(3,k)")}.items():
        relative, absolute = panel_reliability(*components, k)
        assert round(absolute, 3) == icc[two]
        assert round(relative, 3) == icc[three]


def test_panel_size_for_0_8():
    # Φ(k) = 2.5556 / (2.5556 + 6.2638 / k) reaches 0.8 at k >= 4 * 6.2638 / 2.5556 = 9.8.
    assert panel_size_for(2.5556, 5.2444, 1.0194) == 10
    assert panel_size_for(1.0, 0.0, 0.25) == 1
    assert panel_size_for(0.0, 1.0, 1.0) is None
    section = reliability_section(2.5556, 5.2444, 1.0194)
    assert [row["k"] for row in section["by_panel_size"]] == list(range(1, 9))
    absolute = [row["absolute"] for row in section["by_panel_size"]]
    assert absolute == sorted(absolute) and absolute[-1] < 0.8  # 8 is not enough here


# -- an unbalanced, sparse design against the textbook formulas, written densely ---------------


def dense_reference(loops, judges, scores, loop_variance, judge_variance, residual):
    """Henderson's mixed-model equations built whole (no absorption): the BLUPs and their
    prediction error variances; and the REML criterion, from V itself."""
    y = np.asarray(scores, float)
    loop_ids, judge_ids = sorted(set(loops)), sorted(set(judges))
    x = np.ones((len(y), 1))
    za = np.array([[loop == one for one in loop_ids] for loop in loops], float)
    zb = np.array([[judge == one for one in judge_ids] for judge in judges], float)
    w = np.hstack([x, za, zb])
    penalty = np.diag(
        [0.0] * 1
        + [residual / loop_variance] * len(loop_ids)
        + [residual / judge_variance] * len(judge_ids)
    )
    c = w.T @ w + penalty
    solution = np.linalg.solve(c, w.T @ y)
    inverse = np.linalg.inv(c)
    judges_at = slice(1 + len(loop_ids), None)
    return solution[judges_at], np.sqrt(np.diag(inverse)[judges_at] * residual)


def restricted_likelihood(loops, judges, scores, loop_variance, judge_variance, residual):
    """-2 log restricted likelihood (up to a constant) from V = s2_a ZaZa' + s2_b ZbZb' + s2_e I."""
    y = np.asarray(scores, float)
    za = np.equal.outer(loops, sorted(set(loops))).astype(float)
    zb = np.equal.outer(judges, sorted(set(judges))).astype(float)
    v = loop_variance * za @ za.T + judge_variance * zb @ zb.T + residual * np.eye(len(y))
    x = np.ones((len(y), 1))
    v_inverse = np.linalg.inv(v)
    xvx = x.T @ v_inverse @ x
    p = v_inverse - v_inverse @ x @ np.linalg.inv(xvx) @ x.T @ v_inverse
    return np.linalg.slogdet(v)[1] + np.linalg.slogdet(xvx)[1] + y @ p @ y


def unbalanced_votes(seed: int):
    rng = random.Random(seed)
    loops, judges, scores = [], [], []
    for loop in range(40):
        level = rng.gauss(0, 0.8)
        for judge in rng.sample(range(9), rng.randint(1, 5)):
            loops.append(loop)
            judges.append(judge)
            scores.append(min(4, max(1, round(2.5 + level + (judge - 4) / 6 + rng.gauss(0, 0.5)))))
    return loops, judges, scores


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_unbalanced_fit_matches_the_dense_equations_and_maximises_the_likelihood(seed):
    votes = unbalanced_votes(seed)
    fit = fit_crossed(*votes)
    components = (fit.loop_variance, fit.interviewer_variance, fit.residual_variance)

    effects, errors = dense_reference(*votes, *components)
    assert fit.effects == pytest.approx(effects, abs=1e-8)
    assert fit.standard_errors == pytest.approx(errors, abs=1e-8)
    # REML: no small change of any component makes the restricted likelihood larger.
    best = restricted_likelihood(*votes, *components)
    for index in range(3):
        for factor in (0.97, 1.03):
            changed = list(components)
            changed[index] *= factor
            assert restricted_likelihood(*votes, *changed) > best


# -- on simulated histories with known severities ----------------------------------------------


def recovery(sim):
    report = sim.report()
    rows = [row for row in report["interviewers"] if row["leniency_adjusted"]]
    true = np.array([sim.severity_of(row["email"]) for row in rows])
    true -= true.mean()
    raw = np.array([row["leniency"] for row in rows])
    adjusted = np.array([row["leniency_adjusted"]["estimate"] for row in rows])
    return (
        (spearmanr(raw, true).statistic, float(((raw - true) ** 2).mean())),
        (spearmanr(adjusted, true).statistic, float(((adjusted - true) ** 2).mean())),
    )


@pytest.mark.parametrize("seed", range(12))
def test_adjusted_leniency_recovers_severities_better_than_raw_when_panels_are_uneven(seed):
    # Lenient interviewers mostly meet weak candidates, harsh ones strong candidates: raw
    # leniency credits the candidates to the interviewer; the model tells them apart.
    (raw_rho, raw_mse), (adjusted_rho, adjusted_mse) = recovery(
        simulate(random.Random(seed), uneven=True)
    )
    assert adjusted_rho > raw_rho
    assert adjusted_mse < raw_mse


def test_the_model_flags_the_truly_lenient_not_those_who_met_weak_candidates():
    sim = simulate(random.Random(5), uneven=True)
    report = sim.report()
    for row in report["interviewers"]:
        severity = sim.severity_of(row["email"])
        if "lenient" in row["flag_reasons"]:
            assert severity > 0, row["email"]
        if "harsh" in row["flag_reasons"]:
            assert severity < 0, row["email"]
    assert any(row["flagged"] for row in report["interviewers"])


# -- small data: raw figures only, said so, never an error -------------------------------------


def test_enough_for_a_fit_counts_loops_with_two_voters_and_their_interviewers():
    loops = [loop for loop in range(MIN_FIT_LOOPS) for _ in range(2)]
    judges = [
        (loop + seat) % MIN_FIT_INTERVIEWERS for loop in range(MIN_FIT_LOOPS) for seat in range(2)
    ]
    assert enough_for_a_fit(loops, judges) is None
    assert "Too few votes" in enough_for_a_fit(loops[2:], judges[2:])
    # The same interviewer twice in a loop is not two voters.
    assert enough_for_a_fit(loops, [0 if i % 2 else j for i, j in enumerate(judges)]) is not None
    assert enough_for_a_fit([], []) is not None


@pytest.mark.parametrize("loops", [0, 1, 5, MIN_FIT_LOOPS - 1])
def test_a_small_history_reports_raw_figures_and_says_why(loops):
    sim = simulate(random.Random(1), uneven=False, interviewers=8, loops=loops)
    report = sim.report()
    assert report["model"]["fitted"] is False
    assert "Too few votes" in report["model"]["reason"]
    assert report["reliability"]["components"] is None
    assert report["reliability"]["reason"] == report["model"]["reason"]
    assert all(row["leniency_adjusted"] is None for row in report["interviewers"])
    assert not any(
        {"lenient", "harsh"} & set(row["flag_reasons"]) for row in report["interviewers"]
    )


def test_votes_that_never_vary_give_no_model_and_no_error():
    sim = simulate(
        random.Random(1),
        uneven=False,
        interviewers=8,
        loops=40,
        level_sd=0,
        severity_sd=0,
        noise_sd=0,
    )
    report = sim.report()
    assert report["model"]["fitted"] is False
    assert "no spread" in report["model"]["reason"]


def test_fit_refuses_nothing_to_fit():
    with pytest.raises(ValueError):
        fit_crossed([1, 1], [1, 2], [3, 3])
    with pytest.raises(ValueError):
        fit_crossed([1], [1, 2], [3, 3])


# -- Spearman with a bootstrap interval ---------------------------------------------------------


def test_spearman_is_pearson_of_average_ranks_with_a_seeded_interval():
    rng = random.Random(4)
    xs = [rng.choice([1.5, 2, 2.5, 3, 3.25, 4]) for _ in range(60)]
    ys = [min(5, max(1, round(x + rng.gauss(0, 1)))) for x in xs]
    result = spearman(xs, ys)
    assert result["value"] == pytest.approx(spearmanr(xs, ys).statistic)
    assert result["ci_low"] < result["value"] < result["ci_high"]
    assert spearman(xs, ys) == result  # seeded: the same rows give the same interval
    assert spearman(xs, ys, seed=2)["ci_low"] != result["ci_low"]
    assert result["n"] == 60


def test_spearman_needs_three_pairs_and_variation():
    assert spearman([1, 2], [1, 2])["value"] is None
    assert spearman([3, 3, 3], [1, 2, 3])["value"] is None
