"""Krippendorff's alpha against the published worked examples, and where it is undefined."""

import pytest

from barraiser.calibration.agreement import krippendorff_alpha

_ = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, missing values. Rows are observers A-D; columns are units 1-12.
OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]
UNITS = [list(unit) for unit in zip(*OBSERVERS, strict=True)]


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_published_example_with_missing_values(level, published):
    alpha = krippendorff_alpha(UNITS, level)

    assert round(alpha.value, 3) == published
    # Unit 12 has a single value (3): nobody to pair it with, so it is dropped.
    assert alpha.units == 11
    assert alpha.pairable_values == 40


def test_published_binary_example_two_observers():
    # Same paper, section A: two observers, ten units, no missing data.
    observer_a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    observer_b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]

    alpha = krippendorff_alpha(zip(observer_a, observer_b, strict=True), "nominal")

    assert round(alpha.value, 3) == 0.095
    assert (alpha.units, alpha.pairable_values) == (10, 20)


def test_perfect_agreement_with_variation_is_one():
    alpha = krippendorff_alpha([[1, 1, 1], [4, 4], [2, 2, None]], "ordinal")

    assert alpha.value == pytest.approx(1.0)


def test_systematic_disagreement_is_below_zero():
    # Two coders who always pick opposite ends disagree more than chance would.
    alpha = krippendorff_alpha([[1, 4], [4, 1], [1, 4], [4, 1]], "ordinal")

    assert alpha.value < 0


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_no_variation_is_undefined(level):
    # D_o = D_e = 0: every panelist in every loop voted 3. Alpha is 0/0, reported as None.
    alpha = krippendorff_alpha([[3, 3, 3], [3, 3]], level)

    assert alpha.value is None
    assert (alpha.units, alpha.pairable_values) == (2, 5)


@pytest.mark.parametrize(
    "units",
    [[], [[]], [[None, None]], [[1], [2, None], [None, 4]]],
    ids=["no units", "empty unit", "all missing", "one value per unit"],
)
def test_fewer_than_two_pairable_values_is_undefined(units):
    alpha = krippendorff_alpha(units, "ordinal")

    assert alpha.value is None
    assert (alpha.units, alpha.pairable_values) == (0, 0)


def test_units_with_one_value_are_dropped_without_changing_alpha():
    with_lonely_units = [*UNITS, [2], [None, 5, None]]

    assert krippendorff_alpha(with_lonely_units, "ordinal") == krippendorff_alpha(UNITS, "ordinal")


def test_ordinal_uses_ranks_not_spacing():
    # Relabelling 1..4 as 1, 2, 10, 100 keeps the order, so ordinal alpha does not move,
    # while interval alpha, which reads the distances, does.
    relabel = {1: 1, 2: 2, 3: 10, 4: 100, 5: 1000}
    stretched = [[relabel[v] if v is not None else None for v in unit] for unit in UNITS]

    assert krippendorff_alpha(stretched, "ordinal").value == pytest.approx(
        krippendorff_alpha(UNITS, "ordinal").value
    )
    assert krippendorff_alpha(stretched, "interval").value != pytest.approx(
        krippendorff_alpha(UNITS, "interval").value
    )


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(UNITS, "circular")
