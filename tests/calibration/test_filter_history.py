"""The report's filter costs the same whatever the history: the requisitions it offers (those
with a loop in the period asked for) are found by index, a probe per requisition, for a period
of a week or of years; the first way of asking read every loop of the period."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from grown_history import growing_organisation
from query_plans import explained_run, grown_tables, history_scans, rows_read, sqlite_steps_of

from barraiser.calibration.forms import requisitions
from barraiser.extensions import db

HISTORY_LOOPS = 2000
PERIODS = {"the last week": (7, 0), "two years": (730, 0), "a week long ago": (400, 393)}


def _period(clock, days_ago: tuple[int, int]) -> tuple[datetime, datetime]:
    return clock() - timedelta(days=days_ago[0]), clock() - timedelta(days=days_ago[1])


def _work(period: tuple[datetime, datetime], chosen: str) -> int:
    """What finding the requisitions costs the database: SQLite's virtual-machine steps, or the
    loop rows PostgreSQL reads as it planned the statement (both grow with the rows read)."""

    def run() -> None:
        requisitions(period, chosen)

    if db.engine.dialect.name == "sqlite":
        return sqlite_steps_of(run)
    return rows_read(run, "loop")


@pytest.mark.parametrize("chosen", ["", "1"], ids=["none-chosen", "one-chosen"])
def test_the_requisitions_a_period_offers_cost_the_same_whatever_the_history(
    app, make_loop, login_as, clock, chosen
):
    organisation = growing_organisation(make_loop, login_as, clock)
    organisation.add_history(40, seed=1, days_ago=(20, 2))
    periods = {name: _period(clock, days) for name, days in PERIODS.items()}
    small = {name: requisitions(period, chosen) for name, period in periods.items()}
    small_work = {name: _work(period, chosen) for name, period in periods.items()}

    organisation.add_history(HISTORY_LOOPS, seed=18, days_ago=(720, 21))

    large = {name: requisitions(period, chosen) for name, period in periods.items()}
    # What is offered: the requisitions of the period's loops (every loop has one).
    assert {name: len(rows) for name, rows in small.items()} != {
        name: len(rows) for name, rows in large.items()
    }
    assert set(large["two years"]) >= set(large["the last week"]) | set(large["a week long ago"])
    # Fifty times the loops in two years; the same requisitions, each probed once.
    large_work = {name: _work(period, chosen) for name, period in periods.items()}
    for name in periods:
        assert large_work[name] <= 1.5 * small_work[name] + 200, (name, small_work, large_work)
    if db.engine.dialect.name == "postgresql":
        grown = grown_tables(HISTORY_LOOPS)
        assert "loop" in grown
        for name, period in periods.items():
            plans = explained_run(lambda period=period: requisitions(period, chosen))
            assert len(plans) == 1
            assert history_scans(plans, grown) == [], (name, plans)
