"""The calibration metrics on small loops worked out by hand, and the report's JSON and CSV shape.

Run this module (`python -m tests.calibration.test_metrics`) to time build_report on 20,000
synthetic loops; the timing is for a person to read, never asserted in a test.
"""

import copy
import csv
import io
import json
import math
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest
from calibration.simulation import simulate

from barraiser.calibration.agreement import krippendorff_alpha
from barraiser.calibration.export import INTERVIEWER_COLUMNS, report_to_csv, report_to_csv_rows
from barraiser.calibration.flags import FlagSettings, flag_reasons
from barraiser.calibration.intervals import RANGE_RESTRICTION_WARNING, wilson
from barraiser.calibration.metrics import (
    build_report,
    microseconds,
    pearson,
    read_panel,
    report_weeks,
)
from barraiser.calibration.rows import (
    EvidenceCount,
    InterviewRow,
    LoopRow,
    Person,
    PrincipleCount,
    RatingCounts,
    TraineeRow,
)

T0 = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)


def interview_end(loop_id: int) -> datetime:
    return T0 + timedelta(days=loop_id)


def at(loop_id: int, hours: float) -> datetime:
    """A moment `hours` after the loop's interviews ended."""
    return interview_end(loop_id) + timedelta(hours=hours)


def loop_row(loop_id: int, **fields) -> LoopRow:
    defaults = {
        "loop_id": loop_id,
        "department": "Payments",
        "requisition": "Software Engineer II",
        "bar_raiser_email": "bea@example.com",
        "bar_raiser_name": "Bea",
        "bar_raiser_certified": True,
        "first_interview_at": interview_end(loop_id) - timedelta(hours=6),
        "debrief_opened_at": None,
        "decided_at": None,
        "outcome": None,
        "vetoed": False,
        "performance_rating": None,
        "required_principles_covered": True,
    }
    return LoopRow(**(defaults | fields))


PEOPLE: dict[int, Person] = {}
"""Everyone the hand-made rows name, by id, as queries.fetch_rows reads them."""


def person_id(email: str, name: str | None = None) -> int:
    """The id of the person with `email`, registered the first time; named `name` if given,
    else after the email."""
    id_ = next((id_ for id_, person in PEOPLE.items() if person.email == email), len(PEOPLE) + 1)
    if name is not None or id_ not in PEOPLE:
        PEOPLE[id_] = Person(email, name or email.split("@")[0].capitalize())
    return id_


def interview_row(
    loop_id: int,
    email: str,
    vote: int | None,
    *,
    submitted_after: float | None = 2,
    final: int | None = None,
    shadow: bool = False,
    answer: bool | None = None,
) -> InterviewRow:
    """Feedback due 24 h after the interview, submitted `submitted_after` hours after it ended."""
    submitted = submitted_after is not None
    return InterviewRow(
        loop_id=loop_id,
        interviewer_id=person_id(email),
        is_shadow=shadow,
        ends_at=microseconds(interview_end(loop_id)),
        submitted_at=microseconds(at(loop_id, submitted_after)) if submitted else None,
        on_time=submitted_after <= 24 if submitted else None,
        vote_score=vote if submitted else None,
        final_vote_score=final,
        bar_raiser_answer=answer if submitted else None,
    )


class RatingRow(NamedTuple):
    """One principle assigned to one interview, as a person writes the case down; the report
    reads these counted (`rating_counts`), as the database counts them."""

    loop_id: int
    interviewer_email: str
    principle_name: str
    is_shadow: bool
    submitted: bool
    rating: int | None
    evidence_words: int


def rating_row(
    loop_id: int,
    email: str,
    principle: str,
    rating: int | None,
    words: int,
    *,
    submitted: bool = True,
    shadow: bool = False,
) -> RatingRow:
    return RatingRow(loop_id, email, principle, shadow, submitted, rating, words)


def rating_counts(ratings: list[RatingRow], loops: list[LoopRow]) -> RatingCounts:
    """The hand-made ratings counted as queries.fetch_rows counts them: panel assignments by
    principle, rating of submitted feedback and the loop's outcome; and the evidence words of
    submitted panel feedback by interviewer."""
    outcomes = {loop.loop_id: loop.outcome for loop in loops}
    principles: Counter[tuple] = Counter()
    evidence: Counter[tuple] = Counter()
    for row in ratings:
        if row.is_shadow:
            continue
        rating = row.rating if row.submitted else None
        principles[row.principle_name, rating, outcomes.get(row.loop_id)] += 1
        if row.submitted:
            evidence[person_id(row.interviewer_email), row.evidence_words] += 1
    return RatingCounts(
        [PrincipleCount(*key, count) for key, count in principles.items()],
        [EvidenceCount(*key, count) for key, count in evidence.items()],
    )


NO_RATINGS = RatingCounts([], [])


def build(loops, interviews, ratings, trainees, **options):
    """build_report over hand-made rows, as calibration_report calls it."""
    return build_report(
        loops,
        read_panel(interviews),
        ratings,
        trainees,
        people=PEOPLE,
        **options,
    )


