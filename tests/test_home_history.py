"""Each home page costs the same with years of hiring history as with a few live loops: the same
statements, none of which walks the history (on PostgreSQL, checked on their plans).

One test builds both sizes on one database, so the history (some thousands of decided loops,
through the history importer, with the live loops' people on their panels) is imported once."""

from __future__ import annotations

import re
from datetime import timedelta

from query_plans import explained, grown_tables, history_scans

from barraiser.demo.synthetic_history import Person, Staff, history_csv_bytes
from barraiser.extensions import db
from barraiser.history.services import import_history

HISTORY_LOOPS = 2000


def _home(client, count_queries) -> list[str]:
    with count_queries() as counted:
        response = client.get("/")
    assert response.status_code == 200
    return counted.statements


def _person(user) -> Person:
    return Person(user.email, user.name, user.department)


def test_home_pages_cost_the_same_whatever_the_history(
    app, make_loop, login_as, count_queries, clock
):
    dialect = db.engine.dialect.name
    assert dialect in ("sqlite", "postgresql")
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
    clients = {role: login_as(who) for role, who in people.items()}
    staff = Staff(
        hiring_managers=(_person(first.hiring_manager), Person("hm2@example.com", "Hm Two")),
        bar_raisers=(_person(first.bar_raiser), Person("br2@example.com", "Br Two")),
        interviewers=(
            *(_person(user) for user in first.interviewers[:4]),
            *(Person(f"i{n}@example.com", f"Interviewer {n}") for n in range(12)),
        ),
    )

    def history(loops: int, *, seed: int, days_ago: tuple[int, int]) -> None:
        data = history_csv_bytes(
            loops,
            seed=seed,
            start=clock() - timedelta(days=days_ago[0]),
            end=clock() - timedelta(days=days_ago[1]),
            people=staff,
            undecided_days=0,
        )
        assert import_history(data, file_name="history.csv", now=clock()).loops == loops
        db.session.commit()

    # Demo size: the live loops and a few recent decisions.
    history(12, seed=1, days_ago=(20, 2))
    demo_size = {role: _home(client, count_queries) for role, client in clients.items()}

    history(HISTORY_LOOPS, seed=18, days_ago=(720, 21))
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")

    with_history = {role: _home(client, count_queries) for role, client in clients.items()}
    assert {role: len(s) for role, s in with_history.items()} == {
        role: len(s) for role, s in demo_size.items()
    }
    if dialect == "postgresql":
        grown = grown_tables(HISTORY_LOOPS)
        scans = {}
        for role, statements in with_history.items():
            plans = explained(clients[role], "/")
            assert len(plans) == len([s for s in statements if re.match(r"\s*SELECT", s, re.I)])
            scans[role] = history_scans(plans, grown)
        assert {"loop", "interview", "feedback"} <= grown
        assert scans == {role: [] for role in clients}, "\n\n".join(
            f"{role} {plan}" for role, plans in scans.items() for plan in plans
        )
