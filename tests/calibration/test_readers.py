"""The report's big statements side by side on reader connections (calibration/readers.py): the
same report as on one connection, and never one that misses what the report's own transaction
has written or that another connection commits meanwhile."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from calibration.report_data import build_history, decide

from barraiser.auth.models import User
from barraiser.calibration import queries
from barraiser.calibration.queries import ReportFilters, fetch_rows
from barraiser.calibration.readers import can_read_alongside
from barraiser.calibration.report import calibration_report
from barraiser.domain import LoopState, Outcome
from barraiser.extensions import db
from barraiser.loops.models import Loop

TODAY = date(2026, 3, 2)
LAST_90_DAYS = ReportFilters(since=TODAY - timedelta(days=89), until=TODAY)


@pytest.fixture
def history(make_loop, clock):
    return build_history(make_loop, clock())


def report_with(app, clock, threads: int) -> dict:
    app.config["CALIBRATION_READER_THREADS"] = threads
    report = calibration_report(LAST_90_DAYS, now=clock())
    report.pop("generated_at")
    return report


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_readers_build_the_same_report_as_one_connection(app, history, clock, threads):
    alone = report_with(app, clock, 0)

    assert report_with(app, clock, threads) == alone
    assert alone["loops"] == 5


def test_readers_are_used_on_a_database_other_connections_share(app, history):
    # A SQLite file (the tests' SQLite is one) or PostgreSQL, not SQLite in memory.
    assert can_read_alongside(db.session.connection())


def test_sqlite_in_memory_is_read_on_one_connection():
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        assert not can_read_alongside(connection)


def test_what_the_reports_own_transaction_wrote_is_counted(app, history, clock):
    # L5 decided in this transaction, not yet committed: readers on other connections could
    # not see it, so the report reads on its own connection.
    decide(history.loops["L5"], Outcome.HIRE)
    db.session.flush()

    assert not can_read_alongside(db.session.connection())
    assert report_with(app, clock, 2)["decided"] == 5
    db.session.rollback()
    assert report_with(app, clock, 2)["decided"] == 4


def test_a_writer_elsewhere_does_not_wait_for_the_report(app, history, clock):
    """The report reads in a read transaction: another connection's write lands at once, on
    SQLite too (WAL; the report holds no write lock), and the next report reads it."""
    rows_before = fetch_rows(LAST_90_DAYS, reader_threads=2)  # the report's transaction is open
    landed = threading.Event()
    panelist_id = history.panelist(0).id

    def rename_elsewhere() -> None:
        with app.app_context():
            with db.engine.connect() as other:
                other.execute(sa.update(User).where(User.id == panelist_id).values(name="Renamed"))
                other.commit()
            landed.set()

    writer = threading.Thread(target=rename_elsewhere)
    writer.start()
    assert landed.wait(timeout=30)
    writer.join(timeout=30)
    assert rows_before.people[panelist_id].name != "Renamed"
    rows_during = fetch_rows(LAST_90_DAYS, reader_threads=2)
    db.session.commit()
    assert rows_during.people[panelist_id].name == "Renamed"


def test_a_commit_landing_while_readers_read_is_seen_by_no_part_of_the_report(
    app, history, clock, monkeypatch
):
    """Another connection decides L5 just as the principle counts start. No part of the report
    sees it: every part reads as of the report's start (PostgreSQL: the exported snapshot;
    SQLite: read transactions begun together, `readers.pinned_readers`). Without that, the
    loops would show L5 undecided while the principle counts already counted its ratings as a
    hire's."""
    l5 = history.loops["L5"].loop.id
    landed = threading.Event()
    counts_principles = queries._principle_counts

    def decide_elsewhere() -> None:
        with app.app_context():
            with db.engine.connect() as other:
                other.execute(
                    sa.update(Loop)
                    .where(Loop.id == l5)
                    .values(state=LoopState.DECIDED, outcome=Outcome.HIRE, decided_at=clock())
                )
                other.commit()
            landed.set()

    def decided_meanwhile(connection, ids):
        writer = threading.Thread(target=decide_elsewhere)
        writer.start()
        # It commits at once: the report holds no lock that a writer waits for.
        assert landed.wait(timeout=30)
        return counts_principles(connection, ids)

    monkeypatch.setattr(queries, "_principle_counts", decided_meanwhile)
    rows = fetch_rows(LAST_90_DAYS, reader_threads=2)
    db.session.commit()  # the report is done
    monkeypatch.setattr(queries, "_principle_counts", counts_principles)

    assert [loop.outcome for loop in rows.loops if loop.loop_id == l5] == [None]
    # The principle counts read decided loops only: L1..L4's four panel assignments each, not
    # yet L5's.
    assert sum(row.assignments for row in rows.ratings.principles) == 16
    assert landed.wait(timeout=30)
    after = fetch_rows(LAST_90_DAYS, reader_threads=2)
    assert [loop.outcome for loop in after.loops if loop.loop_id == l5] == ["hire"]
    assert sum(row.assignments for row in after.ratings.principles) == 20