# Three loops. Loop 1 was hired, loop 2 vetoed (no hire), loop 3 is undecided.
# Written votes:      ann  bob  cat
#   loop 1 (hire)       4    3    2     + tia's shadow vote 1, dan's unsubmitted draft vote 1
#   loop 2 (no hire)    3    1    1     ann's final vote is 1: she changed her mind in the debrief
#   loop 3 (open)       4    2    -
LOOPS = [
    loop_row(1, debrief_opened_at=at(1, 28), decided_at=at(1, 50), outcome="hire"),
    loop_row(2, debrief_opened_at=at(2, 3), decided_at=at(2, 26), outcome="no_hire", vetoed=True),
    loop_row(
        3,
        bar_raiser_email="ned@example.com",
        bar_raiser_name="Ned",
        bar_raiser_certified=False,
        required_principles_covered=False,
    ),
]
INTERVIEWS = [
    interview_row(1, "ann@example.com", 4, submitted_after=30, final=4, answer=True),
    interview_row(1, "bob@example.com", 3, answer=False),
    interview_row(1, "cat@example.com", 2),
    interview_row(1, "tia@example.com", 1, submitted_after=48, final=4, shadow=True),
    interview_row(1, "dan@example.com", 1, submitted_after=None),
    interview_row(2, "ann@example.com", 3, final=1, answer=True),
    interview_row(2, "bob@example.com", 1),
    interview_row(2, "cat@example.com", 1, final=1),
    interview_row(3, "ann@example.com", 4, submitted_after=24),
    interview_row(3, "bob@example.com", 2),
]
RATINGS = [
    rating_row(1, "ann@example.com", "Ownership", 4, 120),
    rating_row(1, "ann@example.com", "Dive Deep", 3, 0),
    rating_row(2, "ann@example.com", "Ownership", 2, 40),
    rating_row(1, "bob@example.com", "Bias for Action", 3, 60),
    rating_row(2, "bob@example.com", "Bias for Action", 3, 80),
    rating_row(3, "cat@example.com", "Dive Deep", 2, 10),
    rating_row(1, "tia@example.com", "Ownership", 1, 500, shadow=True),
    rating_row(1, "dan@example.com", "Customer Obsession", 4, 10, submitted=False),
]
TRAINEES = [
    TraineeRow("zoe@example.com", "Zoe", "certified", 4, 2, T0),
    TraineeRow("tia@example.com", "Tia", "in_training", 1, 0, None),
]
RATING_COUNTS = rating_counts(RATINGS, LOOPS)
TWO_WEEKS = (T0, T0 + timedelta(weeks=2))


@pytest.fixture
def report():
    return build(LOOPS, INTERVIEWS, RATING_COUNTS, TRAINEES, period=TWO_WEEKS)


def interviewer(report, email):
    return next(row for row in report["interviewers"] if row["email"] == email)


def test_counts_loops_and_decisions(report):
    assert (report["loops"], report["decided"]) == (3, 2)


def test_interviewers_are_the_panel_sorted_by_name(report):
    # Tia only shadowed: she is no panelist. Dan is, though he never submitted.
    assert [row["name"] for row in report["interviewers"]] == ["Ann", "Bob", "Cat", "Dan"]


def test_interviewer_votes_and_hire_lean_read_the_written_vote(report):
    ann = interviewer(report, "ann@example.com")

    # Written 4, 3, 4. Her final vote in loop 2 was 1; were it read, her lean would be 2/3.
    assert ann["votes"] == {
        "strong_hire": 2,
        "inclined_hire": 1,
        "inclined_no_hire": 0,
        "strong_no_hire": 0,
    }
    assert ann["hire_lean"] == 1.0
    assert interviewer(report, "bob@example.com")["hire_lean"] == pytest.approx(1 / 3)
    assert interviewer(report, "cat@example.com")["hire_lean"] == 0.0


@pytest.mark.parametrize(
    ("email", "leniency", "n"),
    [
        # loop 1: 4 - (3+2)/2 = 1.5; loop 2: 3 - (1+1)/2 = 2; loop 3: 4 - 2 = 2 -> 5.5 / 3
        ("ann@example.com", 5.5 / 3, 3),
        # loop 1: 3 - (4+2)/2 = 0; loop 2: 1 - (3+1)/2 = -1; loop 3: 2 - 4 = -2 -> -3 / 3
        ("bob@example.com", -1.0, 3),
        # loop 1: 2 - (4+3)/2 = -1.5; loop 2: 1 - (3+1)/2 = -1 -> -2.5 / 2.
        # Tia's shadow 1 and Dan's draft 1 would pull loop 1's others down if they counted.
        ("cat@example.com", -1.25, 2),
        ("dan@example.com", None, 0),
    ],
)
def test_leniency(report, email, leniency, n):
    row = interviewer(report, email)

    assert row["leniency"] == (None if leniency is None else pytest.approx(leniency))
    assert row["leniency_n"] == n


