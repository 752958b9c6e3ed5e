"""The calibration report: pure metrics over plain rows, and its JSON shape.

What counts. Only the feedback of decided loops is read (the queries never fetch a loop in flight:
its feedback is sealed, `queries.VOTES_FROM`). Only submitted, non-shadow panel feedback enters a
metric about interviewers, votes or principles: a draft is not yet a judgement, and a shadow's
feedback is training, not a panel vote. Calibration reads the WRITTEN vote, made before the panel
could influence itself; the final vote only feeds the vote-change rates. Votes are read as their
scores (`domain.VOTE_SCORES`), and a score of `HIRE_LEANING_SCORE` or more leans hire. Rates are
unrounded fractions in 0..1, and None (null) wherever their denominator is 0, so a reader never
mistakes "no data" for "zero".

Flags: an interviewer whose leniency or agreement is an outlier is flagged by the rule in
`flags.py`. The CSV shape of the report lives in `export.py`.

Every metric is one pass over the rows with dicts (or, for the hundred thousand votes, over
arrays of them), so a report over 20,000 loops stays well under a second;
`python -m tests.calibration.test_metrics` times it on synthetic rows.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import chain, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from ..domain import HIRE_LEANING_SCORE, RATING_LABELS, VOTE_SCORES
from ..lazy import lazy_module
from .agreement import Alpha, alpha_from_patterns
from .flags import DEFAULT_FLAG_SETTINGS, FlagSettings, flag_reasons
from .intervals import RANGE_RESTRICTION_WARNING, rate_with_interval, spearman, wilson
from .measurement import ModelReading, model_of, monthly_trends, read_model
from .rows import (
    EPOCH,
    MICROSECONDS_PER_HOUR,
    EvidenceCount,
    InterviewRow,
    LoopRow,
    Outcome,
    Person,
    PrincipleCount,
    RatingCounts,
    TraineeRow,
)

if TYPE_CHECKING:
    import numpy as np
else:  # imported when a report is first computed, not at start-up (see barraiser.lazy)
    np = lazy_module("numpy")

HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)
MIN_CORRELATION_N = 3
"""Fewer points than this make any correlation meaningless, so none is reported."""


# -- small arithmetic that every metric shares ------------------------------------------------


def share(hits: int, n: int) -> float | None:
    """hits / n, or None when there is nothing to take a share of."""
    return hits / n if n else None


def median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def histogram_median(counts: Mapping[int, int]) -> float | None:
    """The median of the values a histogram (value -> how many) counts, exactly as
    statistics.median gives it over the values themselves; None when it counts nothing."""
    total = sum(counts.values())
    if not total:
        return None
    # 0-based positions of the middle value(s): equal when the total is odd.
    low, high = (total - 1) // 2, total // 2
    seen = 0
    low_value: float | None = None
    for value in sorted(counts):
        seen += counts[value]
        if low_value is None and seen > low:
            low_value = value
        if seen > high:
            assert low_value is not None  # low <= high, so it was passed first
            return value if low == high else (low_value + value) / 2
    raise AssertionError("unreachable: the positions are within the total")


def mean_or_none(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None under MIN_CORRELATION_N points or when either side never varies."""
    if len(xs) != len(ys):
        raise ValueError("pearson needs paired values")
    if len(xs) < MIN_CORRELATION_N:
        return None
    mean_x, mean_y = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    syy = math.fsum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


class PairedSums(NamedTuple):
    """Whole-number pairs (x, y) summed: how many, and the sums of x, y, x², y² and xy. Exact,
    in whatever order the pairs come, and all Pearson's r needs (`pearson_of_sums`)."""

    n: int = 0
    x: int = 0
    y: int = 0
    xx: int = 0
    yy: int = 0
    xy: int = 0


NO_PAIRS = PairedSums()


def pearson_of_sums(sums: PairedSums) -> float | None:
    """Pearson's r of whole-number pairs from their sums (as `pearson` of the pairs, to the
    last digit or closer: the sums are exact, and only the last division and root round)."""
    if sums.n < MIN_CORRELATION_N:
        return None
    covariance = sums.n * sums.xy - sums.x * sums.y
    spread_x = sums.n * sums.xx - sums.x * sums.x
    spread_y = sums.n * sums.yy - sums.y * sums.y
    if spread_x == 0 or spread_y == 0:
        return None
    return covariance / math.sqrt(spread_x * spread_y)


