"""A deterministic synthetic hiring history, as rows of the import CSV (docs/import-format.md).

Used by the benchmark (bench/import_history.py) and by the demo organisation. Each candidate has a
latent quality; each interviewer sees it through their own bias (a few lenient, a few harsh, most
calibrated) and some noise, so the calibration report has something true to find. Some
interviewers are habitually late with feedback, trainees shadow now and then, about one hire
proposal in ten is vetoed, and hires decided long enough ago carry a performance rating that
follows the latent quality.

The same arguments always give the same rows: everything random comes from one seeded Random.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..domain import Vote
from ..history.row import COLUMNS
from ..principles.catalog import DEFAULT_PRINCIPLES

DEFAULT_END = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_START = DEFAULT_END - timedelta(days=365)

DEPARTMENTS = ("Payments", "Fulfilment", "Search", "Retail", "Logistics", "Devices")
TITLES = (
    "Software Development Engineer",
    "Senior Software Development Engineer",
    "Product Manager",
    "Data Scientist",
    "Engineering Manager",
    "Solutions Architect",
)
FIRST_NAMES = (
    "Alex", "Blake", "Carmen", "Dev", "Emeka", "Fatima", "Gus", "Hana", "Ivan", "Jo",
    "Kemal", "Lena", "Mateo", "Noor", "Olga", "Priya", "Quinn", "Rafael", "Sun", "Tomas",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Huang", "Ito",
    "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okoro", "Petrov", "Rossi", "Silva",
)  # fmt: skip

LENIENT_BIAS = 0.9
HARSH_BIAS = -0.9
SHADOW_RATE = 0.12
UNDECIDED_DAYS = 3  # loops this close to `end` are still waiting for their decision
PERFORMANCE_AFTER_DAYS = 180  # hires decided this long before `end` have been rated


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    department: str = ""


@dataclass(frozen=True)
class Staff:
    """Who may play which part in the generated loops. Bar raisers also interview on the panel;
    trainees only shadow."""

    hiring_managers: Sequence[Person]
    bar_raisers: Sequence[Person]
    interviewers: Sequence[Person]
    trainees: Sequence[Person] = ()


@dataclass(frozen=True)
class Trait:
    """How one interviewer behaves: bias added to the candidate's quality, chance of being late."""

    bias: float
    late_rate: float

    @property
    def kind(self) -> str:
        if self.bias >= LENIENT_BIAS / 2:
            return "lenient"
        if self.bias <= HARSH_BIAS / 2:
            return "harsh"
        return "calibrated"