def test_leniency_never_compares_an_interviewer_with_themselves():
    # Ann interviewed twice in one loop (4 and 2), Bob once (1). Ann: 4 - 1 = 3 and 2 - 1 = 1;
    # Bob: 1 - (4 + 2) / 2 = -2. Against all other votes Ann's 4 would score 4 - 1.5 = 2.5.
    loop = loop_row(30)
    interviews = [
        interview_row(30, "ann@example.com", 4),
        interview_row(30, "ann@example.com", 2),
        interview_row(30, "bob@example.com", 1),
    ]

    report = build([loop], interviews, NO_RATINGS, [])

    assert interviewer(report, "ann@example.com")["leniency"] == 2.0
    assert interviewer(report, "ann@example.com")["leniency_n"] == 2
    assert interviewer(report, "bob@example.com")["leniency"] == -2.0


@pytest.mark.parametrize(
    ("email", "agreement", "n"),
    [
        # loop 1 hire: 4 agrees; loop 2 no hire: written 3 disagrees (her final 1 would agree)
        ("ann@example.com", 0.5, 2),
        # 3 with a hire, 1 with a no hire; loop 3 is undecided and does not count
        ("bob@example.com", 1.0, 2),
        # 2 with a hire disagrees, 1 with a no hire agrees
        ("cat@example.com", 0.5, 2),
        ("dan@example.com", None, 0),
    ],
)
def test_agreement_with_decision(report, email, agreement, n):
    row = interviewer(report, email)

    assert (row["agreement_with_decision"], row["agreement_n"]) == (agreement, n)


def test_timeliness(report):
    ann = interviewer(report, "ann@example.com")
    bob = interviewer(report, "bob@example.com")

    # Ann: 30 h (late), 2 h, 24 h (exactly at the deadline: on time) -> 2/3; median of 2, 24, 30
    assert ann["on_time_rate"] == pytest.approx(2 / 3)
    assert ann["median_hours_to_submit"] == 24.0
    assert (bob["on_time_rate"], bob["median_hours_to_submit"]) == (1.0, 2.0)


def test_vote_changes_per_interviewer_and_overall(report):
    ann = interviewer(report, "ann@example.com")
    cat = interviewer(report, "cat@example.com")

    # Ann: final 4 kept her 4, final 1 changed her 3 -> 1/2. Cat kept her 1. Bob cast no final vote.
    assert (ann["vote_change_rate"], ann["vote_change_n"]) == (0.5, 2)
    assert (cat["vote_change_rate"], cat["vote_change_n"]) == (0.0, 1)
    assert interviewer(report, "bob@example.com")["vote_change_rate"] is None
    # Overall 1 change in 3 final votes; Tia's shadow change (1 -> 4) is not a panel vote.
    assert report["vote_changes"] == {"rate": pytest.approx(1 / 3), "n": 3}


def test_evidence(report):
    ann = interviewer(report, "ann@example.com")

    # Words per assigned principle 120, 0, 40: median 40, evidence for 2 of 3.
    assert ann["evidence_median_words"] == 40
    assert ann["evidence_rate"] == pytest.approx(2 / 3)


def test_interviewer_with_only_a_draft_has_nulls_not_zeros(report):
    dan = interviewer(report, "dan@example.com")

    assert (dan["interviews"], dan["submitted"]) == (1, 0)
    assert sum(dan["votes"].values()) == 0
    for key in (
        "hire_lean",
        "on_time_rate",
        "median_hours_to_submit",
        "vote_change_rate",
        "evidence_median_words",
        "evidence_rate",
        "raises_bar_rate",
    ):
        assert dan[key] is None, key


def test_bar_raiser_question(report):
    assert interviewer(report, "ann@example.com")["raises_bar_rate"] == 1.0
    assert interviewer(report, "bob@example.com")["raises_bar_rate"] == 0.0
    assert interviewer(report, "cat@example.com")["raises_bar_rate"] is None


def test_panel_agreement_uses_only_submitted_panel_votes(report):
    expected = krippendorff_alpha([[4, 3, 2], [3, 1, 1], [4, 2]], "ordinal")
    with_shadow_and_draft = krippendorff_alpha([[4, 3, 2, 1, 1], [3, 1, 1], [4, 2]], "ordinal")

    assert expected.value != pytest.approx(with_shadow_and_draft.value)
    assert report["agreement"] == {"krippendorff_alpha_ordinal": expected.value, "loops": 3}


def test_bar_raisers(report):
    bea, ned = report["bar_raisers"]

    # Bea decided both of her loops and vetoed loop 2. Hours from the last panel feedback to
    # the decision: loop 1 50 - 30 = 20 (Tia's shadow feedback at 48 h does not count),
    # loop 2 26 - 2 = 24 -> median 22. Two loops over a two-week period.
    assert bea == {
        "email": "bea@example.com",
        "name": "Bea",
        "loops": 2,
        "debriefs": 2,
        "vetoes": 1,
        "veto_rate": 0.5,
        "veto_rate_ci_low": pytest.approx(wilson(1, 2)[0]),
        "veto_rate_ci_high": pytest.approx(wilson(1, 2)[1]),
        "veto_rate_n": 2,
        "median_hours_to_decision": 22.0,
        "median_hours_to_decision_n": 2,
        "loops_per_week": 1.0,
    }
    # Ned's loop is undecided: no debrief run yet, so no veto rate and no latency.
    assert (ned["debriefs"], ned["veto_rate"], ned["median_hours_to_decision"]) == (0, None, None)
    assert ned["loops_per_week"] == 0.5


