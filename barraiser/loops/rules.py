"""The rules a loop's panel must keep, checked in one place for the web form, CLI and importer.

`validate_panel` returns every problem at once (field and message), so a form can show each one
next to the field it concerns, and an importer can report them all for a row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

import sqlalchemy as sa

from ..auth.models import BarRaiserStatus, User
from ..domain import LoopState
from ..errors import RuleViolation
from ..extensions import db
from ..principles.models import Principle
from ..requisitions.models import Requisition
from ..requisitions.rules import hiring_manager_problem
from ..settings.services import current_settings
from ..zones import format_local
from .models import Interview, Loop

MIN_PRINCIPLES = 1
MAX_PRINCIPLES = 3
MAX_DURATION_MINUTES = 480
DEFAULT_DURATION_MINUTES = 60


@dataclass(frozen=True)
class InterviewPlan:
    """One interview as the recruiter asks for it."""

    interviewer_id: int
    starts_at: datetime
    duration_minutes: int = DEFAULT_DURATION_MINUTES
    principle_ids: tuple[int, ...] = ()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class PanelPlan:
    """Who leads and who interviews. The shadow sits in on the Bar Raiser's interview: same time,
    same principles, no vote. Usually the shadow is a Bar Raiser in training; in a *reverse
    shadow* a trainee leads (bar_raiser_id) and the shadow is a certified Bar Raiser, who holds
    the veto."""

    bar_raiser_id: int | None
    interviews: tuple[InterviewPlan, ...]
    hiring_manager_id: int | None = None  # None: the requisition's hiring manager
    shadow_id: int | None = None


@dataclass(frozen=True)
class Problem:
    """A broken rule: `field` names a loop field, or an interview's field when `interview` is the
    index of that interview in the plan."""

    field: str
    message: str
    interview: int | None = None

    @property
    def key(self) -> str:
        """The WTForms-style name of the field (e.g. 'interviews-2-starts_at')."""
        return self.field if self.interview is None else f"interviews-{self.interview}-{self.field}"


class PanelInvalid(RuleViolation):
    """The panel breaks one or more rules; `problems` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        summary = " ".join(problem.message for problem in problems)
        super().__init__(summary, field=problems[0].key if problems else None)


