"""The calibration report: pure metrics over plain rows, and its JSON shape.

What counts. Only submitted, non-shadow panel feedback enters a metric about interviewers, votes
or principles: a draft is not yet a judgement, and a shadow's feedback is training, not a panel
vote. Calibration reads the WRITTEN vote, made before the panel could influence itself; the final
vote only feeds the vote-change rates. Vote scores: strong_no_hire=1 ... strong_hire=4, and a
score of 3 or more leans hire. Rates are unrounded fractions in 0..1, and None (null) wherever
their denominator is 0, so a reader never mistakes "no data" for "zero".

Flags: an interviewer whose leniency or agreement is an outlier is flagged by the rule in
`flags.py`. The CSV shape of the report lives in `export.py`.

Every metric is one pass over the rows with dicts, so a report over 20,000 loops stays well
under a second; `python -m tests.calibration.test_metrics` times it on synthetic rows.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .agreement import Alpha, krippendorff_alpha
from .flags import DEFAULT_FLAG_SETTINGS, FlagSettings, flag_reasons
from .rows import InterviewRow, LoopRow, Outcome, RatingRow, TraineeRow

VOTE_NAMES: dict[int, str] = {
    4: "strong_hire",
    3: "inclined_hire",
    2: "inclined_no_hire",
    1: "strong_no_hire",
}
LEANS_HIRE = 3
"""A vote or rating at or above this score leans hire."""
HOUR = timedelta(hours=1)
MIN_CORRELATION_N = 3
"""Fewer points than this make any correlation meaningless, so none is reported."""


# -- small arithmetic that every metric shares ------------------------------------------------


def share(hits: int, n: int) -> float | None:
    """hits / n, or None when there is nothing to take a share of."""
    return hits / n if n else None


def median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


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


def agrees(score: int, outcome: Outcome) -> bool:
    """A vote or rating agrees with the decision when it leans the way the loop was decided."""
    return (score >= LEANS_HIRE) == (outcome == "hire")


def counts_for_panel(row: InterviewRow) -> bool:
    """Submitted, non-shadow feedback: the only feedback a panel metric may read."""
    return not row.is_shadow and row.submitted_at is not None


PanelVote = tuple[str, int, int | None]
"""(interviewer_email, written vote score, final vote score or None), grouped by loop.