def test_principles(report):
    principles = {row["name"]: row for row in report["principles"]}

    # Sorted by name; Tia's shadow rating is not an assignment of the panel.
    assert list(principles) == ["Bias for Action", "Customer Obsession", "Dive Deep", "Ownership"]
    # Ownership: 4 with a hire and 2 with a no hire both agree.
    assert principles["Ownership"] == {
        "name": "Ownership",
        "assigned": 2,
        "ratings": {"1": 0, "2": 1, "3": 0, "4": 1},
        "agreement_with_decision": 1.0,
        "agreement_n": 2,
    }
    # Bias for Action: 3 with a hire agrees, 3 with a no hire does not.
    assert principles["Bias for Action"]["agreement_with_decision"] == 0.5
    # Dive Deep: 3 with a hire agrees; the 2 in undecided loop 3 is rated but cannot agree.
    dive_deep = principles["Dive Deep"]
    assert dive_deep["ratings"] == {"1": 0, "2": 1, "3": 1, "4": 0}
    assert (dive_deep["agreement_with_decision"], dive_deep["agreement_n"]) == (1.0, 1)
    # Customer Obsession was assigned to Dan, whose draft rating does not count.
    obsession = principles["Customer Obsession"]
    assert obsession["assigned"] == 1
    assert sum(obsession["ratings"].values()) == 0
    assert obsession["agreement_with_decision"] is None


def test_adoption(report):
    adoption = report["adoption"]
    assert {key: value for key, value in adoption.items() if key.endswith("_rate")} == {
        # Bea is certified (loops 1, 2), Ned is not (loop 3).
        "bar_raiser_rate": pytest.approx(2 / 3),
        # 8 submitted panel feedbacks, Ann's 30 h one late; Tia's late shadow does not count.
        "on_time_rate": 7 / 8,
        # Loop 1's debrief opened at 28 h with Dan's feedback missing and Ann's still to come
        # (30 h); loop 2's opened with all in; loop 3's never opened.
        "submitted_before_debrief_rate": 0.5,
        "principle_coverage_rate": pytest.approx(2 / 3),
    }
    # Each with its Wilson 95% interval and its n.
    for name, hits, n in (
        ("bar_raiser_rate", 2, 3),
        ("on_time_rate", 7, 8),
        ("submitted_before_debrief_rate", 1, 2),
        ("principle_coverage_rate", 2, 3),
    ):
        low, high = wilson(hits, n)
        assert adoption[f"{name}_n"] == n
        assert (adoption[f"{name}_ci_low"], adoption[f"{name}_ci_high"]) == (
            pytest.approx(low),
            pytest.approx(high),
        )
        assert low < adoption[name] < high


@pytest.mark.parametrize(
    ("submitted_after", "shadow", "all_in_before"),
    [
        (3, False, True),  # submitted the moment the debrief opened
        (4, False, False),  # submitted after it opened
        (None, False, False),  # never submitted
        (None, True, True),  # a shadow's missing feedback does not hold the debrief
    ],
)
def test_submitted_before_debrief(submitted_after, shadow, all_in_before):
    loop = loop_row(40, debrief_opened_at=at(40, 3), outcome="hire")
    interviews = [
        interview_row(40, "ann@example.com", 3),
        interview_row(40, "tia@example.com", 2, submitted_after=submitted_after, shadow=shadow),
    ]

    adoption = build([loop], interviews, NO_RATINGS, [])["adoption"]

    assert adoption["submitted_before_debrief_rate"] == (1.0 if all_in_before else 0.0)


def test_trainees_in_training_first(report):
    assert report["bar_raisers_in_training"] == [
        {
            "email": "tia@example.com",
            "name": "Tia",
            "status": "in_training",
            "certified": False,
            "loops_shadowed": 1,
            "loops_led": 0,
            "certified_at": None,
        },
        {
            "email": "zoe@example.com",
            "name": "Zoe",
            "status": "certified",
            "certified": True,
            "loops_shadowed": 4,
            "loops_led": 2,
            "certified_at": "2025-03-03T17:00:00+00:00",
        },
    ]


# -- outcomes -----------------------------------------------------------------------------------


def hired_loop(loop_id: int, rating: int | None, votes: list[int]):
    loop = loop_row(loop_id, outcome="hire", decided_at=at(loop_id, 30), performance_rating=rating)
    panel = [interview_row(loop_id, f"p{i}@example.com", vote) for i, vote in enumerate(votes)]
    return loop, panel


def outcomes_of(*hires):
    loops = [loop for loop, _ in hires]
    interviews = [row for _, panel in hires for row in panel]
    return build(loops, interviews, NO_RATINGS, [])["outcomes"]


