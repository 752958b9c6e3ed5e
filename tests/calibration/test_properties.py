"""Properties of the calibration metrics over generated panels, checked with Hypothesis: what
must hold whatever the votes, beside the hand-worked cases of test_metrics.py and test_agreement.py.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from barraiser.calibration.agreement import LEVELS, krippendorff_alpha
from barraiser.calibration.flags import FlagSettings, flag_reasons
from barraiser.calibration.intervals import wilson
from barraiser.calibration.metrics import (
    MICROSECONDS_PER_HOUR,
    PairedSums,
    build_report,
    histogram_median,
    microseconds,
    pearson,
    pearson_of_sums,
    read_loops,
    read_panel,
)
from barraiser.calibration.mixed import Z_95
from barraiser.calibration.rows import (
    EvidenceCount,
    InterviewRow,
    LoopRow,
    Person,
    RatingCounts,
)
from barraiser.domain import VOTE_SCORES

# Small and fast: each example builds a report in well under a millisecond.
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCORES = sorted(VOTE_SCORES.values())
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PEOPLE = {id_: Person(f"p{id_}@example.com", f"P{id_}") for id_ in range(12)}

scores = st.sampled_from(SCORES)
# A unit: the values its coders gave, None where a coder gave none.
units = st.lists(st.lists(st.none() | st.integers(0, 6), max_size=6), max_size=12)
# A loop's panel: distinct interviewers (ids into PEOPLE), each with a written vote.
panels = st.dictionaries(st.sampled_from(sorted(PEOPLE)), scores, min_size=1, max_size=6)
loops = st.lists(st.tuples(panels, st.sampled_from([None, "hire", "no_hire"])), max_size=10)


def interview(loop_id: int, who: int, score: int | None, hours: float = 2) -> InterviewRow:
    ends = T0 + timedelta(days=loop_id)
    return InterviewRow(
        loop_id=loop_id,
        interviewer_id=who,
        is_shadow=False,
        ends_at=microseconds(ends),
        submitted_at=microseconds(ends + timedelta(hours=hours)),
        on_time=hours <= 24,
        vote_score=score,
        final_vote_score=None,
        bar_raiser_answer=None,
    )


def loop_row(loop_id: int, outcome: str | None) -> LoopRow:
    return LoopRow(
        loop_id=loop_id,
        department="Payments",
        requisition="Engineer",
        bar_raiser_email="br@example.com",
        bar_raiser_name="Bea",
        bar_raiser_certified=True,
        first_interview_at=T0 + timedelta(days=loop_id),
        debrief_opened_at=None,
        decided_at=None,
        outcome=outcome,  # type: ignore[arg-type]
        vetoed=False,
        performance_rating=None,
        required_principles_covered=True,
    )


def report_of(
    history: list[tuple[dict[int, int], str | None]],
    rows: list[InterviewRow] | None = None,
    evidence: list[EvidenceCount] | None = None,
) -> dict[str, Any]:
    """The report over `history`, one loop per entry; `rows` overrides the interviews."""
    if rows is None:
        rows = [
            interview(loop_id, who, score)
            for loop_id, (votes, _) in enumerate(history)
            for who, score in votes.items()
        ]
    return build_report(
        [loop_row(loop_id, outcome) for loop_id, (_, outcome) in enumerate(history)],
        read_panel(rows),
        RatingCounts([], evidence or []),
        [],
        people=PEOPLE,
    )


# -- Krippendorff's alpha -----------------------------------------------------------------------


@PROPERTY
@given(units, st.sampled_from(LEVELS))
def test_alpha_is_within_minus_one_and_one_or_undefined(data, level):
    alpha = krippendorff_alpha(data, level)

    assert alpha.value is None or -1 <= alpha.value <= 1
    present = [[value for value in unit if value is not None] for unit in data]
    pairable = [unit for unit in present if len(unit) >= 2]
    if len({value for unit in pairable for value in unit}) < 2:
        assert alpha.value is None  # no variation: alpha is 0/0, never 1 or 0
    assert (alpha.units, alpha.pairable_values) == (len(pairable), sum(map(len, pairable)))


@PROPERTY
@given(units, st.sampled_from(LEVELS), st.randoms(use_true_random=False))
def test_alpha_ignores_the_order_of_units_and_of_coders(data, level, rng):
    shuffled = [rng.sample(unit, len(unit)) for unit in data]
    rng.shuffle(shuffled)

    assert krippendorff_alpha(shuffled, level) == krippendorff_alpha(data, level)


@PROPERTY
@given(loops, st.randoms(use_true_random=False))
def test_the_reports_alpha_is_the_votes_alpha_in_any_row_order(history, rng):
    rows = [
        interview(loop_id, who, score)
        for loop_id, (votes, _) in enumerate(history)
        for who, score in votes.items()
    ]
    rng.shuffle(rows)

    report = report_of(history, rows)

    alpha = krippendorff_alpha([votes.values() for votes, _ in history], "ordinal")
    assert report["agreement"] == {"krippendorff_alpha_ordinal": alpha.value, "loops": alpha.units}
    assert report == report_of(history)


# -- leniency -----------------------------------------------------------------------------------


@PROPERTY
@given(panels)
def test_leniency_deviations_sum_to_zero_within_a_loop(votes):
    panel = read_panel([interview(1, who, score) for who, score in votes.items()])

    reading = read_loops(panel, {1: None}, {})

    deviations = [d for judged in reading.judgements.values() for d in judged.leniency]
    assert len(deviations) == (len(votes) if len(votes) >= 2 else 0)
    assert math.isclose(math.fsum(deviations), 0, abs_tol=1e-9)


@PROPERTY
@given(loops)
def test_leniency_over_the_report_sums_to_zero(history):
    report = report_of(history)

    total = math.fsum(
        row["leniency"] * row["leniency_n"]
        for row in report["interviewers"]
        if row["leniency"] is not None
    )
    assert math.isclose(total, 0, abs_tol=1e-9)
    assert sum(row["leniency_n"] for row in report["interviewers"]) == sum(
        len(votes) for votes, _ in history if len(votes) >= 2
    )


# -- medians ------------------------------------------------------------------------------------


@PROPERTY
@given(st.lists(st.integers(0, 400), max_size=40))
def test_histogram_median_is_the_median(values):
    expected = statistics.median(values) if values else None

    assert histogram_median(Counter(values)) == expected


@PROPERTY
@given(
    st.lists(st.floats(0, 24 * 14, allow_nan=False), min_size=1, max_size=20),
    st.lists(st.integers(0, 300), min_size=1, max_size=20),
)
def test_the_reports_medians_are_the_medians(hours, words):
    rows = [
        interview(loop_id, 1, 3, hours=round(h * MICROSECONDS_PER_HOUR) / MICROSECONDS_PER_HOUR)
        for loop_id, h in enumerate(hours)
    ]
    evidence = [EvidenceCount(1, count, n) for count, n in Counter(words).items()]

    (row,) = report_of([({}, None)] * len(hours), rows, evidence)["interviewers"]

    to_submit = [(r.submitted_at - r.ends_at) / MICROSECONDS_PER_HOUR for r in rows]
    assert math.isclose(row["median_hours_to_submit"], statistics.median(to_submit), abs_tol=1e-9)
    assert row["evidence_median_words"] == statistics.median(words)


# -- the flag rule, against the rule as flags.py states it, worked out naively ------------------


def exact(share: float) -> Fraction:
    """The fraction a generated share stands for (they are twentieths, or simple settings)."""
    return Fraction(share).limit_denominator(1000)


def naive_reasons(rows: list[dict[str, Any]], flags: FlagSettings) -> list[list[str]] | None:
    """The rule in the words of flags.py, one interviewer at a time, in exact fractions (of the
    shares the rows stand for: 5/9 is 5/9); None when an agreement falls exactly z standard
    deviations below its peers' mean, where floats may round either way."""
    result = []
    for index, row in enumerate(rows):
        reasons = []
        adjusted = row["leniency_adjusted"]
        if adjusted is not None:
            estimate = exact(adjusted["estimate"])
            low_end, high_end = exact(adjusted["ci_low"]), exact(adjusted["ci_high"])
            if low_end > 0 and estimate >= exact(flags.min_effect):
                reasons.append("lenient")
            if high_end < 0 and estimate <= -exact(flags.min_effect):
                reasons.append("harsh")
        if row["agreement_n"] >= flags.min_n:
            mine = exact(row["agreement_with_decision"])
            upper = Fraction(row["agreement_with_decision_ci_high"])
            low = upper < exact(flags.agreement_floor)
            peers = [
                exact(other["agreement_with_decision"])
                for other_index, other in enumerate(rows)
                if other_index != index and other["agreement_n"] >= flags.min_n
            ]
            if len(peers) >= flags.min_peers:
                mean = sum(peers) / len(peers)
                variance = sum((peer - mean) ** 2 for peer in peers) / (len(peers) - 1)
                gap, z = mean - mine, exact(flags.agreement_z)
                # More than z standard deviations below: gap > z * sqrt(variance), with the
                # whole interval below the peers' mean.
                if variance > 0 and gap > 0:
                    if gap * gap == z * z * variance:
                        return None
                    low = low or (gap * gap > z * z * variance and upper < mean)
            if low:
                reasons.append("low agreement")
        result.append(reasons)
    return result


