"""Each home page costs the same with years of hiring history as with a few live loops: the same
statements, none of which walks the history (on PostgreSQL, checked on their plans; on SQLite,
by the work its statements do).

One test builds both sizes on one database, so the history (some thousands of decided loops,
through the history importer, with the live loops' people on their panels) is imported once."""

from __future__ import annotations

import re

from grown_history import growing_organisation, statements_of
from query_plans import explained, grown_tables, history_scans, sqlite_steps

from barraiser.extensions import db

HISTORY_LOOPS = 2000


def test_home_pages_cost_the_same_whatever_the_history(
    app, make_loop, login_as, count_queries, clock
):
    dialect = db.engine.dialect.name
    assert dialect in ("sqlite", "postgresql")
    organisation = growing_organisation(make_loop, login_as, clock)
    clients = organisation.clients

    # Demo size: the live loops and a few recent decisions.
    organisation.add_history(12, seed=1, days_ago=(20, 2))
    demo_size = {
        role: statements_of(client, "/", count_queries) for role, client in clients.items()
    }
    if dialect == "sqlite":
        demo_steps = {role: sqlite_steps(client, "/") for role, client in clients.items()}

    organisation.add_history(HISTORY_LOOPS, seed=18, days_ago=(720, 21))

    with_history = {
        role: statements_of(client, "/", count_queries) for role, client in clients.items()
    }
    assert {role: len(s) for role, s in with_history.items()} == {
        role: len(s) for role, s in demo_size.items()
    }
    if dialect == "sqlite":
        # A walk of the history's 2,000 loops would take tens of thousands of instructions more;
        # the margin is for the recent decisions, which the history fills up to their limit.
        steps = {role: sqlite_steps(client, "/") for role, client in clients.items()}
        grew = [
            f"{role}: {demo_steps[role]} -> {steps[role]} instructions"
            for role in clients
            if steps[role] > demo_steps[role] * 1.25 + 500
        ]
        assert grew == [], grew
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