def test_vote_performance_correlation():
    # Mean votes 4, 3.5, 3 against ratings 5, 3, 2: deviations (.5, 0, -.5) and (5/3, -1/3, -4/3),
    # so sxy = 1.5, sxx = .5, syy = 42/9 and r = 1.5 / sqrt(.5 * 42/9) = 1.5 / sqrt(7/3).
    outcomes = outcomes_of(
        hired_loop(10, 5, [4, 4]),
        hired_loop(11, 3, [3, 4]),
        hired_loop(12, 2, [3, 3]),
        hired_loop(13, None, [1, 1]),  # not rated yet
        hired_loop(14, 4, []),  # rated, but no panel vote to compare
    )

    assert outcomes["hires_rated"] == 3
    assert outcomes["vote_performance_correlation"] == pytest.approx(1.5 / math.sqrt(7 / 3))


def test_correlation_is_null_under_three_rated_hires():
    outcomes = outcomes_of(hired_loop(10, 5, [4, 4]), hired_loop(11, 2, [3, 2]))

    assert (outcomes["hires_rated"], outcomes["vote_performance_correlation"]) == (2, None)
    assert outcomes["vote_performance_spearman"]["value"] is None
    assert outcomes["vote_performance_spearman"]["ci_low"] is None


def test_correlation_is_null_without_variation():
    outcomes = outcomes_of(*(hired_loop(10 + i, 2 + i, [3, 3]) for i in range(3)))

    assert (outcomes["hires_rated"], outcomes["vote_performance_correlation"]) == (3, None)
    assert outcomes["vote_performance_spearman"]["value"] is None
    assert outcomes["range_restriction_warning"] == RANGE_RESTRICTION_WARNING


def test_vote_performance_per_interviewer():
    # Ann's own votes 4, 3, 2 in hires later rated 5, 4, 1: deviations (1, 0, -1) and
    # (5/3, 2/3, -7/3), so sxy = 4, sxx = 2, syy = 78/9 and r = 4 / sqrt(2 * 78/9).
    hires = [hired_loop(50 + i, rating, []) for i, rating in enumerate([5, 4, 1])]
    loops = [loop for loop, _ in hires]
    interviews = [
        interview_row(50 + i, "ann@example.com", vote) for i, vote in enumerate([4, 3, 2])
    ]

    ann = interviewer(build(loops, interviews, NO_RATINGS, []), "ann@example.com")

    assert ann["hires_rated"] == 3
    assert ann["vote_performance_correlation"] == pytest.approx(4 / math.sqrt(2 * 78 / 9))


def test_no_hire_performance_is_ignored():
    vetoed = loop_row(20, outcome="no_hire", vetoed=True, performance_rating=5)

    report = build([vetoed], [interview_row(20, "ann@example.com", 4)], NO_RATINGS, [])

    assert report["outcomes"]["hires_rated"] == 0


@pytest.mark.parametrize(
    ("xs", "ys", "expected"),
    [([1, 2, 3], [2, 4, 6], 1.0), ([1, 2, 3], [3, 2, 1], -1.0), ([1, 2, 3], [1, 3, 2], 0.5)],
)
def test_pearson(xs, ys, expected):
    assert pearson(xs, ys) == pytest.approx(expected)


# -- flags --------------------------------------------------------------------------------------


def stats(adjusted=None, agreed=None, agreement_n=0, leniency=None, leniency_n=0):
    """An interviewer row as the flag rule reads it: `adjusted` is (estimate, ci_low, ci_high)
    of the model's leniency, `agreed` how many of `agreement_n` votes leaned the decided way."""
    low, high = wilson(agreed or 0, agreement_n)
    return {
        "leniency": leniency,
        "leniency_n": leniency_n,
        "leniency_adjusted": None
        if adjusted is None
        else dict(zip(("estimate", "ci_low", "ci_high"), adjusted, strict=True)),
        "agreement_with_decision": agreed / agreement_n if agreement_n else None,
        "agreement_with_decision_ci_low": low,
        "agreement_with_decision_ci_high": high,
        "agreement_n": agreement_n,
    }


@pytest.mark.parametrize(
    ("row", "reasons"),
    [
        (stats(adjusted=(0.3, 0.05, 0.55)), ["lenient"]),
        (stats(adjusted=(0.25, 0.01, 0.49)), ["lenient"]),  # the minimum effect itself
        (stats(adjusted=(0.24, 0.01, 0.47)), []),  # clear of 0, but too small to matter
        (stats(adjusted=(0.6, -0.1, 1.3)), []),  # large, but the interval holds 0: noise
        (stats(adjusted=(-0.3, -0.55, -0.05)), ["harsh"]),
        (stats(adjusted=(-0.3, -0.65, 0.05)), []),
        # No model (too few votes): raw leniency alone never flags, however large.
        (stats(leniency=0.9, leniency_n=10), []),
        # Agreement: the whole Wilson interval must lie under the 0.5 floor.
        (stats(agreed=0, agreement_n=5), ["low agreement"]),  # 0/5: interval 0 to 0.43
        (stats(agreed=1, agreement_n=5), []),  # 1/5 = 0.2, but the interval reaches 0.62
        (stats(agreed=2, agreement_n=20), ["low agreement"]),
        (stats(agreed=2, agreement_n=10), []),  # 0.2 again, interval up to 0.51
        (stats(agreed=0, agreement_n=4), []),  # fewer than min_n decided loops
        (stats((0.7, 0.3, 1.1), 0, 6), ["lenient", "low agreement"]),
    ],
)
def test_flag_rule_defaults(row, reasons):
    assert flag_reasons([row], FlagSettings()) == [reasons]


