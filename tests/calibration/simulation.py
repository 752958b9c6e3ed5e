"""Simulated hiring histories with known interviewer severities, for the model's tests.

Each candidate (loop) has a true level and each interviewer a true severity (positive:
lenient); a written vote is the candidate's level plus the interviewer's severity plus noise,
rounded and held to the 1..4 scale. With `uneven`, panels are not drawn at random: lenient
interviewers mostly meet weak candidates and harsh ones strong candidates, as happens when
some interviewers screen the early, weaker pipeline. Raw leniency (vote minus the other
panelists' mean) then mistakes the candidates for the interviewer; the model should not.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from barraiser.calibration.metrics import build_report, microseconds, read_panel
from barraiser.calibration.rows import InterviewRow, LoopRow, Person, RatingCounts

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Simulated:
    loops: list[LoopRow]
    interviews: list[InterviewRow]
    people: dict[int, Person]
    severities: dict[int, float]
    """Each interviewer's true severity (vote points; positive = lenient), by id."""

    def report(self, **options) -> dict:
        return build_report(
            self.loops,
            read_panel(self.interviews),
            RatingCounts([], []),
            [],
            people=self.people,
            **options,
        )

    def severity_of(self, email: str) -> float:
        who = next(id_ for id_, person in self.people.items() if person.email == email)
        return self.severities[who]


def simulate(
    rng: random.Random,
    *,
    uneven: bool,
    interviewers: int = 30,
    loops: int = 600,
    panel: int = 4,
    severity_sd: float = 0.45,
    level_sd: float = 0.8,
    noise_sd: float = 0.5,
    steer: float = 3.0,
) -> Simulated:
    """A decided history (see module); `steer` is how strongly panels follow the candidate."""
    people = {
        id_: Person(f"i{id_}@example.com", f"I{id_:02d}") for id_ in range(1, interviewers + 1)
    }
    severities = {id_: rng.gauss(0, severity_sd) for id_ in people}
    loop_rows, interview_rows = [], []
    for loop_id in range(1, loops + 1):
        level = rng.gauss(0, level_sd)
        pool = list(people)
        if uneven:
            # Weights favour lenient interviewers for weak candidates and harsh for strong.
            weights = [math.exp(-steer * severities[who] * level) for who in pool]
        else:
            weights = [1.0] * len(pool)
        chosen: list[int] = []
        while len(chosen) < panel:
            who = rng.choices(pool, weights)[0]
            if who not in chosen:
                chosen.append(who)
        start = T0 + timedelta(hours=6 * loop_id)
        votes = []
        for seat, who in enumerate(chosen):
            raw = 2.5 + level + severities[who] + rng.gauss(0, noise_sd)
            vote = min(4, max(1, round(raw)))
            votes.append(vote)
            ends = start + timedelta(hours=seat + 1)
            interview_rows.append(
                InterviewRow(
                    loop_id=loop_id,
                    interviewer_id=who,
                    is_shadow=False,
                    ends_at=microseconds(ends),
                    submitted_at=microseconds(ends + timedelta(hours=2)),
                    on_time=True,
                    vote_score=vote,
                    final_vote_score=None,
                    bar_raiser_answer=None,
                )
            )
        hired = sum(votes) / len(votes) >= 2.5
        loop_rows.append(
            LoopRow(
                loop_id=loop_id,
                department="Payments",
                requisition="Engineer",
                bar_raiser_email="bea@example.com",
                bar_raiser_name="Bea",
                bar_raiser_certified=True,
                first_interview_at=start,
                debrief_opened_at=start + timedelta(hours=20),
                decided_at=start + timedelta(hours=24),
                outcome="hire" if hired else "no_hire",
                vetoed=False,
                performance_rating=None,
                required_principles_covered=True,
            )
        )
    return Simulated(loop_rows, interview_rows, people, severities)