def microseconds(moment: datetime) -> int:
    """The moment as whole microseconds since `EPOCH`, as the interview rows give times."""
    return (moment - EPOCH) // MICROSECOND


def agrees(score: int, outcome: Outcome) -> bool:
    """A vote or rating agrees with the decision when it leans the way the loop was decided."""
    return (score >= HIRE_LEANING_SCORE) == (outcome == "hire")


class LoopVotes(NamedTuple):
    """One loop's written panel votes, in row order: who voted (interviewer ids) and the scores,
    side by side. Two plain lists rather than a pair per vote: the loops pass reads the scores
    whole (sum, sort) and the voters whole (are they all different?)."""

    voters: list[int]
    scores: list[int]


# -- reading the panel: one pass over the interviews, then the votes as arrays ----------------


@dataclass(slots=True)
class InterviewerTally:
    """One interviewer's counts, gathered in a single pass over the interview rows."""

    interviews: int = 0
    on_time: int = 0
    to_submit: list[int] = field(default_factory=list)
    """Microseconds from each interview's end to its feedback's submission."""
    votes: list[int] = field(default_factory=lambda: [0] * 5)
    """How many written votes of each score, indexed by the score (index 0 unused)."""
    final_votes: int = 0
    changed_votes: int = 0
    answers: int = 0
    """Answers to "would this candidate raise the bar?"; `raises_bar` of them said yes."""
    raises_bar: int = 0


@dataclass(slots=True)
class Judgements:
    """What the loops' votes say about one interviewer (`read_loops`)."""

    vote_and_performance: PairedSums = NO_PAIRS
    """(written vote, the hire's performance rating) for each vote in a rated hire's loop,
    summed."""
    leniency: list[float] = field(default_factory=list)
    """Each vote minus the mean vote of the other panelists in its loop (see `read_loops`)."""
    judged: int = 0
    """Votes in decided loops: the denominator of agreement with the decision."""
    agreed: int = 0


@dataclass(slots=True)
class LoopReading:
    """What `read_loops` finds in the panel's votes once the loops' outcomes are known."""

    judgements: dict[int, Judgements]
    """Per panel interviewer, by id (every interviewer of the panel has one)."""
    vote_patterns: Counter[tuple[int, ...]] = field(default_factory=Counter)
    """Loops with two votes or more, counted by their sorted written votes: the units of
    Krippendorff's alpha (loops with the same votes add the same coincidences)."""
    pattern_of: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """Each such loop's sorted written votes, by loop id (the trends count them by month)."""
    decided_votes: tuple[Any, Any, Any] | None = None
    """The written votes of decided loops as three parallel arrays, loop id, interviewer id and
    score, exactly as `measurement.vote_arrays` gives them (what the model is fitted to);
    None when there is no vote."""


@dataclass(slots=True)
class Panel:
    """What the report reads of the panel's feedback, gathered in one pass over the interviews
    (shadow rows left out): there are a hundred thousand of them, and every section reads them."""

    tallies: dict[int, InterviewerTally] = field(default_factory=dict)
    """Per panel interviewer, by id."""
    votes_by_loop: dict[int, LoopVotes] = field(default_factory=dict)
    """The written votes that calibration reads, per loop."""
    last_submitted: dict[int, int] = field(default_factory=dict)
    """Per loop, when its last panel feedback was submitted (microseconds since `EPOCH`)."""
    unsubmitted: Counter[int] = field(default_factory=Counter)
    """Per loop, its panel interviews whose feedback is not submitted (a draft, or none)."""
    submitted_by_loop: Counter[int] = field(default_factory=Counter)
    """Per loop, its submitted panel feedback; `on_time_by_loop` of it on time (the trends)."""
    on_time_by_loop: Counter[int] = field(default_factory=Counter)