def test_the_minimum_effect_is_a_setting():
    row = stats(adjusted=(0.3, 0.05, 0.55))

    assert flag_reasons([row], FlagSettings(min_effect=0.35)) == [[]]
    assert flag_reasons([row], FlagSettings(min_effect=0.0)) == [["lenient"]]


def agreeing(*shares, n=100):
    return [stats(agreed=round(share * n), agreement_n=n) for share in shares]


def test_low_agreement_against_peers():
    # For the last interviewer the five peers have mean 0.85 and sample sd 0.05
    # (squared deviations 4 * 0.0025 = 0.01, / 4), so 0.6 < 0.85 - 2 * 0.05 = 0.75 is an outlier,
    # and over 100 loops its Wilson interval (0.50 to 0.69) stays under the peers' mean.
    # For a 0.8 interviewer, the peers (0.9, 0.9, 0.85, 0.8, 0.6) have mean 0.81 and sd
    # sqrt(0.062 / 4) ~ 0.124, so 0.8 > 0.81 - 0.25 is not.
    rows = agreeing(0.9, 0.9, 0.8, 0.8, 0.85, 0.6)

    assert flag_reasons(rows, FlagSettings()) == [[], [], [], [], [], ["low agreement"]]


def test_an_outlier_on_few_loops_is_not_flagged_against_peers():
    # 7 of 10 is below 0.85 - 2 * 0.05, but its interval (0.40 to 0.89) reaches the peers' mean.
    rows = [*agreeing(0.9, 0.9, 0.8, 0.8, 0.85), *agreeing(0.7, n=10)]

    assert flag_reasons(rows, FlagSettings())[-1] == []


def test_low_agreement_against_peers_needs_enough_peers():
    rows = agreeing(0.9, 0.9, 0.8, 0.8, 0.85, 0.6)

    assert flag_reasons(rows, FlagSettings(min_peers=6))[-1] == []


def test_peers_who_all_agree_equally_leave_only_the_floor():
    rows = agreeing(0.9, 0.9, 0.9, 0.9, 0.9, 0.6)

    assert flag_reasons(rows, FlagSettings())[-1] == []


def test_peers_below_min_n_are_no_yardstick():
    peers = agreeing(0.9, 0.9, 0.9, 0.9, 0.9, n=4)

    assert flag_reasons([*peers, *agreeing(0.6)], FlagSettings())[-1] == []


def test_no_leniency_flag_without_enough_votes_for_the_model():
    # Ann +1.83 and Bob -1.0 over 3 loops: the old rule (|raw| >= threshold) flagged both. Two
    # decided loops are far too few to tell leniency from strong candidates: no flag, and the
    # report says why, with the raw figures still shown.
    settings = FlagSettings(min_n=3, leniency_threshold=1.0)
    report = build(LOOPS, INTERVIEWS, RATING_COUNTS, TRAINEES, flag_settings=settings)

    assert not any(row["flagged"] for row in report["interviewers"])
    assert interviewer(report, "ann@example.com")["leniency"] == pytest.approx(11 / 6)
    assert all(row["leniency_adjusted"] is None for row in report["interviewers"])
    assert report["model"]["fitted"] is False
    assert "Too few votes" in report["model"]["reason"]
    assert report["reliability"]["components"] is None
    assert report["reliability"]["by_panel_size"] == []
    assert report["flag_settings"]["min_n"] == 3


def test_nobody_is_flagged_on_little_data(report):
    assert not any(row["flagged"] or row["flag_reasons"] for row in report["interviewers"])


@pytest.mark.parametrize(
    "fields",
    [
        {"min_n": 0},
        {"min_peers": 1},
        {"leniency_threshold": 0},
        {"agreement_z": -1},
        {"agreement_floor": 1.5},
        {"min_effect": -0.1},
    ],
)
def test_flag_settings_refuse_nonsense(fields):
    with pytest.raises(ValueError):
        FlagSettings(**fields)


# -- the contract ---------------------------------------------------------------------------------

REPORT_KEYS = {
    "loops",
    "decided",
    "agreement",
    "interviewers",
    "bar_raisers",
    "principles",
    "adoption",
    "vote_changes",
    "outcomes",
    "bar_raisers_in_training",
    "model",
    "reliability",
    "trends",
}
INTERVIEWER_KEYS = {
    "email",
    "name",
    "interviews",
    "votes",
    "hire_lean",
    "leniency",
    "leniency_n",
    "agreement_with_decision",
    "agreement_n",
    "on_time_rate",
    "median_hours_to_submit",
    "flagged",
    "flag_reasons",
    "vote_change_rate",
    "evidence_median_words",
    "evidence_rate",
    "leniency_adjusted",
    "agreement_with_decision_ci_low",
    "agreement_with_decision_ci_high",
    "on_time_rate_ci_low",
    "on_time_rate_ci_high",
    "median_hours_to_submit_n",
}
BAR_RAISER_KEYS = {
    "email",
    "debriefs",
    "vetoes",
    "veto_rate",
    "veto_rate_ci_low",
    "veto_rate_ci_high",
    "median_hours_to_decision",
    "median_hours_to_decision_n",
    "loops_per_week",
}