A plain tuple rather than a class: a report holds one per panel vote, and plain tuples of
strings and numbers are the one object CPython's garbage collector stops tracking, which keeps
a 100,000-vote report from paying for full collections.
"""


def panel_votes_by_loop(interviews: Iterable[InterviewRow]) -> dict[int, list[PanelVote]]:
    """The written votes that calibration reads, per loop, in row order."""
    by_loop: defaultdict[int, list[PanelVote]] = defaultdict(list)
    for row in interviews:
        if counts_for_panel(row) and row.vote_score is not None:
            by_loop[row.loop_id].append(
                (row.interviewer_email, row.vote_score, row.final_vote_score)
            )
    return by_loop


# -- the panel as a whole ---------------------------------------------------------------------


def panel_agreement(by_loop: Mapping[int, Sequence[PanelVote]]) -> Alpha:
    """Ordinal alpha over written votes: units are loops, coders are interviewers."""
    return krippendorff_alpha(
        ([score for _, score, _ in loop_votes] for loop_votes in by_loop.values()), "ordinal"
    )


def on_time_rate(feedback: Iterable[InterviewRow]) -> float | None:
    """Share of submitted feedback in by its deadline (a submission at the deadline is on time)."""
    on_time = submitted = 0
    for row in feedback:
        if row.submitted_at is not None:
            submitted += 1
            on_time += row.submitted_at <= row.deadline
    return share(on_time, submitted)


def vote_changes(by_loop: Mapping[int, Sequence[PanelVote]]) -> dict[str, Any]:
    """Share of final votes that differ from the written vote, and n, the final votes cast.

    Per interviewer the same numbers come from `tally_interviewers`, in its single pass.
    """
    changed = [
        final != score
        for loop_votes in by_loop.values()
        for _, score, final in loop_votes
        if final is not None
    ]
    return {"rate": share(sum(changed), len(changed)), "n": len(changed)}


def leniency_differences(by_loop: Mapping[int, Sequence[PanelVote]]) -> dict[str, list[float]]:
    """Per interviewer: each vote minus the mean vote of the other panelists in that loop.

    "Other panelists" are other interviewers, so someone who interviewed twice in one loop is
    never compared with themselves; a vote in a loop where nobody else voted yields nothing.
    """
    differences: defaultdict[str, list[float]] = defaultdict(list)
    for loop_votes in by_loop.values():
        count = len(loop_votes)
        if count < 2:
            continue
        total = sum([score for _, score, _ in loop_votes])
        if len({email for email, _, _ in loop_votes}) == count:
            for email, score, _ in loop_votes:
                differences[email].append(score - (total - score) / (count - 1))
            continue
        own_total: Counter[str] = Counter()
        own_count: Counter[str] = Counter()
        for email, score, _ in loop_votes:
            own_total[email] += score
            own_count[email] += 1
        for email, score, _ in loop_votes:
            others = count - own_count[email]
            if others:
                differences[email].append(score - (total - own_total[email]) / others)
    return differences


def decision_agreements(
    by_loop: Mapping[int, Sequence[PanelVote]], outcomes: Mapping[int, Outcome | None]
) -> dict[str, list[bool]]:
    """Per interviewer: for each vote in a decided loop, whether it leaned the way it went."""
    agreements: defaultdict[str, list[bool]] = defaultdict(list)
    for loop_id, loop_votes in by_loop.items():
        outcome = outcomes.get(loop_id)
        if outcome is not None:
            for email, score, _ in loop_votes:
                agreements[email].append(agrees(score, outcome))
    return agreements


def rated_hires(loops: Iterable[LoopRow]) -> dict[int, int]:
    """Performance rating by loop, for hires whose performance has been rated."""
    return {
        loop.loop_id: loop.performance_rating
        for loop in loops
        if loop.outcome == "hire" and loop.performance_rating is not None
    }


def vote_performance(
    by_loop: Mapping[int, Sequence[PanelVote]], performance: Mapping[int, int]
) -> dict[str, Any]:
    """Pearson r between a hired loop's mean written vote and the hire's performance rating.

    A rated hire whose loop has no panel vote has nothing to correlate and is not counted.
    """
    mean_votes, ratings = [], []
    for loop_id, rating in performance.items():
        loop_votes = by_loop.get(loop_id)
        if loop_votes:
            mean_votes.append(math.fsum(score for _, score, _ in loop_votes) / len(loop_votes))
            ratings.append(rating)
    return {
        "hires_rated": len(ratings),
        "vote_performance_correlation": pearson(mean_votes, ratings),
    }


# -- interviewers -----------------------------------------------------------------------------


@dataclass(slots=True)
class InterviewerTally:
    """One interviewer's counts, gathered in a single pass over the interview rows."""

    name: str
    interviews: int = 0
    on_time: int = 0
    hours_to_submit: list[float] = field(default_factory=list)
    votes: Counter[int] = field(default_factory=Counter)
    final_votes: int = 0
    changed_votes: int = 0
    bar_raiser_answers: list[bool] = field(default_factory=list)
    vote_and_performance: list[tuple[int, int]] = field(default_factory=list)
    """(written vote, the hire's performance rating) for each vote in a rated hire's loop."""


def tally_interviewers(
    interviews: Iterable[InterviewRow], performance: Mapping[int, int]
) -> dict[str, InterviewerTally]:
    """Per panel interviewer: what they were assigned, submitted, voted, and when."""
    tallies: dict[str, InterviewerTally] = {}
    for row in interviews:
        if row.is_shadow:
            continue
        tally = tallies.get(row.interviewer_email)
        if tally is None:
            tally = tallies[row.interviewer_email] = InterviewerTally(row.interviewer_name)
        tally.interviews += 1
        if row.submitted_at is None:
            continue
        tally.on_time += row.submitted_at <= row.deadline
        tally.hours_to_submit.append((row.submitted_at - row.interview_end) / HOUR)
        if row.bar_raiser_answer is not None:
            tally.bar_raiser_answers.append(row.bar_raiser_answer)
        score = row.vote_score
        if score is None:
            continue
        tally.votes[score] += 1
        if row.final_vote_score is not None:
            tally.final_votes += 1
            tally.changed_votes += row.final_vote_score != score
        rating = performance.get(row.loop_id)
        if rating is not None:
            tally.vote_and_performance.append((score, rating))
    return tallies