def read_panel(interviews: Iterable[InterviewRow]) -> Panel:
    """The panel's feedback, per interviewer and per loop; only submitted, non-shadow feedback
    counts (see the module), except in the number of interviews each was assigned.

    Needs nothing but the interviews; `read_loops` then reads, with the loops' outcomes, what
    each loop's votes say about each voter."""
    panel = Panel()
    tallies, votes_by_loop, last_submitted, unsubmitted = (
        panel.tallies,
        panel.votes_by_loop,
        panel.last_submitted,
        panel.unsubmitted,
    )
    submitted_by_loop, on_time_by_loop = panel.submitted_by_loop, panel.on_time_by_loop
    # Unpacked rather than read by attribute: this loop runs once per interview of the period.
    for (
        loop_id,
        who,
        is_shadow,
        ends_at,
        submitted_at,
        on_time,
        score,
        final,
        answer,
    ) in interviews:
        if is_shadow:
            continue
        tally = tallies.get(who)
        if tally is None:
            tally = tallies[who] = InterviewerTally()
        tally.interviews += 1
        if submitted_at is None:
            unsubmitted[loop_id] += 1
            continue
        if submitted_at > last_submitted.get(loop_id, -1):
            last_submitted[loop_id] = submitted_at
        tally.on_time += bool(on_time)
        submitted_by_loop[loop_id] += 1
        if on_time:
            on_time_by_loop[loop_id] += 1
        tally.to_submit.append(submitted_at - ends_at)
        if answer is not None:
            tally.answers += 1
            tally.raises_bar += answer
        if score is None:
            continue
        loop_votes = votes_by_loop.get(loop_id)
        if loop_votes is None:
            loop_votes = votes_by_loop[loop_id] = LoopVotes([], [])
        loop_votes.voters.append(who)
        loop_votes.scores.append(score)
        tally.votes[score] += 1
        if final is not None:
            tally.final_votes += 1
            tally.changed_votes += final != score
    return panel


