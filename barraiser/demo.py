"""The demo organisation: people in every role, so a newcomer can walk the mechanism end to end."""

from __future__ import annotations

from datetime import datetime

from .auth.models import BarRaiserStatus, Role
from .auth.services import create_user, set_bar_raiser_status

# (email, name, department, level, roles, bar raiser status, what they are for)
DEMO_PEOPLE: tuple[tuple[str, str, str, int, tuple[Role, ...], BarRaiserStatus, str], ...] = (
    (
        "admin@example.com",
        "Ada Admin",
        "People",
        7,
        (Role.ADMIN,),
        BarRaiserStatus.NONE,
        "admin: users, principles, settings, audit",
    ),
    (
        "recruiter@example.com",
        "Rita Recruiter",
        "Talent",
        5,
        (Role.RECRUITER,),
        BarRaiserStatus.NONE,
        "recruiter: requisitions, candidates, loops",
    ),
    (
        "hm@example.com",
        "Hugo Manager",
        "Payments",
        7,
        (Role.HIRING_MANAGER,),
        BarRaiserStatus.NONE,
        "hiring manager (Payments)",
    ),
    (
        "br@example.com",
        "Bea Raiser",
        "Logistics",
        7,
        (),
        BarRaiserStatus.CERTIFIED,
        "certified Bar Raiser (Logistics)",
    ),
    (
        "brit@example.com",
        "Brit Trainee",
        "Retail",
        6,
        (),
        BarRaiserStatus.IN_TRAINING,
        "Bar Raiser in training (Retail)",
    ),
    (
        "inspector@example.com",
        "Iris Inspector",
        "Hiring Committee",
        8,
        (Role.INSPECTOR,),
        BarRaiserStatus.NONE,
        "inspector: calibration report",
    ),
    ("ana@example.com", "Ana Alvarez", "Payments", 6, (), BarRaiserStatus.NONE, "interviewer"),
    ("ben@example.com", "Ben Brooks", "Payments", 6, (), BarRaiserStatus.NONE, "interviewer"),
    ("chen@example.com", "Chen Wei", "Payments", 5, (), BarRaiserStatus.NONE, "interviewer"),
    ("dara@example.com", "Dara Okafor", "Fulfilment", 6, (), BarRaiserStatus.NONE, "interviewer"),
    ("eli@example.com", "Eli Novak", "Fulfilment", 7, (), BarRaiserStatus.NONE, "interviewer"),
    ("farah@example.com", "Farah Haddad", "Search", 6, (), BarRaiserStatus.NONE, "interviewer"),
)


def build_demo_organisation(*, password: str, now: datetime) -> list[tuple[str, str]]:
    """Create the demo people; returns (email, what the account is for) for the welcome text."""
    created = {}
    for email, name, department, level, roles, _status, _ in DEMO_PEOPLE:
        created[email] = create_user(
            email=email,
            name=name,
            department=department,
            level=level,
            roles=roles,
            password=password,
            actor=None,
            now=now,
        )
    admin = created["admin@example.com"]
    for email, *_, status, _description in DEMO_PEOPLE:
        set_bar_raiser_status(created[email], status, actor=admin, now=now)
    return [(email, description) for email, *_, description in DEMO_PEOPLE]