def test_report_keys_contract(report):
    assert report.keys() >= REPORT_KEYS
    assert report["agreement"].keys() == {"krippendorff_alpha_ordinal", "loops"}
    assert all(row.keys() >= INTERVIEWER_KEYS for row in report["interviewers"])
    assert all(
        row["votes"].keys()
        == {"strong_hire", "inclined_hire", "inclined_no_hire", "strong_no_hire"}
        for row in report["interviewers"]
    )
    assert all(row.keys() >= BAR_RAISER_KEYS for row in report["bar_raisers"])
    assert all(
        {"name", "assigned", "ratings", "agreement_with_decision"} <= row.keys()
        and row["ratings"].keys() == {"1", "2", "3", "4"}
        for row in report["principles"]
    )
    rates = ("bar_raiser_rate", "on_time_rate", "submitted_before_debrief_rate")
    rates += ("principle_coverage_rate",)
    assert report["adoption"].keys() == {
        f"{rate}{suffix}" for rate in rates for suffix in ("", "_ci_low", "_ci_high", "_n")
    }
    assert report["vote_changes"].keys() == {"rate", "n"}
    assert report["outcomes"].keys() == {
        "hires_rated",
        "vote_performance_correlation",
        "vote_performance_spearman",
        "range_restriction_warning",
    }
    assert report["outcomes"]["vote_performance_spearman"].keys() >= {
        "value",
        "ci_low",
        "ci_high",
        "n",
    }
    assert report["reliability"].keys() >= {"components", "by_panel_size", "panel_size_for_0_8"}
    assert report["model"].keys() >= {"fitted", "reason", "method", "min_loops"}
    assert [row["month"] for row in report["trends"]] == ["2025-03"]


def test_build_report_changes_none_of_its_inputs():
    panel = read_panel(INTERVIEWS)
    inputs = (LOOPS, panel, RATING_COUNTS, TRAINEES, dict(PEOPLE))
    before = copy.deepcopy(inputs)

    first = build_report(LOOPS, panel, RATING_COUNTS, TRAINEES, people=PEOPLE, period=TWO_WEEKS)
    second = build_report(LOOPS, panel, RATING_COUNTS, TRAINEES, people=PEOPLE, period=TWO_WEEKS)

    assert second == first
    assert (LOOPS, panel, RATING_COUNTS, TRAINEES, dict(PEOPLE)) == before
    # Built twice from one panel, ann still has her three votes and two decided loops.
    assert interviewer(second, "ann@example.com")["agreement_n"] == 2
    assert sum(interviewer(second, "ann@example.com")["votes"].values()) == 3


def test_report_is_json(report):
    assert json.loads(json.dumps(report, allow_nan=False)) == report


def test_empty_report_is_all_nulls():
    report = build([], [], NO_RATINGS, [])

    assert (report["loops"], report["decided"]) == (0, 0)
    assert report["agreement"] == {"krippendorff_alpha_ordinal": None, "loops": 0}
    assert {value for key, value in report["adoption"].items() if not key.endswith("_n")} == {None}
    assert report["vote_changes"] == {"rate": None, "n": 0}
    assert (
        report["outcomes"]["hires_rated"],
        report["outcomes"]["vote_performance_correlation"],
    ) == (0, None)
    assert report["model"]["fitted"] is False and report["trends"] == []
    assert report["reliability"]["panel_size_for_0_8"] is None
    assert report["interviewers"] == report["bar_raisers"] == report["principles"] == []
    json.dumps(report, allow_nan=False)


@pytest.mark.parametrize(
    ("first_interviews", "period", "weeks"),
    [
        ([], None, 1.0),
        ([T0, T0 + timedelta(days=3)], None, 1.0),  # a short span still counts as a week
        ([T0, T0 + timedelta(days=10), T0 + timedelta(days=21)], None, 3.0),
        ([T0], (T0, T0 + timedelta(days=91)), 13.0),
    ],
)
def test_report_weeks(first_interviews, period, weeks):
    loops = [loop_row(i, first_interview_at=when) for i, when in enumerate(first_interviews)]

    assert report_weeks(loops, period) == weeks


# -- CSV ------------------------------------------------------------------------------------------


def test_csv_sections(report):
    rows = report_to_csv_rows(report)
    blanks = [i for i, row in enumerate(rows) if not row]
    headers = [rows[0], *(rows[i + 1] for i in blanks)]

    assert [header[0] for header in headers] == ["section"] * 7
    assert headers[1] == ["section", *INTERVIEWER_COLUMNS]
    sections = [row[0] for row in rows if row and row[0] != "section"]
    # Too few votes for the model: no reliability rows; one month of trends.
    assert sections == (
        ["summary"] * sections.count("summary")
        + ["interviewer"] * 4
        + ["bar_raiser"] * 2
        + ["principle"] * 4
        + ["bar_raiser_in_training"] * 2
        + ["trend"]
    )
    assert ["summary", "loops", "3"] in rows
    assert ["summary", "model_fitted", "false"] in rows
    assert headers[-1][:3] == ["section", "month", "loops"]