def read_loops(
    panel: Panel, outcomes: Mapping[int, Outcome | None], performance: Mapping[int, int]
) -> LoopReading:
    """What each loop's votes say about each voter, and the loops' vote patterns for alpha.
    Reads `panel` and changes nothing in it.

    Leniency: each vote minus the mean vote of the other panelists in that loop. "Other
    panelists" are other interviewers, so someone who interviewed twice in one loop is never
    compared with themselves; a vote in a loop where nobody else voted yields nothing.
    Agreement with the decision: for each vote in a decided loop, whether it leaned the way the
    loop went. And each vote in a rated hire's loop is paired with the hire's performance.

    The hundred thousand votes of a long history are read as arrays, one per vote: every
    figure is a sum of whole numbers, or the one division the definition makes, so it is
    exactly what a pass vote by vote gives; each interviewer's values keep the order of the
    votes.
    """
    judgements = {who: Judgements() for who in panel.tallies}
    reading = LoopReading(judgements)
    votes_by_loop = panel.votes_by_loop
    reading.pattern_of.update(
        (loop_id, tuple(sorted(scores)))
        for loop_id, (_, scores) in votes_by_loop.items()
        if len(scores) >= 2
    )
    reading.vote_patterns.update(reading.pattern_of.values())
    if not votes_by_loop:
        return reading

    # Per loop (in the panel's order), then per vote (loop by loop, in row order); built with
    # map, not a Python loop over twenty thousand loops.
    sizes = np.fromiter(map(len, map(itemgetter(1), votes_by_loop.values())), np.int64)
    total = int(sizes.sum())
    voters = np.fromiter(
        chain.from_iterable(map(itemgetter(0), votes_by_loop.values())), np.int64, total
    )
    scores = np.fromiter(
        chain.from_iterable(map(itemgetter(1), votes_by_loop.values())), np.int64, total
    )
    # 1 for a hire, 0 for a no-hire, -1 while undecided; the rating -1 when there is none.
    decision: dict[Outcome | None, int] = {"hire": 1, "no_hire": 0}
    loop_outcome = np.fromiter(
        map(decision.get, map(outcomes.get, votes_by_loop), repeat(-1)), np.int64, len(sizes)
    )
    loop_rating = np.fromiter(map(performance.get, votes_by_loop, repeat(-1)), np.int64, len(sizes))
    at_loop = np.repeat(np.arange(len(sizes)), sizes)
    interviewers, at_voter = np.unique(voters, return_inverse=True)
    at_voter = at_voter.reshape(-1)
    width = len(interviewers)

    outcome = loop_outcome[at_loop]
    decided = outcome >= 0
    judged = np.bincount(at_voter[decided], minlength=width)
    agreed = np.bincount(
        at_voter[decided & ((scores >= HIRE_LEANING_SCORE) == (outcome == 1))], minlength=width
    )
    rating = loop_rating[at_loop]
    rated = decided & (rating >= 0)
    loop_ids = np.fromiter(votes_by_loop, np.int64, len(sizes))
    reading.decided_votes = (
        loop_ids[at_loop][decided],
        voters[decided],
        scores[decided].astype(np.float64),
    )

    # The other panelists: the loop's votes less the voter's own (one vote, unless the same
    # interviewer voted twice in the loop).
    loop_total = np.bincount(at_loop, weights=scores)[at_loop]
    loop_count = sizes[at_loop]
    _, pair = np.unique(at_loop * width + at_voter, return_inverse=True)
    pair = pair.reshape(-1)
    own_total = np.bincount(pair, weights=scores)[pair]
    others = loop_count - np.bincount(pair)[pair]
    compared = (loop_count >= 2) & (others > 0)
    leniency = scores[compared] - (loop_total[compared] - own_total[compared]) / others[compared]

    def by_voter(mask: Any, *values: Any) -> list[list[list[Any]]]:
        """`values` where `mask` holds, as Python lists per voter (by position), each in the
        votes' order: sorted by voter once, made Python numbers once, then sliced."""
        order = np.argsort(at_voter[mask], kind="stable")
        ends = np.cumsum(np.bincount(at_voter[mask], minlength=width)).tolist()
        starts = [0, *ends[:-1]]
        split = []
        for value in values:
            numbers = value[order].tolist()
            split.append([numbers[start:end] for start, end in zip(starts, ends, strict=True)])
        return split

    (leniencies,) = by_voter(compared, leniency)
    # Per voter, their votes in rated hires' loops beside the ratings, summed: whole numbers,
    # exact as floats far beyond any history (below 2**53).
    rated_at, rated_score, rated_rating = at_voter[rated], scores[rated], rating[rated]
    paired = zip(
        *(
            np.bincount(rated_at, weights=weights, minlength=width).astype(np.int64).tolist()
            for weights in (
                None,
                rated_score,
                rated_rating,
                rated_score * rated_score,
                rated_rating * rated_rating,
                rated_score * rated_rating,
            )
        ),
        strict=True,
    )
    for index, (who, sums) in enumerate(zip(interviewers.tolist(), paired, strict=True)):
        judgement = judgements[who]
        judgement.judged = int(judged[index])
        judgement.agreed = int(agreed[index])
        judgement.leniency = leniencies[index]
        if sums[0]:
            judgement.vote_and_performance = PairedSums(*sums)
    return reading


# -- the panel as a whole ---------------------------------------------------------------------


def panel_agreement(reading: LoopReading) -> Alpha:
    """Ordinal alpha over written votes: units are loops, coders are interviewers."""
    return alpha_from_patterns(reading.vote_patterns, "ordinal")


def vote_changes(panel: Panel) -> dict[str, Any]:
    """Share of final votes that differ from the written vote, and n, the final votes cast."""
    tallies = panel.tallies.values()
    cast = sum(tally.final_votes for tally in tallies)
    return {"rate": share(sum(tally.changed_votes for tally in tallies), cast), "n": cast}


def rated_hires(loops: Iterable[LoopRow]) -> dict[int, int]:
    """Performance rating by loop, for hires whose performance has been rated."""
    return {
        loop.loop_id: loop.performance_rating
        for loop in loops
        if loop.outcome == "hire" and loop.performance_rating is not None
    }