def interviewer_row(
    leniency_n: int, twelfths: int, quarters: int | None, agreement_n: int, agreed: int
) -> dict[str, Any]:
    """A row as the flag rule reads it: the raw leniency, the model's estimate (twelfths of a
    point, its interval ± quarters; None: no model) and agreement with its Wilson interval."""
    agreed = min(agreed, agreement_n)
    low, high = wilson(agreed, agreement_n)
    estimate = twelfths / 12
    return {
        "leniency_n": leniency_n,
        "leniency": twelfths / 12 if leniency_n else None,
        "leniency_adjusted": None
        if quarters is None
        else {
            "estimate": estimate,
            "se": quarters / 4 / 1.96,
            "ci_low": estimate - quarters / 4,
            "ci_high": estimate + quarters / 4,
        },
        "agreement_n": agreement_n,
        "agreement_with_decision": agreed / agreement_n if agreement_n else None,
        "agreement_with_decision_ci_low": low,
        "agreement_with_decision_ci_high": high,
    }


interviewer_rows = st.builds(
    interviewer_row,
    st.integers(0, 9),
    st.integers(-36, 36),
    st.none() | st.integers(0, 8),
    st.integers(0, 60),
    st.integers(0, 60),
)
flag_settings = st.builds(
    FlagSettings,
    min_n=st.integers(1, 6),
    leniency_threshold=st.sampled_from([0.25, 0.5, 1.0]),
    agreement_floor=st.sampled_from([0.0, 0.25, 0.5, 0.6]),
    agreement_z=st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    min_effect=st.sampled_from([0.0, 0.25, 0.5]),
    min_peers=st.integers(2, 6),
)


