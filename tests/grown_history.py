"""Two sizes of one organisation on one database, for the tests that a page costs the same with
years of hiring history as with a few live loops (the home pages', the loop list's): live loops
and a client for each role, then decided loops imported through the history importer with the
live loops' people on their panels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from postgres import analyze

from barraiser.demo.synthetic_history import Person, Staff, history_csv_bytes
from barraiser.extensions import db
from barraiser.history.services import import_history


def _person(user) -> Person:
    return Person(user.email, user.name, user.department)


@dataclass
class GrowingOrganisation:
    live: list[Any]  # the live loops (BuiltLoop), the first three days ago, the last in two
    clients: dict[str, FlaskClient]  # by role: admin, recruiter, bar_raiser, interviewer, ...
    staff: Staff
    clock: Callable[[], Any]

    def add_history(self, loops: int, *, seed: int, days_ago: tuple[int, int]) -> None:
        """Import `loops` decided loops, between `days_ago` days ago (oldest, newest)."""
        data = history_csv_bytes(
            loops,
            seed=seed,
            start=self.clock() - timedelta(days=days_ago[0]),
            end=self.clock() - timedelta(days=days_ago[1]),
            people=self.staff,
            undecided_days=0,
        )
        assert import_history(data, file_name="history.csv", now=self.clock()).loops == loops
        db.session.commit()
        analyze(db.engine)  # plans as a grown database has them


def growing_organisation(make_loop, login_as, clock) -> GrowingOrganisation:
    """Four live loops (two past, two to come), and the people of the first signed in by role."""
    live = [
        make_loop(starts_at=clock() + timedelta(days=day), with_shadow=True, panel_size=4)
        for day in (-3, -2, 1, 2)
    ]
    first = live[0]
    people = {
        "admin": "admin",
        "recruiter": "recruiter",
        "bar_raiser": first.bar_raiser,
        "interviewer": first.interviewers[1],
        "hiring_manager": first.hiring_manager,
    }
    staff = Staff(
        hiring_managers=(_person(first.hiring_manager), Person("hm2@example.com", "Hm Two")),
        bar_raisers=(_person(first.bar_raiser), Person("br2@example.com", "Br Two")),
        interviewers=(
            *(_person(user) for user in first.interviewers[:4]),
            *(Person(f"i{n}@example.com", f"Interviewer {n}") for n in range(12)),
        ),
    )
    clients = {role: login_as(who) for role, who in people.items()}
    return GrowingOrganisation(live, clients, staff, clock)


def statements_of(client: FlaskClient, url: str, count_queries) -> list[str]:
    """The statements loading `url` runs (it must answer 200)."""
    with count_queries() as counted:
        response = client.get(url)
    assert response.status_code == 200, url
    return counted.statements
