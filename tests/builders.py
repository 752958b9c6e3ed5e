"""Builds valid domain objects straight from the models, for tests of the slices downstream of
loops (feedback, debrief, calibration) that need a loop in a given state and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from barraiser.auth.models import BarRaiserStatus, Role, User, UserRole
from barraiser.candidates.models import Candidate
from barraiser.domain import LoopState
from barraiser.extensions import db
from barraiser.loops.models import Interview, InterviewPrinciple, Loop
from barraiser.principles.models import Principle
from barraiser.requisitions.models import Requisition


@dataclass
class BuiltLoop:
    loop: Loop
    hiring_manager: User
    bar_raiser: User
    interviewers: list[User]  # panel members in interview order, the Bar Raiser included
    shadow: User | None

    @property
    def panel(self) -> list[Interview]:
        return self.loop.panel


def _user(
    email: str,
    *,
    department: str,
    level: int,
    password_hash: str | None,
    now: datetime,
    status: BarRaiserStatus = BarRaiserStatus.NONE,
    roles: tuple[Role, ...] = (),
) -> User:
    existing = db.session.scalar(sa.select(User).where(User.email == email))
    if existing is not None:
        return existing
    user = User(
        email=email,
        name=email.split("@")[0].replace(".", " ").title(),
        department=department,
        level=level,
        password_hash=password_hash,
        bar_raiser_status=status,
        certified_at=now if status is BarRaiserStatus.CERTIFIED else None,
        created_at=now,
        active=True,
    )
    user.role_rows = [UserRole(role=role) for role in roles]
    db.session.add(user)
    return user


def build_loop(
    *,
    now: datetime,
    password_hash: str | None,
    panel_size: int = 4,
    starts_at: datetime | None = None,
    state: LoopState = LoopState.SCHEDULED,
    with_shadow: bool = False,
    tag: str = "",
) -> BuiltLoop:
    """A valid loop: a Payments requisition at level 6 requiring `panel_size` principles, a
    hiring manager (level 7), a certified Bar Raiser from Logistics who holds the first interview,
    and `panel_size - 1` more interviewers, one principle each, one hour apart.

    Users are named by `tag` so several loops can share or separate their people.
    """
    starts_at = starts_at or now + timedelta(days=1)
    principles = list(
        db.session.scalars(
            sa.select(Principle).where(Principle.retired_at.is_(None)).order_by(Principle.position)
        )
    )
    required = principles[:panel_size]
    manager = _user(
        f"hm{tag}@example.com",
        department="Payments",
        level=7,
        password_hash=password_hash,
        now=now,
        roles=(Role.HIRING_MANAGER,),
    )
    bar_raiser = _user(
        f"br{tag}@example.com",
        department="Logistics",
        level=7,
        password_hash=password_hash,
        now=now,
        status=BarRaiserStatus.CERTIFIED,
    )
    others = [
        _user(
            f"panel{index}{tag}@example.com",
            department="Payments",
            level=6,
            password_hash=password_hash,
            now=now,
        )
        for index in range(1, panel_size)
    ]
    shadow = (
        _user(
            f"brit{tag}@example.com",
            department="Retail",
            level=6,
            password_hash=password_hash,
            now=now,
            status=BarRaiserStatus.IN_TRAINING,
        )
        if with_shadow
        else None
    )
    requisition = Requisition(
        title=f"Senior Engineer{tag}",
        level=6,
        department="Payments",
        hiring_manager=manager,
        created_at=now,
    )
    requisition.required_principles = list(required)
    candidate = Candidate(
        name=f"Casey Candidate{tag}",
        email=f"casey{tag}@example.org",
        source="referral",
        notes="",
        created_at=now,
    )
    loop = Loop(
        candidate=candidate,
        requisition=requisition,
        hiring_manager=manager,
        bar_raiser=bar_raiser,
        state=state,
        created_at=now,
        first_interview_at=starts_at,
        cancel_reason="cancelled for the test" if state is LoopState.CANCELLED else None,
    )
    panel = [bar_raiser, *others]
    for index, (person, principle) in enumerate(zip(panel, required, strict=True)):
        interview = Interview(
            interviewer=person, starts_at=starts_at + timedelta(hours=index), duration_minutes=60
        )
        interview.assignments = [InterviewPrinciple(principle=principle, position=0)]
        loop.interviews.append(interview)
    if shadow is not None:
        interview = Interview(
            interviewer=shadow, starts_at=starts_at, duration_minutes=60, is_shadow=True
        )
        interview.assignments = [InterviewPrinciple(principle=required[0], position=0)]
        loop.interviews.append(interview)
    db.session.add(loop)
    db.session.commit()
    return BuiltLoop(
        loop=loop, hiring_manager=manager, bar_raiser=bar_raiser, interviewers=panel, shadow=shadow
    )
