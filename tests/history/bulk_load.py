"""What the tests of a large import (test_import_keys on PostgreSQL, test_import_indexes on
SQLite) share: their files, the statements the app sends, and what an import leaves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from barraiser.demo.synthetic_history import history_csv_bytes
from barraiser.extensions import db
from barraiser.history.services import import_history

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
SPAN = {"start": NOW - timedelta(days=400), "end": NOW - timedelta(days=30), "undecided_days": 0}


def history_file(loops: int, seed: int) -> bytes:
    return history_csv_bytes(loops, seed=seed, **SPAN)


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """Every statement the app sends, as it sends it, while the block runs."""
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        sent.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def row_counts() -> tuple[int, int, int]:
    """Loops, interviews and principle ratings in the database."""
    return db.session.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM loop), (SELECT count(*) FROM interview), "
            "(SELECT count(*) FROM principle_rating)"
        )
    ).one()


def import_and_commit(data: bytes) -> None:
    import_history(data, file_name="history.csv", now=NOW)
    db.session.commit()