def test_csv_has_the_models_columns():
    rows = report_to_csv_rows(simulate(random.Random(3), uneven=True).report())
    header = next(row for row in rows if row[:2] == ["section", "email"])
    first = next(row for row in rows if row and row[0] == "interviewer")
    cell = dict(zip(header, first, strict=True))
    assert float(cell["leniency_adjusted_ci_low"]) < float(cell["leniency_adjusted_estimate"])
    assert float(cell["leniency_adjusted_se"]) > 0
    assert ["summary", "model_fitted", "true"] in rows
    assert [row[1] for row in rows if row and row[0] == "reliability"] == [
        str(k) for k in range(1, 9)
    ]


def test_csv_cells(report):
    rows = report_to_csv_rows(report)
    header = rows[rows.index([]) + 1]
    bob = dict(zip(header, next(row for row in rows if "bob@example.com" in row), strict=True))
    dan = dict(zip(header, next(row for row in rows if "dan@example.com" in row), strict=True))

    assert bob["leniency"] == "-1.0"  # a negative number is not mistaken for a formula
    assert bob["votes_inclined_hire"] == "1"
    assert bob["flagged"] == "false"
    assert dan["hire_lean"] == ""


def test_csv_defuses_formulas_in_names():
    person_id("eve@example.com", "=HYPERLINK(0)")
    evil = interview_row(1, "eve@example.com", 3)

    rows = report_to_csv_rows(build(LOOPS[:1], [evil], NO_RATINGS, []))

    assert "'=HYPERLINK(0)" in next(row for row in rows if "eve@example.com" in row)


def test_csv_text_round_trips_and_is_deterministic(report):
    text = report_to_csv(report)

    assert list(csv.reader(io.StringIO(text))) == report_to_csv_rows(report)
    assert text == report_to_csv(
        build(LOOPS, INTERVIEWS, RATING_COUNTS, TRAINEES, period=TWO_WEEKS)
    )


# -- at scale -------------------------------------------------------------------------------------


def synthetic_rows(loop_count: int, seed: int = 7):
    """Loops of five panelists from 400 people, one loop in ten shadowed, two principles each."""
    rng = random.Random(seed)
    people = [f"person{i}@example.com" for i in range(400)]
    principles = [f"Principle {i}" for i in range(16)]
    loops, interviews, ratings = [], [], []
    for loop_id in range(loop_count):
        outcome = rng.choice(["hire", "no_hire", None])
        loops.append(
            loop_row(
                loop_id,
                bar_raiser_email=rng.choice(people[:40]),
                debrief_opened_at=at(loop_id, 26) if outcome else None,
                decided_at=at(loop_id, 30) if outcome else None,
                outcome=outcome,
                vetoed=outcome == "no_hire" and rng.random() < 0.2,
                performance_rating=rng.randint(1, 5) if outcome == "hire" else None,
            )
        )
        shadowed = rng.random() < 0.1
        for seat, email in enumerate(rng.sample(people, 5)):
            shadow = shadowed and seat == 0
            submitted = rng.random() < 0.95
            row = interview_row(
                loop_id,
                email,
                rng.randint(1, 4),
                submitted_after=rng.uniform(0, 40) if submitted else None,
                final=rng.randint(1, 4) if outcome and rng.random() < 0.8 else None,
                shadow=shadow,
            )
            interviews.append(row)
            for principle in rng.sample(principles, 2):
                ratings.append(
                    rating_row(
                        loop_id,
                        email,
                        principle,
                        rng.randint(1, 4),
                        rng.choice([0, rng.randint(5, 300)]),
                        submitted=submitted,
                        shadow=shadow,
                    )
                )
    return loops, interviews, ratings


def test_report_adds_up_on_many_loops():
    loops, interviews, ratings = synthetic_rows(300)
    report = build(loops, interviews, rating_counts(ratings, loops), [])
    panel_votes = sum(1 for row in interviews if not row.is_shadow and row.submitted_at is not None)

    assert sum(sum(row["votes"].values()) for row in report["interviewers"]) == panel_votes
    assert sum(row["loops"] for row in report["bar_raisers"]) == 300
    assert report["agreement"]["loops"] <= 300
    assert -1 <= report["agreement"]["krippendorff_alpha_ordinal"] <= 1
    json.dumps(report, allow_nan=False)


if __name__ == "__main__":
    loops, interviews, ratings = synthetic_rows(20_000)
    print(f"{len(loops)} loops, {len(interviews)} interviews, {len(ratings)} ratings")
    counts = rating_counts(ratings, loops)
    for _ in range(3):
        started = time.perf_counter()
        build_report(loops, read_panel(interviews), counts, [], people=PEOPLE)
        print(f"build_report: {time.perf_counter() - started:.3f} s")