def vote_performance(panel: Panel, performance: Mapping[int, int]) -> dict[str, Any]:
    """Pearson r between a hired loop's mean written vote and the hire's performance rating,
    and Spearman's rho with its seeded bootstrap 95% interval (`intervals.spearman`), with the
    range-restriction caveat: only hires are ever rated.

    A rated hire whose loop has no panel vote has nothing to correlate and is not counted.
    """
    mean_votes, ratings = [], []
    for loop_id, rating in performance.items():
        loop_votes = panel.votes_by_loop.get(loop_id)
        if loop_votes is not None:
            mean_votes.append(math.fsum(loop_votes.scores) / len(loop_votes.scores))
            ratings.append(rating)
    return {
        "hires_rated": len(ratings),
        "vote_performance_correlation": pearson(mean_votes, ratings),
        "vote_performance_spearman": spearman(mean_votes, ratings),
        "range_restriction_warning": RANGE_RESTRICTION_WARNING,
    }


# -- interviewers -----------------------------------------------------------------------------


def evidence_words(evidence: Iterable[EvidenceCount]) -> dict[int, Counter[int]]:
    """Per interviewer: how many principles assigned on submitted feedback had each number of
    words of evidence (the rows count submitted panel feedback only)."""
    words: defaultdict[int, Counter[int]] = defaultdict(Counter)
    for row in evidence:
        words[row.interviewer_id][row.evidence_words] += row.assignments
    return words


def interviewer_rows(
    panel: Panel,
    reading: LoopReading,
    evidence: Iterable[EvidenceCount],
    people: Mapping[int, Person],
    model: ModelReading,
) -> list[dict[str, Any]]:
    """One row per panel interviewer, sorted by name then email, not yet flagged. Rates carry
    their Wilson 95% interval (`<rate>_ci_low`, `<rate>_ci_high`); `leniency_adjusted` is the
    model's estimate of their effect (None when no model was fitted or they have no vote)."""
    evidence_by_interviewer = evidence_words(evidence)
    result = []
    for who, tally in panel.tallies.items():
        judged = reading.judgements[who]
        email, name = people[who]
        votes = tally.votes
        voted = sum(votes)
        submitted = len(tally.to_submit)
        median_to_submit = median_or_none(tally.to_submit)
        words = evidence_by_interviewer.get(who, Counter())
        described = sum(n for count, n in words.items() if count > 0)
        agreement_low, agreement_high = wilson(judged.agreed, judged.judged)
        on_time_low, on_time_high = wilson(tally.on_time, submitted)
        result.append(
            {
                "email": email,
                "name": name,
                "interviews": tally.interviews,
                "submitted": submitted,
                "votes": {vote.value: votes[score] for vote, score in VOTE_SCORES.items()},
                "hire_lean": share(sum(votes[HIRE_LEANING_SCORE:]), voted),
                "leniency": mean_or_none(judged.leniency),
                "leniency_n": len(judged.leniency),
                "agreement_with_decision": share(judged.agreed, judged.judged),
                "leniency_adjusted": model.adjusted(who),
                "agreement_n": judged.judged,
                "agreement_with_decision_ci_low": agreement_low,
                "agreement_with_decision_ci_high": agreement_high,
                "on_time_rate": share(tally.on_time, submitted),
                "on_time_rate_ci_low": on_time_low,
                "on_time_rate_ci_high": on_time_high,
                "median_hours_to_submit": None
                if median_to_submit is None
                else median_to_submit / MICROSECONDS_PER_HOUR,
                "median_hours_to_submit_n": submitted,
                "vote_change_rate": share(tally.changed_votes, tally.final_votes),
                "vote_change_n": tally.final_votes,
                "evidence_median_words": histogram_median(words),
                "evidence_rate": share(described, words.total()),
                "raises_bar_rate": share(tally.raises_bar, tally.answers),
                "hires_rated": judged.vote_and_performance.n,
                "vote_performance_correlation": pearson_of_sums(judged.vote_and_performance),
                "flagged": False,
                "flag_reasons": [],
            }
        )
    result.sort(key=lambda row: (str(row["name"]).casefold(), str(row["email"])))
    return result


# -- Bar Raisers, principles, adoption --------------------------------------------------------