def evidence_words(ratings: Iterable[RatingRow]) -> dict[str, list[int]]:
    """Per interviewer: words of evidence for each principle assigned on submitted feedback."""
    words: defaultdict[str, list[int]] = defaultdict(list)
    for rating in ratings:
        if rating.submitted and not rating.is_shadow:
            words[rating.interviewer_email].append(rating.evidence_words)
    return words


def interviewer_rows(
    interviews: Iterable[InterviewRow],
    by_loop: Mapping[int, Sequence[PanelVote]],
    ratings: Iterable[RatingRow],
    outcomes: Mapping[int, Outcome | None],
    performance: Mapping[int, int],
) -> list[dict[str, Any]]:
    """One row per panel interviewer, sorted by name then email, not yet flagged."""
    differences = leniency_differences(by_loop)
    agreements = decision_agreements(by_loop, outcomes)
    evidence = evidence_words(ratings)
    result = []
    for email, tally in tally_interviewers(interviews, performance).items():
        voted = tally.votes.total()
        leaning_hire = sum(n for score, n in tally.votes.items() if score >= LEANS_HIRE)
        submitted = len(tally.hours_to_submit)
        leniency, agreement = differences.get(email, []), agreements.get(email, [])
        words = evidence.get(email, [])
        answers = tally.bar_raiser_answers
        paired_votes = [vote for vote, _ in tally.vote_and_performance]
        paired_performance = [rating for _, rating in tally.vote_and_performance]
        result.append(
            {
                "email": email,
                "name": tally.name,
                "interviews": tally.interviews,
                "submitted": submitted,
                "votes": {name: tally.votes[score] for score, name in VOTE_NAMES.items()},
                "hire_lean": share(leaning_hire, voted),
                "leniency": mean_or_none(leniency),
                "leniency_n": len(leniency),
                "agreement_with_decision": share(sum(agreement), len(agreement)),
                "agreement_n": len(agreement),
                "on_time_rate": share(tally.on_time, submitted),
                "median_hours_to_submit": median_or_none(tally.hours_to_submit),
                "vote_change_rate": share(tally.changed_votes, tally.final_votes),
                "vote_change_n": tally.final_votes,
                "evidence_median_words": median_or_none(words),
                "evidence_rate": share(sum(count > 0 for count in words), len(words)),
                "raises_bar_rate": share(sum(answers), len(answers)),
                "hires_rated": len(paired_votes),
                "vote_performance_correlation": pearson(paired_votes, paired_performance),
                "flagged": False,
                "flag_reasons": [],
            }
        )
    result.sort(key=lambda row: (row["name"].casefold(), row["email"]))
    return result


# -- Bar Raisers, principles, adoption --------------------------------------------------------


def bar_raiser_rows(
    loops: Iterable[LoopRow], interviews: Iterable[InterviewRow], weeks: float
) -> list[dict[str, Any]]:
    """One row per Bar Raiser: debriefs, vetoes, latency to decision and workload."""
    last_feedback: dict[int, datetime] = {}
    for row in interviews:
        if row.is_shadow or row.submitted_at is None:
            continue
        previous = last_feedback.get(row.loop_id)
        if previous is None or row.submitted_at > previous:
            last_feedback[row.loop_id] = row.submitted_at
    by_bar_raiser: defaultdict[str, list[LoopRow]] = defaultdict(list)
    for loop in loops:
        by_bar_raiser[loop.bar_raiser_email].append(loop)
    result = []
    for email, own_loops in sorted(by_bar_raiser.items()):
        decided = [loop for loop in own_loops if loop.outcome is not None]
        vetoes = sum(loop.vetoed for loop in decided)
        latencies = [
            (loop.decided_at - last_feedback[loop.loop_id]) / HOUR
            for loop in decided
            if loop.decided_at is not None and loop.loop_id in last_feedback
        ]
        result.append(
            {
                "email": email,
                "name": own_loops[0].bar_raiser_name,
                "loops": len(own_loops),
                "debriefs": len(decided),
                "vetoes": vetoes,
                "veto_rate": share(vetoes, len(decided)),
                "median_hours_to_decision": median_or_none(latencies),
                "loops_per_week": len(own_loops) / weeks,
            }
        )
    return result


