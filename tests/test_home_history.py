"""Each home page costs the same with years of hiring history as with a few live loops: the same
statements, none of which walks the history (on PostgreSQL, checked on their plans).

One test builds both sizes on one database, so the history (some thousands of decided loops,
through the history importer, with the live loops' people on their panels) is imported once."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from barraiser.demo.synthetic_history import Person, Staff, history_csv_bytes
from barraiser.extensions import db
from barraiser.history.services import import_history

HISTORY_LOOPS = 2000
# The tables that grow with the history: a home page statement may read them only by index.
HISTORY_TABLES = {
    "loop",
    "interview",
    "interview_principle",
    "feedback",
    "principle_rating",
    "addendum",
    "final_vote",
    "proposal",
    "verdict",
    "hire_performance",
    "candidate",
    "audit_event",
    "outbox_message",
}


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
        grown = _grown_tables()
        scans = {
            role: _history_scans(statements, clients[role], grown)
            for role, statements in with_history.items()
        }
        assert {"loop", "interview", "feedback"} <= grown
        assert scans == {role: [] for role in clients}, "\n\n".join(
            f"{role} {plan}" for role, plans in scans.items() for plan in plans
        )


def _grown_tables() -> set[str]:
    """The history tables that now hold at least a row per loop of the history (a table of a
    few rows is best read whole, and the planner rightly does)."""
    with db.engine.connect() as connection:
        return {
            table
            for table in HISTORY_TABLES
            if connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one()
            >= HISTORY_LOOPS
        }


def _history_scans(statements: list[str], client, grown: set[str]) -> list[str]:
    """The plans of `statements` (run again by the same request, EXPLAINed with the values it
    bound) that read a grown history table whole: a sequential scan, or an index scan with no
    index condition (walking the index). Sequential scans are priced out (enable_seqscan off),
    so one is left only where no index can serve the statement."""
    found = []
    plans = _explained(client)
    assert len(plans) == len([s for s in statements if re.match(r"\s*SELECT", s, re.I)])
    for plan in plans:
        lines = plan.splitlines()
        for number, line in enumerate(lines):
            scan = re.search(
                r"(Seq Scan|Index Scan|Index Only Scan)(?: Backward)?(?: using \w+)? on (\w+)", line
            )
            if not scan or scan.group(2) not in grown:
                continue
            depth = len(line) - len(line.lstrip())
            details = []
            for below in lines[number + 1 :]:
                if len(below) - len(below.lstrip()) <= depth or "->" in below:
                    break
                details.append(below.strip())
            if scan.group(1) == "Seq Scan" or not any(d.startswith("Index Cond") for d in details):
                found.append(f"{line.strip()}\n{plan}")
    return found


def _explained(client) -> list[str]:
    """EXPLAIN each statement the home page runs, with the values it bound."""
    plans: list[str] = []

    def explain(connection, cursor, statement, parameters, context, executemany):
        if not re.match(r"\s*SELECT", statement, re.I):
            return
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        plans.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("RESET enable_seqscan")

    sa.event.listen(db.engine, "before_cursor_execute", explain)
    try:
        assert client.get("/").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", explain)
    return plans