def bar_raiser_rows(loops: Iterable[LoopRow], panel: Panel, weeks: float) -> list[dict[str, Any]]:
    """One row per Bar Raiser: debriefs, vetoes, latency to decision (from the loop's last
    panel feedback) and workload."""
    last_submitted = panel.last_submitted
    by_bar_raiser: defaultdict[str, list[LoopRow]] = defaultdict(list)
    for loop in loops:
        by_bar_raiser[loop.bar_raiser_email].append(loop)
    result = []
    for email, own_loops in sorted(by_bar_raiser.items()):
        decided = [loop for loop in own_loops if loop.outcome is not None]
        vetoes = sum(loop.vetoed for loop in decided)
        # In whole microseconds, as exact as the timedeltas and without building one per loop.
        latencies = [
            (microseconds(loop.decided_at) - last_submitted[loop.loop_id]) / MICROSECONDS_PER_HOUR
            for loop in decided
            if loop.decided_at is not None and loop.loop_id in last_submitted
        ]
        result.append(
            {
                "email": email,
                "name": own_loops[0].bar_raiser_name,
                "loops": len(own_loops),
                "debriefs": len(decided),
                "vetoes": vetoes,
                **rate_with_interval("veto_rate", vetoes, len(decided)),
                "median_hours_to_decision": median_or_none(latencies),
                "median_hours_to_decision_n": len(latencies),
                "loops_per_week": len(own_loops) / weeks,
            }
        )
    return result


@dataclass(slots=True)
class PrincipleTally:
    """One principle's counts, gathered in a single pass over the counted ratings."""

    assigned: int = 0
    ratings: Counter[int] = field(default_factory=Counter)
    agreed: int = 0
    judged: int = 0
    """Ratings in decided loops: the denominator of agreement with the decision."""


def principle_rows(counts: Iterable[PrincipleCount]) -> list[dict[str, Any]]:
    """One row per principle assigned to a panel interview, sorted by name."""
    tallies: defaultdict[str, PrincipleTally] = defaultdict(PrincipleTally)
    for row in counts:
        tally = tallies[row.principle_name]
        tally.assigned += row.assignments
        if row.rating is None:
            continue
        tally.ratings[row.rating] += row.assignments
        if row.outcome is not None:
            tally.judged += row.assignments
            tally.agreed += row.assignments * agrees(row.rating, row.outcome)
    return [
        {
            "name": name,
            "assigned": tally.assigned,
            "ratings": {str(score): tally.ratings[score] for score in sorted(RATING_LABELS)},
            "agreement_with_decision": share(tally.agreed, tally.judged),
            "agreement_n": tally.judged,
        }
        for name, tally in sorted(tallies.items())
    ]


def panel_in_before_debrief(loop: LoopRow, panel: Panel) -> bool:
    """Whether all of the loop's panel feedback was submitted by the time its debrief opened
    (a loop whose debrief has opened): none missing or a draft, none submitted after."""
    if panel.unsubmitted.get(loop.loop_id):  # .get: no call of Counter's __missing__
        return False
    last = panel.last_submitted.get(loop.loop_id)
    return last is None or last <= microseconds(loop.debrief_opened_at)  # type: ignore[arg-type]


def before_debrief_by_loop(loops: Iterable[LoopRow], panel: Panel) -> dict[int, bool]:
    """Per decided loop whose debrief opened: was all its panel feedback in by then?"""
    return {
        loop.loop_id: panel_in_before_debrief(loop, panel)
        for loop in loops
        if loop.outcome is not None and loop.debrief_opened_at is not None
    }


def adoption(
    loops: Sequence[LoopRow], panel: Panel, before_debrief: Mapping[int, bool]
) -> dict[str, Any]:
    """Whether the tool is used as meant: certified Bar Raisers, timely and independent feedback.
    Each rate comes with its Wilson 95% interval and its n (`<rate>_ci_low`, `_ci_high`, `_n`).

    The Bar Raisers' certification and the principles' coverage count every loop; what reads
    the feedback (on time, in before the debrief) counts the decided loops, the only ones whose
    feedback the panel holds (see `queries.VOTES_FROM`)."""
    tallies = panel.tallies.values()
    on_time = sum(tally.on_time for tally in tallies)
    submitted = sum(len(tally.to_submit) for tally in tallies)
    figures = {
        "bar_raiser_rate": (sum(loop.bar_raiser_certified for loop in loops), len(loops)),
        "on_time_rate": (on_time, submitted),
        "submitted_before_debrief_rate": (sum(before_debrief.values()), len(before_debrief)),
        "principle_coverage_rate": (
            sum(loop.required_principles_covered for loop in loops),
            len(loops),
        ),
    }
    result: dict[str, Any] = {}
    for name, (hits, n) in figures.items():
        result.update(rate_with_interval(name, hits, n))
    return result