@dataclass(slots=True)
class PrincipleTally:
    """One principle's counts, gathered in a single pass over the rating rows."""

    assigned: int = 0
    ratings: Counter[int] = field(default_factory=Counter)
    agreed: int = 0
    judged: int = 0
    """Ratings in decided loops: the denominator of agreement with the decision."""


def principle_rows(
    ratings: Iterable[RatingRow], outcomes: Mapping[int, Outcome | None]
) -> list[dict[str, Any]]:
    """One row per principle assigned to a panel interview, sorted by name."""
    tallies: defaultdict[str, PrincipleTally] = defaultdict(PrincipleTally)
    for rating in ratings:
        if rating.is_shadow:
            continue
        tally = tallies[rating.principle_name]
        tally.assigned += 1
        if not rating.submitted or rating.rating is None:
            continue
        tally.ratings[rating.rating] += 1
        outcome = outcomes.get(rating.loop_id)
        if outcome is not None:
            tally.judged += 1
            tally.agreed += agrees(rating.rating, outcome)
    return [
        {
            "name": name,
            "assigned": tally.assigned,
            "ratings": {str(score): tally.ratings[score] for score in sorted(VOTE_NAMES)},
            "agreement_with_decision": share(tally.agreed, tally.judged),
            "agreement_n": tally.judged,
        }
        for name, tally in sorted(tallies.items())
    ]


def adoption(loops: Sequence[LoopRow], interviews: Iterable[InterviewRow]) -> dict[str, Any]:
    """Whether the tool is used as meant: certified Bar Raisers, timely and independent feedback."""
    opened = {loop.loop_id: loop.debrief_opened_at for loop in loops if loop.debrief_opened_at}
    all_in_before_debrief = dict.fromkeys(opened, True)
    panel = []
    for row in interviews:
        if row.is_shadow:
            continue
        panel.append(row)
        debrief = opened.get(row.loop_id)
        if debrief is not None and (row.submitted_at is None or row.submitted_at > debrief):
            all_in_before_debrief[row.loop_id] = False
    return {
        "bar_raiser_rate": share(sum(loop.bar_raiser_certified for loop in loops), len(loops)),
        "on_time_rate": on_time_rate(panel),
        "submitted_before_debrief_rate": share(
            sum(all_in_before_debrief.values()), len(all_in_before_debrief)
        ),
        "principle_coverage_rate": share(
            sum(loop.required_principles_covered for loop in loops), len(loops)
        ),
    }


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
    interviews: Sequence[InterviewRow],
    ratings: Sequence[RatingRow],
    trainees: Sequence[TraineeRow],
    *,
    flag_settings: FlagSettings = DEFAULT_FLAG_SETTINGS,
    period: tuple[datetime, datetime] | None = None,
) -> dict[str, Any]:
    """The calibration report as a JSON-able dict (the contract the views and exports rely on).

    The rows must already be restricted to the report's period and department or requisition;
    `period` only sets the weeks that Bar Raiser workload is divided by.
    """
    outcomes = {loop.loop_id: loop.outcome for loop in loops}
    by_loop = panel_votes_by_loop(interviews)
    alpha = panel_agreement(by_loop)
    performance = rated_hires(loops)
    weeks = report_weeks(loops, period)
    interviewers = interviewer_rows(interviews, by_loop, ratings, outcomes, performance)
    for row, reasons in zip(interviewers, flag_reasons(interviewers, flag_settings), strict=True):
        row["flagged"], row["flag_reasons"] = bool(reasons), reasons
    return {
        "loops": len(loops),
        "decided": sum(outcome is not None for outcome in outcomes.values()),
        "weeks": weeks,
        "flag_settings": asdict(flag_settings),
        "agreement": {"krippendorff_alpha_ordinal": alpha.value, "loops": alpha.units},
        "interviewers": interviewers,
        "bar_raisers": bar_raiser_rows(loops, interviews, weeks),
        "principles": principle_rows(ratings, outcomes),
        "adoption": adoption(loops, interviews),
        "vote_changes": vote_changes(by_loop),
        "outcomes": vote_performance(by_loop, performance),
        "bar_raisers_in_training": trainee_rows(trainees),
    }
