"""The loop list costs the same with years of hiring history as with a few live loops: the same
statements, each reading by index only the page it shows (on PostgreSQL, checked on their
plans), and it counts its loops only so far past the page.

One test builds both sizes on one database, so the history (two thousand decided loops, through
the history importer, with the live loops' people on their panels) is imported once."""

from __future__ import annotations

import re
from datetime import timedelta

from grown_history import growing_organisation, statements_of
from query_plans import explained, grown_tables, history_scans, subplans_reading_whole

from barraiser.extensions import db
from barraiser.pages import COUNT_AHEAD

HISTORY_LOOPS = 2000
URLS = (
    "/loops/",
    "/loops/?state=scheduled",
    "/loops/?state=decided",
    "/loops/?outcome=pending",
    "/loops/?outcome=hire",
    "/loops/?page=2",
)


def test_the_loop_list_costs_the_same_whatever_the_history(
    app, make_loop, login_as, count_queries, clock
):
    dialect = db.engine.dialect.name
    organisation = growing_organisation(make_loop, login_as, clock)
    clients, live = organisation.clients, organisation.live

    def every_list() -> dict[tuple[str, str], list[str]]:
        return {
            (role, url): statements_of(client, url, count_queries)
            for role, client in clients.items()
            for url in URLS
        }

    # Demo size: the live loops and some recent decisions, enough for everyone to have some
    # of each kind (a list with no row runs fewer statements).
    organisation.add_history(40, seed=1, days_ago=(20, 2))
    demo_size = every_list()
    small = clients["recruiter"].get("/loops/").get_data(as_text=True)
    assert "44 loops." in small and "Page 1 of 2<" in small

    organisation.add_history(HISTORY_LOOPS, seed=18, days_ago=(720, 21))

    with_history = every_list()
    assert {key: len(s) for key, s in with_history.items()} == {
        key: len(s) for key, s in demo_size.items()
    }
    # The newest first, as before the history came; the count says there are more.
    large = clients["recruiter"].get("/loops/").get_data(as_text=True)
    assert f"More than {COUNT_AHEAD:,} loops." in large
    assert "Page 1 of 40 or more" in large and 'href="/loops/?page=2"' in large
    assert f'href="/loops/{live[-1].loop.id}"' in large
    if dialect == "postgresql":
        grown = grown_tables(HISTORY_LOOPS)
        assert {"loop", "interview"} <= grown
        scans = {}
        for (role, url), statements in with_history.items():
            plans = explained(clients[role], url)
            assert len(plans) == len([s for s in statements if re.match(r"\s*SELECT", s, re.I)])
            scans[role, url] = history_scans(plans, grown, limited_reads=True)
            # As planned: a subquery the planner runs once for the whole list (expecting many
            # rows before the page's LIMIT) would read the history whatever the page shows.
            as_planned = explained(clients[role], url, as_planned=True)
            scans[role, url] += subplans_reading_whole(as_planned, grown)
        assert scans == {key: [] for key in with_history}, "\n\n".join(
            f"{key} {plan}" for key, plans in scans.items() for plan in plans
        )


def test_a_page_past_the_end_shows_the_last_page(app, make_loop, login_as, clock, monkeypatch):
    loops = [make_loop(starts_at=clock() + timedelta(days=day)) for day in range(1, 4)]
    client = login_as("recruiter")
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    page = client.get("/loops/?page=999").get_data(as_text=True)
    assert "3 loops." in page and "Page 2 of 2" in page
    assert f'href="/loops/{loops[0].loop.id}"' in page
    assert f'href="/loops/{loops[2].loop.id}"' not in page