def trainee_rows(trainees: Iterable[TraineeRow]) -> list[dict[str, Any]]:
    """The Bar Raiser pipeline: those in training first, then the certified, each by name."""
    ordered = sorted(
        trainees, key=lambda t: (t.status != "in_training", t.name.casefold(), t.email)
    )
    return [
        {
            "email": trainee.email,
            "name": trainee.name,
            "status": trainee.status,
            "certified": trainee.status == "certified",
            "loops_shadowed": trainee.loops_shadowed,
            "loops_led": trainee.loops_led,
            "certified_at": trainee.certified_at.isoformat() if trainee.certified_at else None,
        }
        for trainee in ordered
    ]


def report_weeks(loops: Sequence[LoopRow], period: tuple[datetime, datetime] | None) -> float:
    """Weeks the report spans: the period if given, else the loops' first interviews' span.

    Never less than one week, so that a single busy day does not read as a weekly workload.
    """
    if period is None:
        starts = [loop.first_interview_at for loop in loops]
        period = (min(starts), max(starts)) if starts else None
    if period is None:
        return 1.0
    return max(1.0, (period[1] - period[0]) / timedelta(weeks=1))


# -- the report -------------------------------------------------------------------------------


def build_report(
    loops: Sequence[LoopRow],
    panel: Panel,
    ratings: RatingCounts,
    trainees: Sequence[TraineeRow],
    *,
    people: Mapping[int, Person],
    flag_settings: FlagSettings = DEFAULT_FLAG_SETTINGS,
    period: tuple[datetime, datetime] | None = None,
) -> dict[str, Any]:
    """The calibration report as a JSON-able dict (the contract the views and exports rely on).

    `panel` is the interview rows as `read_panel` read them. The rows must already be restricted
    to the report's period and department or requisition; `people` names every interviewer they
    hold by id; `period` only sets the weeks that Bar Raiser workload is divided by. Nothing
    given is changed: the same inputs always give the same report.
    """
    outcomes = {loop.loop_id: loop.outcome for loop in loops}
    performance = rated_hires(loops)
    reading = read_loops(panel, outcomes, performance)
    alpha = panel_agreement(reading)
    weeks = report_weeks(loops, period)
    # The queries fetch no votes of loops in flight (queries.VOTES_FROM); the model says so too.
    model = read_model({}) if reading.decided_votes is None else model_of(*reading.decided_votes)
    interviewers = interviewer_rows(panel, reading, ratings.evidence, people, model)
    before_debrief = before_debrief_by_loop(loops, panel)
    for row, reasons in zip(interviewers, flag_reasons(interviewers, flag_settings), strict=True):
        row["flagged"], row["flag_reasons"] = bool(reasons), reasons
    return {
        "loops": len(loops),
        "decided": sum(outcome is not None for outcome in outcomes.values()),
        "weeks": weeks,
        "flag_settings": asdict(flag_settings),
        "agreement": {"krippendorff_alpha_ordinal": alpha.value, "loops": alpha.units},
        "interviewers": interviewers,
        "bar_raisers": bar_raiser_rows(loops, panel, weeks),
        "principles": principle_rows(ratings.principles),
        "adoption": adoption(loops, panel, before_debrief),
        "vote_changes": vote_changes(panel),
        "outcomes": vote_performance(panel, performance),
        "bar_raisers_in_training": trainee_rows(trainees),
        "model": model.summary(),
        "reliability": model.reliability(),
        "trends": monthly_trends(
            loops,
            reading.pattern_of,
            panel.on_time_by_loop,
            panel.submitted_by_loop,
            before_debrief,
            model,
            min_n=flag_settings.min_n,
        ),
    }