@dataclass
class _Context:
    requisition: Requisition
    panel: PanelPlan
    users: dict[int, User]
    principles: dict[int, Principle]
    problems: list[Problem] = field(default_factory=list)
    zone: str | None = None  # the zone the messages name times in (whoever asked)

    def when(self, moment: datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
        return format_local(moment, self.zone, pattern)

    def add(self, field_name: str, message: str, interview: int | None = None) -> None:
        self.problems.append(Problem(field_name, message, interview))

    def user(self, user_id: int | None) -> User | None:
        user = self.users.get(user_id) if user_id is not None else None
        return user if user is not None and user.active else None


# Rules over plain values, shared by the panel editor (through validate_panel) and the history
# importer, which names people by email and places problems on the file's lines.


def duration_problem(minutes: int) -> str | None:
    """Why an interview cannot last `minutes`, or None."""
    if 0 < minutes <= MAX_DURATION_MINUTES:
        return None
    return f"An interview lasts 1 to {MAX_DURATION_MINUTES} minutes."


def repeated_interviewers(people: Sequence[Hashable]) -> dict[int, int]:
    """One seat per person on a loop: for every seat (an index into `people`, everyone who sits in
    on the loop, a shadow included) taken by someone already seated, the index of their first."""
    first: dict[Hashable, int] = {}
    repeats: dict[int, int] = {}
    for index, person in enumerate(people):
        earlier = first.setdefault(person, index)
        if earlier != index:
            repeats[index] = earlier
    return repeats


def repeated_interviewer_problem(name: str) -> str:
    """The message for a seat taken by `name`, who already holds one on the loop."""
    return f"{name} already holds an interview on this loop; pick someone else for this one."


def bar_raiser_interview_problem(
    name: str, bar_raiser: Hashable, interviewers: Iterable[Hashable]
) -> str | None:
    """The Bar Raiser also interviews: `interviewers` are the panel's (a shadow's seat is not an
    interview of the panel), and `name` is the Bar Raiser's, for the message."""
    if bar_raiser in set(interviewers):
        return None
    return f"{name} must also hold an interview: add them to the panel."


# --- who may lead a loop as its Bar Raiser ------------------------------------------------------
# One rule, written once per part in Python (validate_panel's refusals, with their words) and in
# SQL (the suggestions' and the panel form's lists), side by side so that they cannot drift; a
# test checks that they agree on a matrix of people.


def department_key(department: str) -> str:
    """A department as compared: spaces around it and letter case do not count. In SQL,
    lower(trim(department)); SQLite's lower() folds ASCII letters only, and department names
    are plain words."""
    return department.strip().lower()


@dataclass(frozen=True)
class Requirement:
    """One part of an eligibility rule: whether a user meets it, the same in SQL over `User`, and
    why not in words."""

    holds: Callable[[User], bool]
    clause: sa.ColumnElement[bool]
    refusal: Callable[[User], str]


# Who is a Bar Raiser at all, whatever the loop: the panel form offers these.
BAR_RAISER_STANDING = (
    Requirement(
        lambda user: user.active,
        User.active.is_(True),
        lambda user: "That Bar Raiser is not an active user; pick another.",
    ),
    Requirement(
        lambda user: user.bar_raiser_status is BarRaiserStatus.CERTIFIED,
        User.bar_raiser_status == BarRaiserStatus.CERTIFIED,
        lambda user: (
            f"{user.name} is not a certified Bar Raiser; pick a certified one "
            "(an admin certifies Bar Raisers)."
        ),
    ),
)


def bar_raiser_requirements(
    requisition: Requisition | None, *, hiring_manager_id: int | None
) -> tuple[Requirement, ...]:
    """Who may lead a loop on `requisition` (None: on any requisition) as its Bar Raiser: a
    certified, active Bar Raiser, not the loop's hiring manager, from outside the requisition's
    department, and senior enough to interview for it."""
    if requisition is None:
        return BAR_RAISER_STANDING
    department = department_key(requisition.department)
    minimum_level = requisition.level - 1
    return (
        *BAR_RAISER_STANDING,
        Requirement(
            lambda user: user.id != hiring_manager_id,
            User.id != hiring_manager_id,
            lambda user: f"{user.name} is the hiring manager; the Bar Raiser must be someone else.",
        ),
        Requirement(
            lambda user: department_key(user.department) != department,
            sa.func.lower(sa.func.trim(User.department)) != department,
            lambda user: (
                f"{user.name} works in {requisition.department}, the requisition's department; "
                f"pick a Bar Raiser from outside {requisition.department}."
            ),
        ),
        Requirement(
            lambda user: user.level >= minimum_level,
            User.level >= minimum_level,
            lambda user: (
                f"{user.name} is level {user.level}; a Bar Raiser for this "
                f"level-{requisition.level} role must be level {minimum_level} or above."
            ),
        ),
    )


def bar_raiser_refusals(
    user: User, requisition: Requisition | None, *, hiring_manager_id: int | None
) -> list[str]:
    """Why `user` may not lead a loop on `requisition` as its Bar Raiser; empty when they may."""
    return [
        requirement.refusal(user)
        for requirement in bar_raiser_requirements(requisition, hiring_manager_id=hiring_manager_id)
        if not requirement.holds(user)
    ]


def may_lead_as_bar_raiser(
    user: User, requisition: Requisition | None, *, hiring_manager_id: int | None
) -> bool:
    return not bar_raiser_refusals(user, requisition, hiring_manager_id=hiring_manager_id)


def may_lead_as_bar_raiser_clause(
    requisition: Requisition | None, *, hiring_manager_id: int | None
) -> sa.ColumnElement[bool]:
    """SQL twin of may_lead_as_bar_raiser, over `User`."""
    requirements = bar_raiser_requirements(requisition, hiring_manager_id=hiring_manager_id)
    return sa.and_(*(requirement.clause for requirement in requirements))


def may_lead_as_trainee_clause(
    requisition: Requisition | None, *, hiring_manager_id: int | None
) -> sa.ColumnElement[bool]:
    """Who may lead a loop on `requisition` as a Bar Raiser in training (under a certified
    shadow): every rule for a Bar Raiser but certification, over `User`."""
    requirements = bar_raiser_requirements(requisition, hiring_manager_id=hiring_manager_id)
    return sa.and_(
        User.bar_raiser_status == BarRaiserStatus.IN_TRAINING,
        *(requirement.clause for requirement in requirements if requirement is not CERTIFICATION),
    )


def trainee_leads(lead: User | None) -> bool:
    """Whether a panel led by `lead` is a reverse shadow: a Bar Raiser in training leads, and a
    certified Bar Raiser shadows them and holds the veto."""
    return lead is not None and lead.bar_raiser_status is BarRaiserStatus.IN_TRAINING


CERTIFICATION = CERTIFICATION_REFUSED = BAR_RAISER_STANDING[1]


def validate_panel(
    requisition: Requisition,
    panel: PanelPlan,
    *,
    loop: Loop | None = None,
    zone: str | None = None,
) -> list[Problem]:
    """Every rule the panel breaks for a loop on `requisition`; empty when it is valid.

    `loop` is the loop being changed, if any: its own interviews do not clash with the plan.
    `zone` is the one the messages name times in (UTC when None).
    """
    ids = {panel.bar_raiser_id, panel.shadow_id, panel.hiring_manager_id}
    ids.update(interview.interviewer_id for interview in panel.interviews)
    ids.discard(None)
    users = {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    principle_ids = {pid for interview in panel.interviews for pid in interview.principle_ids}
    principles = {
        principle.id: principle
        for principle in db.session.scalars(
            sa.select(Principle).where(Principle.id.in_(principle_ids))
        )
    }
    context = _Context(requisition, panel, users, principles, zone=zone)
    hiring_manager_id = panel.hiring_manager_id or requisition.hiring_manager_id
    if panel.hiring_manager_id is not None:
        problem = hiring_manager_problem(context.user(panel.hiring_manager_id))
        if problem:
            context.add("hiring_manager_id", problem)
    _check_bar_raiser(context, hiring_manager_id)
    _check_interviewers(context)
    _check_principles(context)
    _check_shadow(context, hiring_manager_id)
    _check_times(context, loop)
    return context.problems


def _check_bar_raiser(context: _Context, hiring_manager_id: int) -> None:
    panel, requisition = context.panel, context.requisition
    if panel.bar_raiser_id is None:
        context.add("bar_raiser_id", "Pick the loop's Bar Raiser.")
        return
    bar_raiser = context.users.get(panel.bar_raiser_id)
    if bar_raiser is None:
        context.add("bar_raiser_id", "That Bar Raiser is not an active user; pick another.")
        return
    refusals = bar_raiser_refusals(bar_raiser, requisition, hiring_manager_id=hiring_manager_id)
    if trainee_leads(bar_raiser):
        # A trainee may lead under a certified shadow (checked with the shadow); every other
        # rule for a Bar Raiser holds for them as it does for the certified one.
        refusals.remove(CERTIFICATION_REFUSED.refusal(bar_raiser))
    if not bar_raiser.active:
        # Nothing else about someone who cannot take part is worth reading.
        context.add("bar_raiser_id", refusals[0])
        return
    for refusal in refusals:
        context.add("bar_raiser_id", refusal)
    problem = bar_raiser_interview_problem(
        bar_raiser.name, bar_raiser.id, (plan.interviewer_id for plan in panel.interviews)
    )
    if problem:
        context.add("bar_raiser_id", problem)


def _check_interviewers(context: _Context) -> None:
    panel, requisition = context.panel, context.requisition
    if not panel.interviews:
        context.add("interviews", "Add the panel's interviews: at least the Bar Raiser's.")
    minimum_level = requisition.level - 1
    # The shadow takes the first seat, so an interview of theirs is a second one.
    shadow = () if panel.shadow_id is None else (panel.shadow_id,)
    repeats = repeated_interviewers([*shadow, *(plan.interviewer_id for plan in panel.interviews)])
    for index, plan in enumerate(panel.interviews):
        interviewer = context.user(plan.interviewer_id)
        if interviewer is None:
            context.add("interviewer_id", "Pick an active interviewer.", index)
            continue
        if index + len(shadow) in repeats:
            context.add("interviewer_id", repeated_interviewer_problem(interviewer.name), index)
        if interviewer.level < minimum_level:
            context.add(
                "interviewer_id",
                f"{interviewer.name} is level {interviewer.level}; interviewers for this "
                f"level-{requisition.level} role must be level {minimum_level} or above. "
                "Pick someone more senior.",
                index,
            )


def _check_principles(context: _Context) -> None:
    panel, requisition = context.panel, context.requisition
    allow_overlap = current_settings().allow_principle_overlap
    holder: dict[int, int] = {}  # principle id → index of the first interview probing it
    for index, plan in enumerate(panel.interviews):
        count = len(set(plan.principle_ids))
        if count < MIN_PRINCIPLES:
            context.add("principle_ids", "Assign one to three principles to this interview.", index)
        elif count > MAX_PRINCIPLES:
            context.add(
                "principle_ids",
                f"Assign at most three principles to this interview (it has {count}).",
                index,
            )
        for principle_id in dict.fromkeys(plan.principle_ids):
            principle = context.principles.get(principle_id)
            if principle is None:
                context.add("principle_ids", "Pick principles from the catalog.", index)
                continue
            if principle.retired:
                context.add(
                    "principle_ids", f"{principle.name} is retired; pick a principle in use.", index
                )
            first = holder.setdefault(principle_id, index)
            if first != index and not allow_overlap:
                other = context.users.get(panel.interviews[first].interviewer_id)
                owner = f"{other.name}'s interview" if other else "another interview"
                context.add(
                    "principle_ids",
                    f"{principle.name} is already assigned to {owner}; give each principle to "
                    "one interview (an admin can allow overlap in the settings).",
                    index,
                )
    missing = [p.name for p in requisition.required_principles if p.id not in holder]
    if missing and panel.interviews:
        context.add(
            "interviews",
            f"No interview covers {_names(missing)}, which the requisition requires; "
            "assign each to an interview.",
        )


def _names(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _check_shadow(context: _Context, hiring_manager_id: int) -> None:
    panel = context.panel
    if panel.shadow_id is None:
        lead = context.user(panel.bar_raiser_id)
        if trainee_leads(lead):
            assert lead is not None
            context.add(
                "shadow_id",
                f"{lead.name} is a Bar Raiser in training: they lead a loop only with a "
                "certified Bar Raiser as shadow, who holds the veto. Pick one as shadow.",
            )
        return
    shadow = context.user(panel.shadow_id)
    if shadow is None:
        context.add("shadow_id", "That shadow is not an active user; pick another.")
        return
    lead = context.user(panel.bar_raiser_id)
    if trainee_leads(lead):
        # Reverse shadow: the shadow holds the veto, so they must be able to lead the loop.
        for refusal in bar_raiser_refusals(
            shadow, context.requisition, hiring_manager_id=hiring_manager_id
        ):
            context.add("shadow_id", f"The shadow of a trainee-led loop holds its veto: {refusal}")
        if shadow.id == panel.bar_raiser_id:
            context.add("shadow_id", f"{shadow.name} already leads this loop; pick another.")
        return
    if shadow.bar_raiser_status is not BarRaiserStatus.IN_TRAINING:
        context.add(
            "shadow_id",
            f"{shadow.name} is not a Bar Raiser in training; only a trainee can shadow.",
        )
    if shadow.id in (hiring_manager_id, panel.bar_raiser_id):
        context.add(
            "shadow_id", f"{shadow.name} already has a role on this loop; pick another trainee."
        )
    if shadow.level < context.requisition.level - 1:
        context.add(
            "shadow_id",
            f"{shadow.name} is level {shadow.level}; a shadow for this "
            f"level-{context.requisition.level} role must be level "
            f"{context.requisition.level - 1} or above.",
        )


def shadow_slot(panel: PanelPlan) -> InterviewPlan | None:
    """The shadow's interview: the Bar Raiser's slot and principles, or None without a shadow."""
    if panel.shadow_id is None:
        return None
    for plan in panel.interviews:
        if plan.interviewer_id == panel.bar_raiser_id:
            return InterviewPlan(
                panel.shadow_id, plan.starts_at, plan.duration_minutes, plan.principle_ids
            )
    return None


def _check_times(context: _Context, loop: Loop | None) -> None:
    """Nobody is in two interviews at once (across loops), and the candidate neither."""
    panel = context.panel
    slots: list[tuple[int | None, InterviewPlan]] = list(enumerate(panel.interviews))
    for index, plan in slots:
        if plan.starts_at.tzinfo is None:
            context.add("starts_at", "Give the start time in UTC.", index)
            return
        problem = duration_problem(plan.duration_minutes)
        if problem:
            context.add("duration_minutes", problem, index)
            return
    ordered = sorted(slots, key=lambda slot: slot[1].starts_at)
    for (_, earlier), (index, later) in pairwise(ordered):
        if later.starts_at < earlier.ends_at:
            context.add(
                "starts_at",
                f"This interview starts before the one at {context.when(earlier.starts_at)} ends; "
                "the candidate can be in one interview at a time.",
                index,
            )
    shadow = shadow_slot(panel)
    if shadow is not None:
        slots.append((None, shadow))
    if not slots:
        return
    start = min(plan.starts_at for _, plan in slots) - timedelta(minutes=MAX_DURATION_MINUTES)
    end = max(plan.ends_at for _, plan in slots)
    query = (
        sa.select(Interview)
        .join(Loop, Loop.id == Interview.loop_id)
        .where(
            Interview.interviewer_id.in_({plan.interviewer_id for _, plan in slots}),
            Interview.starts_at >= start,
            Interview.starts_at < end,
            Loop.state != LoopState.CANCELLED,
        )
    )
    if loop is not None and loop.id is not None:
        query = query.where(Interview.loop_id != loop.id)
    booked = list(db.session.scalars(query))
    for index, plan in slots:
        for other in booked:
            if (
                other.interviewer_id == plan.interviewer_id
                and other.starts_at < plan.ends_at
                and plan.starts_at < other.ends_at
            ):
                person = context.users.get(plan.interviewer_id)
                name = person.name if person else "This interviewer"
                message = (
                    f"{name} has another interview from {context.when(other.starts_at)} to "
                    f"{context.when(other.ends_at, '%H:%M')}; pick a time that does not overlap."
                )
                if index is None:
                    context.add("shadow_id", message)
                else:
                    context.add("starts_at", message, index)
                break


def scheduling_problems(
    panel: PanelPlan, *, now: datetime, min_panel_size: int, past_confirmed: bool
) -> list[Problem]:
    """What keeps a valid panel from being scheduled now: fewer interviews than the minimum (the
    Bar Raiser's counts, a shadow's does not), or interviews already past that the recruiter has
    not confirmed (a loop entered after the fact, say)."""
    problems: list[Problem] = []
    count = len(panel.interviews)
    if count < min_panel_size:
        problems.append(
            Problem(
                "interviews",
                f"A loop needs at least {min_panel_size} interviews, the Bar Raiser's included, "
                f"before it can be scheduled; this one has {count}. Add interviewers.",
            )
        )
    past = sum(1 for plan in panel.interviews if plan.starts_at < now)
    if past and not past_confirmed:
        what = (
            "Every interview of this loop is"
            if past == count
            else f"{past} of the loop's {count} interviews {'is' if past == 1 else 'are'}"
        )
        problems.append(
            Problem(
                "confirm_past",
                f"{what} in the past. Tick the box to confirm they were held as planned, "
                "or move them.",
            )
        )
    return problems
