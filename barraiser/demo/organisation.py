"""The demo organisation: people in every role, a year of hiring history for the calibration
report, and live loops in every state, so a newcomer can walk the mechanism end to end."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..auth.models import BarRaiserStatus, Role
from ..auth.services import create_user, set_bar_raiser_status, user_by_email
from ..history.services import import_history
from ..training.services import add_mentor_note
from .loops import build_demo_loops
from .synthetic_history import Person, Staff, history_csv_bytes

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


# Colleagues who appear only in the history: imported as users who cannot log in until invited.
HISTORY_MANAGERS = (
    Person("mara.quist@example.com", "Mara Quist", "Fulfilment"),
    Person("owen.park@example.com", "Owen Park", "Search"),
)
HISTORY_BAR_RAISERS = (
    Person("nia.stone@example.com", "Nia Stone", "Devices"),
    Person("leo.hart@example.com", "Leo Hart", "Retail"),
)
HISTORY_INTERVIEWERS = tuple(
    Person(f"{first.lower()}.{last.lower()}@example.com", f"{first} {last}", department)
    for first, last, department in (
        ("Gita", "Rao", "Payments"), ("Hal", "Moreno", "Search"), ("Ines", "Berg", "Retail"),
        ("Jon", "Ueda", "Devices"), ("Kira", "Lund", "Fulfilment"), ("Luis", "Perez", "Payments"),
        ("Mia", "Chen", "Search"), ("Nils", "Aalto", "Logistics"),
    )
)  # fmt: skip
HISTORY_LOOPS = 320


def build_demo_history(*, now: datetime, loops: int = HISTORY_LOOPS) -> int:
    """A year of past loops (ending two weeks ago) through the history importer: lenient and harsh
    interviewers, late feedback, vetoes and rated hires, so /calibration has something to show."""
    people = {email: (name, department) for email, name, department, *_ in DEMO_PEOPLE}

    def person(email: str) -> Person:
        name, department = people[email]
        return Person(email, name, department)

    staff = Staff(
        hiring_managers=(person("hm@example.com"), *HISTORY_MANAGERS),
        bar_raisers=(person("br@example.com"), *HISTORY_BAR_RAISERS),
        interviewers=(
            *(
                person(email)
                for email, *_, description in DEMO_PEOPLE
                if description == "interviewer"
            ),
            *HISTORY_INTERVIEWERS,
        ),
        trainees=(person("brit@example.com"),),
    )
    data = history_csv_bytes(
        loops,
        seed=2026,
        start=now - timedelta(days=365),
        end=now - timedelta(days=14),
        people=staff,
        undecided_days=0,  # every past loop is decided; the live loops show the other states
    )
    return import_history(data, file_name="demo-history.csv", now=now).loops


def build_demo_organisation(*, password: str, now: datetime) -> list[tuple[str, str]]:
    """Create the demo people, their history and live loops; returns (email, what the account is
    for) for the welcome text."""
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
        # Certified two years ago, so the history's loops count as led by a certified Bar Raiser.
        set_bar_raiser_status(created[email], status, actor=admin, now=now - timedelta(days=730))
    build_demo_history(now=now)
    for bar_raiser in HISTORY_BAR_RAISERS:
        # They led loops in the history, so they were certified: the report's adoption counts it.
        user = user_by_email(bar_raiser.email)
        assert user is not None  # the history import made them users
        set_bar_raiser_status(
            user,
            BarRaiserStatus.CERTIFIED,
            actor=admin,
            now=now - timedelta(days=400),
        )
    loops = build_demo_loops(created, now=now)
    mentor, trainee = created["br@example.com"], created["brit@example.com"]
    add_mentor_note(
        trainee,
        "Good probing on Dive Deep; let the candidate finish before the follow-up question.",
        actor=mentor,
        now=now - timedelta(days=20),
    )
    add_mentor_note(
        trainee,
        "Shadow me on this one: take the bar question aloud in the debrief, I will hold back.",
        loop=loops["upcoming"],
        actor=mentor,
        now=now,
    )
    return [(email, description) for email, *_, description in DEMO_PEOPLE]
