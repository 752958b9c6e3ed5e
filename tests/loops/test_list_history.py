"""The loop list costs the same with years of hiring history as with a few live loops: the same
statements, each reading by index only the page it shows (on PostgreSQL, checked on their
plans), and it counts its loops only so far past the page.

One test builds both sizes on one database, so the history (two thousand decided loops, through
the history importer, with the live loops' people on their panels) is imported once."""

from __future__ import annotations

import re
from datetime import timedelta

from query_plans import explained, grown_tables, history_scans

from barraiser.demo.synthetic_history import Person, Staff, history_csv_bytes
from barraiser.extensions import db
from barraiser.history.services import import_history
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


def _person(user) -> Person:
    return Person(user.email, user.name, user.department)


def _statements(client, url, count_queries) -> list[str]:
    with count_queries() as counted:
        response = client.get(url)
    assert response.status_code == 200, url
    return counted.statements


def test_the_loop_list_costs_the_same_whatever_the_history(
    app, make_loop, login_as, count_queries, clock
):
    dialect = db.engine.dialect.name
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

    def every_list() -> dict[tuple[str, str], list[str]]:
        return {
            (role, url): _statements(client, url, count_queries)
            for role, client in clients.items()
            for url in URLS
        }

    # Demo size: the live loops and some recent decisions, enough for everyone to have some
    # of each kind (a list with no row runs fewer statements).
    history(40, seed=1, days_ago=(20, 2))
    demo_size = every_list()
    small = clients["recruiter"].get("/loops/").get_data(as_text=True)
    assert "44 loops." in small and "Page 1 of 2<" in small

    history(HISTORY_LOOPS, seed=18, days_ago=(720, 21))
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")

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