@settings(PROPERTY, max_examples=250)
@given(st.lists(interviewer_rows, max_size=14), flag_settings)
def test_flag_rule_matches_its_statement(rows, flags):
    expected = naive_reasons(rows, flags)
    assume(expected is not None)

    assert flag_reasons(rows, flags) == expected


def test_flag_rule_property_sees_peer_flags():
    """The naive rule is no straw man: it raises the flag that only the peer comparison raises
    (an agreement above the floor, far below peers who all agree well)."""
    rng = random.Random(1)
    rows = [interviewer_row(0, 0, None, 60, rng.choice([54, 57, 60])) for _ in range(6)]
    rows.append(interviewer_row(0, 0, None, 60, 36))
    flags = FlagSettings()

    expected = naive_reasons(rows, flags)
    assert expected is not None
    assert flag_reasons(rows, flags)[-1] == ["low agreement"] == expected[-1]


def test_flag_rule_property_sees_leniency_flags():
    rows = [interviewer_row(0, 4, 1, 0, 0), interviewer_row(0, -4, 1, 0, 0)]

    assert flag_reasons(rows, FlagSettings()) == naive_reasons(rows, FlagSettings())
    assert flag_reasons(rows, FlagSettings()) == [["lenient"], ["harsh"]]


@given(st.integers(0, 200), st.integers(1, 200))
def test_wilson_interval_is_the_score_test_inversion(hits, n):
    """Wilson's interval is the set of p the score test does not reject at 5%:
    |hits/n - p| <= z sqrt(p (1 - p) / n), so both ends solve it with equality (or are 0 or 1)
    and hold the observed share."""
    hits = min(hits, n)
    low, high = wilson(hits, n)
    share = hits / n
    assert 0 <= low <= share <= high <= 1
    for end in (low, high):
        if 0 < end < 1:
            assert abs(share - end) == pytest.approx(Z_95 * math.sqrt(end * (1 - end) / n))


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=4), st.integers(min_value=1, max_value=5)),
        max_size=60,
    )
)
def test_pearson_of_whole_number_sums_is_pearson_of_the_pairs(pairs):
    """An interviewer's vote-to-performance correlation is read from their pairs summed (per
    voter, in one pass over every vote); it is the correlation of the pairs themselves, and
    exactly Pearson's r computed in fractions, rounded once."""
    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    sums = PairedSums(
        len(pairs),
        sum(xs),
        sum(ys),
        sum(x * x for x in xs),
        sum(y * y for y in ys),
        sum(x * y for x, y in pairs),
    )
    expected = pearson(xs, ys)
    found = pearson_of_sums(sums)
    if expected is None:
        assert found is None
        return
    assert found == pytest.approx(expected, rel=1e-12, abs=1e-12)
    mean_x, mean_y = Fraction(sum(xs), len(xs)), Fraction(sum(ys), len(ys))
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    squared = covariance**2 / (
        sum((x - mean_x) ** 2 for x in xs) * sum((y - mean_y) ** 2 for y in ys)
    )
    assert found == pytest.approx(math.copysign(math.sqrt(squared), covariance), rel=1e-15)