def synthetic_staff(n_loops: int) -> Staff:
    """An organisation sized so each interviewer sits on about 150 loops, whatever n_loops."""
    n_interviewers = max(12, n_loops // 40)
    n_managers = max(3, n_loops // 200)
    n_bar_raisers = max(3, n_loops // 250)
    n_trainees = max(2, n_loops // 1000)

    def people(prefix: str, count: int) -> list[Person]:
        return [
            Person(
                email=f"{prefix}{number:04d}@example.com",
                name=f"{prefix.title()} {number:04d}",
                department=DEPARTMENTS[number % len(DEPARTMENTS)],
            )
            for number in range(1, count + 1)
        ]

    return Staff(
        hiring_managers=people("manager", n_managers),
        bar_raisers=people("raiser", n_bar_raisers),
        interviewers=people("interviewer", n_interviewers),
        trainees=people("trainee", n_trainees),
    )


def interviewer_traits(staff: Staff, *, seed: int) -> dict[str, Trait]:
    """Each panelist's bias and lateness: about a tenth lenient, a tenth harsh, an eighth late."""
    rng = random.Random(f"traits-{seed}")
    panelists = [*staff.interviewers, *staff.bar_raisers, *staff.trainees]
    emails = sorted({person.email for person in panelists})
    order = emails[:]
    rng.shuffle(order)
    tenth = max(1, round(len(order) / 10))
    lenient = set(order[:tenth])
    harsh = set(order[tenth : 2 * tenth])
    late = set(rng.sample(emails, max(1, round(len(emails) / 8))))
    traits = {}
    for email in emails:
        if email in lenient:
            bias = LENIENT_BIAS + rng.gauss(0, 0.1)
        elif email in harsh:
            bias = HARSH_BIAS + rng.gauss(0, 0.1)
        else:
            bias = rng.gauss(0, 0.12)
        traits[email] = Trait(bias=bias, late_rate=0.6 if email in late else 0.04)
    return traits


@dataclass(frozen=True)
class _Requisition:
    title: str
    department: str
    manager: Person
    required: tuple[str, ...]


def _requisitions(
    staff: Staff, principles: Sequence[str], rng: random.Random
) -> list[_Requisition]:
    """One or two requisitions per hiring manager, each requiring four or five principles.

    The import tells requisitions apart by title and department, so a title that comes round
    again in the same department gets a number: merged, two requisitions would require only the
    principles they share, often none, and principle coverage would go unmeasured."""
    requisitions = []
    seen: Counter[str] = Counter()
    for index, manager in enumerate(staff.hiring_managers):
        for offset in range(1 + index % 2):
            title = f"{TITLES[(index + offset) % len(TITLES)]} ({manager.department or 'General'})"
            seen[title] += 1
            requisitions.append(
                _Requisition(
                    title=title if seen[title] == 1 else f"{title} #{seen[title]}",
                    department=manager.department,
                    manager=manager,
                    required=tuple(rng.sample(principles, rng.randint(4, 5))),
                )
            )
    return requisitions


def _weekday_morning(moment: datetime) -> datetime:
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment.replace(hour=9, minute=0, second=0, microsecond=0)


def _vote(perceived: float) -> Vote:
    """The vote on the scale that principle ratings use: the same four steps."""
    return Vote.from_score(_rating(perceived))


def _rating(perceived: float) -> int:
    return 4 if perceived >= 0.9 else 3 if perceived >= 0 else 2 if perceived >= -0.9 else 1


def generate_history(
    n_loops: int,
    *,
    seed: int = 0,
    start: datetime = DEFAULT_START,
    end: datetime = DEFAULT_END,
    people: Staff | None = None,
    principles: Sequence[str] | None = None,
    undecided_days: int = UNDECIDED_DAYS,
) -> Iterator[dict[str, str]]:
    """Rows of the import CSV for `n_loops` loops spread from `start` to `end`, oldest first.

    `people` names who plays each part (the demo passes its own organisation); by default a
    synthetic organisation sized to n_loops. Every row is a dict over the import COLUMNS.
    """
    staff = people or synthetic_staff(n_loops)
    if not staff.hiring_managers or not staff.bar_raisers or len(staff.interviewers) < 3:
        raise ValueError("need hiring managers, bar raisers and at least three interviewers")
    principles = list(principles or [name for name, _ in DEFAULT_PRINCIPLES])
    rng = random.Random(f"history-{seed}")
    traits = interviewer_traits(staff, seed=seed)
    requisitions = _requisitions(staff, principles, rng)
    span = end - start
    for number in range(n_loops):
        day = _weekday_morning(start + span * (number + rng.random()) / max(n_loops, 1))
        if day >= end:
            day = _weekday_morning(end - timedelta(days=3))
        yield from _loop_rows(
            number,
            day,
            rng,
            staff,
            traits,
            requisitions,
            principles,
            seed=seed,
            end=end,
            undecided_days=undecided_days,
        )


def _loop_rows(
    number: int,
    day: datetime,
    rng: random.Random,
    staff: Staff,
    traits: dict[str, Trait],
    requisitions: Sequence[_Requisition],
    principles: Sequence[str],
    *,
    seed: int,
    end: datetime,
    undecided_days: int,
) -> Iterator[dict[str, str]]:
    requisition = rng.choice(requisitions)
    manager = requisition.manager
    outside = [
        person
        for person in staff.bar_raisers
        if person.email != manager.email and person.department != requisition.department
    ]
    bar_raiser = rng.choice(
        outside or [p for p in staff.bar_raisers if p.email != manager.email] or staff.bar_raisers
    )
    if bar_raiser.email == manager.email:
        raise ValueError("a bar raiser other than the hiring manager is needed")
    candidates = [
        person
        for person in staff.interviewers
        if person.email not in {manager.email, bar_raiser.email}
    ]
    others = rng.sample(candidates, min(len(candidates), rng.randint(3, 5)))
    panel = [bar_raiser, *others]
    rng.shuffle(panel)

    # Required principles go round the panel; anyone left without one probes an extra principle.
    assigned: list[list[str]] = [[] for _ in panel]
    for index, name in enumerate(requisition.required):
        assigned[index % len(panel)].append(name)
    extras = [name for name in principles if name not in requisition.required]
    for names in assigned:
        if not names:
            names.append(extras.pop(rng.randrange(len(extras))))

    quality = rng.gauss(-0.2, 1.0)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    loop_rows = []
    scores = {}
    latest = day
    for slot, (person, names) in enumerate(zip(panel, assigned, strict=True)):
        starts_at = day + timedelta(hours=slot + (1 if slot >= 3 else 0))  # lunch after three
        interview = _interview(person, names, starts_at, quality, traits[person.email], rng)
        scores[person.email] = Vote(interview["vote"]).score
        latest = max(latest, datetime.fromisoformat(interview["submitted_at"]))
        loop_rows.append(interview)
    on_loop = {manager.email, *(person.email for person in panel)}
    shadowing = [person for person in staff.trainees if person.email not in on_loop]
    if shadowing and rng.random() < SHADOW_RATE:
        trainee = rng.choice(shadowing)
        sitting_in = loop_rows[panel.index(bar_raiser)]
        shadow = _interview(
            trainee,
            sitting_in["principles"].split("|"),
            datetime.fromisoformat(sitting_in["interview_at"]),
            quality,
            traits[trainee.email],
            rng,
        )
        shadow["shadow"] = "true"
        loop_rows.append(shadow)

    decision = vetoed = decided_at = performance = ""
    if day < end - timedelta(days=undecided_days):
        mean = sum(scores.values()) / len(scores)
        proposes_hire = mean >= 2.75
        # The Bar Raiser vetoes mostly when their own interview went badly.
        veto_chance = 0.5 if scores[bar_raiser.email] <= 2 else 0.06
        vetoed_loop = proposes_hire and rng.random() < veto_chance
        decision = "hire" if proposes_hire and not vetoed_loop else "no_hire"
        vetoed = "true" if vetoed_loop else "false"
        decided = latest + timedelta(minutes=rng.randint(60, 30 * 60))
        decided_at = decided.isoformat()
        rated = decided + timedelta(days=PERFORMANCE_AFTER_DAYS) <= end
        if decision == "hire" and rated and rng.random() < 0.7:
            performance = str(max(1, min(5, round(3 + 0.9 * quality + rng.gauss(0, 0.6)))))

    loop_fields = {
        "loop_ref": f"H{seed}-{number + 1:06d}",
        "candidate_name": f"{first} {last}",
        "candidate_email": f"{first}.{last}.{seed}.{number + 1}@example.org".lower(),
        "requisition": requisition.title,
        "department": requisition.department,
        "hiring_manager_email": manager.email,
        "bar_raiser_email": bar_raiser.email,
        "decision": decision,
        "vetoed": vetoed,
        "decided_at": decided_at,
        "performance": performance,
    }
    for row in loop_rows:
        row.update(loop_fields)
        yield {column: row.get(column, "") for column in COLUMNS}


def _interview(
    person: Person,
    names: Sequence[str],
    starts_at: datetime,
    quality: float,
    trait: Trait,
    rng: random.Random,
) -> dict[str, str]:
    perceived = quality + trait.bias + rng.gauss(0, 0.55)
    ratings = [
        f"{name}={_rating(quality + trait.bias + rng.gauss(0, 0.7))}"
        for name in names
        if rng.random() >= 0.05  # now and then a principle went unrated
    ]
    ends_at = starts_at + timedelta(minutes=60)
    if rng.random() < trait.late_rate:
        delay = timedelta(minutes=rng.randint(26 * 60, 96 * 60))
    else:
        delay = timedelta(minutes=rng.randint(30, 20 * 60))
    return {
        "interviewer_email": person.email,
        "interviewer_name": person.name,
        "interview_at": starts_at.isoformat(),
        "interview_minutes": "60",
        "principles": "|".join(names),
        "ratings": "|".join(ratings),
        "vote": _vote(perceived).value,
        "raises_bar": "true" if perceived >= 0.6 else "false",
        "submitted_at": (ends_at + delay).isoformat(),
        "shadow": "false",
    }


def history_csv_bytes(n_loops: int, *, seed: int = 0, **options) -> bytes:
    """The generated history as the bytes of a UTF-8 CSV file, for an in-process import."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(generate_history(n_loops, seed=seed, **options))
    return buffer.getvalue().encode("utf-8")


def write_history_csv(path: Path | str, n_loops: int, *, seed: int = 0, **options) -> int:
    """Write the generated history to `path` as UTF-8 CSV; returns the number of rows."""
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        for row in generate_history(n_loops, seed=seed, **options):
            writer.writerow(row)
            rows += 1
    return rows
