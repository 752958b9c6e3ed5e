"""How an import on SQLite keeps its tables' indexes: up to date row by row as it writes, or,
for a load that at least doubles the history, built once at its end (plain indexes dropped,
rows written, indexes made again); either way the indexes are left exactly as they were, the
rows are the same, unique indexes hold row by row, and a failed import leaves nothing.

These run on a SQLite database of their own whatever TEST_DATABASE_URL says: PostgreSQL checks
its foreign keys at the end instead (test_import_keys.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from history.bulk_load import NOW, history_file, import_and_commit, row_counts, statements_sent

from barraiser import create_app
from barraiser.cli import upgrade_and_seed
from barraiser.extensions import db
from barraiser.history import write
from barraiser.history.services import import_history


@pytest.fixture
def sqlite(tmp_path) -> Iterator[Flask]:
    """An app on a SQLite database of its own holding the principle catalog and nothing else."""
    app = create_app(
        {"SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'i.db'}"}
    )
    with app.app_context():
        upgrade_and_seed()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def statements(sqlite: Flask) -> Iterator[list[str]]:
    """Every statement the app sends, as it sends it."""
    with statements_sent() as sent:
        yield sent


def _indexes() -> list[tuple[str, str, str]]:
    """Every index of the database: (table, name, definition; None for a key's own)."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.text(
                "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' ORDER BY 1, 2"
            )
        )
    ]


def _built_at_end(sent: list[str]) -> bool:
    return any(s.startswith("DROP INDEX") for s in sent)


def _contents() -> dict[str, str]:
    """Each table an import writes, every row and column of it, as a digest."""
    return {
        table.name: hashlib.sha256(
            repr(
                sorted(
                    map(tuple, db.session.execute(sa.select(table)).all()),
                    key=repr,
                )
            ).encode()
        ).hexdigest()
        for table in write.WRITTEN_TABLES
    }


@pytest.mark.parametrize(
    ("before", "new", "at_end"),
    [
        (0, 12, True),  # a first import, at the threshold
        (0, 11, False),  # a first import below it
        (12, 12, True),  # doubles the history
        (13, 12, False),  # adds less than there is
    ],
    ids=["first-at-threshold", "first-below-threshold", "doubles", "adds-less"],
)
def test_the_indexes_are_built_at_the_end_only_for_a_load_that_at_least_doubles_the_history(
    sqlite, statements, monkeypatch, before, new, at_end
):
    monkeypatch.setattr(write, "BULK_CHECK_LOOPS", 12)
    if before:
        import_and_commit(history_file(before, seed=1))
    indexes = _indexes()
    statements.clear()
    import_and_commit(history_file(new, seed=2))
    assert _built_at_end(statements) is at_end
    assert _indexes() == indexes
    assert row_counts()[0] == before + new


def test_only_plain_indexes_of_the_bulk_tables_are_dropped(sqlite, statements, monkeypatch):
    """Unique indexes (a loop's external ref, a rating per principle) keep every row to their
    rule as it goes in; people and requisitions, which every page reads, keep theirs."""
    monkeypatch.setattr(write, "BULK_CHECK_LOOPS", 1)
    import_and_commit(history_file(5, seed=6))
    dropped = {s.removeprefix("DROP INDEX ").strip('"') for s in statements if "DROP INDEX" in s}
    plain = {
        name
        for table, name, definition in _indexes()
        if definition is not None and not definition.startswith("CREATE UNIQUE")
    }
    assert dropped and dropped <= plain
    tables = {table for table, name, _ in _indexes() if name in dropped}
    assert tables <= {table.name for table in write.CHECKED_AT_END}
    assert {"loop", "interview", "feedback"} <= tables


def test_an_import_with_indexes_built_at_the_end_writes_what_one_kept_row_by_row_writes(
    sqlite, monkeypatch
):
    data = history_file(40, seed=3)
    import_and_commit(data)
    counts, by_rows = row_counts(), _contents()
    assert counts[0] == 40 and counts[1] > 100 and counts[2] > 100
    for table in reversed(db.metadata.sorted_tables):  # ids are counted from 1 again
        if table.name != "principle":
            db.session.execute(table.delete())
    db.session.commit()
    monkeypatch.setattr(write, "BULK_CHECK_LOOPS", 1)
    import_and_commit(data)
    assert _contents() == by_rows


class _Interrupted(Exception):
    pass


def _duplicate_rating() -> None:
    db.session.execute(
        sa.text(
            "INSERT INTO principle_rating (feedback_id, principle_id, rating, evidence) "
            "SELECT feedback_id, principle_id, rating, evidence FROM principle_rating LIMIT 1"
        )
    )


def _interrupt() -> None:
    raise _Interrupted("the server was told to stop")


@pytest.mark.parametrize(
    ("after_writing", "error", "match"),
    [
        (_duplicate_rating, sa.exc.IntegrityError, "UNIQUE constraint failed: principle_rating"),
        (_interrupt, _Interrupted, "told to stop"),
    ],
    ids=["a-row-breaking-a-unique-rule", "an-error-before-the-indexes-are-back"],
)
def test_an_import_that_fails_while_its_indexes_are_off_leaves_nothing_and_every_index(
    sqlite, statements, monkeypatch, after_writing, error, match
):
    """The plain indexes are missing while the rows go in; on any error they are back and the
    rows gone, even for a caller that goes on to commit."""
    monkeypatch.setattr(write, "BULK_CHECK_LOOPS", 1)
    indexes = _indexes()
    written = write._write

    def failing(*args, **kwargs) -> None:
        written(*args, **kwargs)
        assert row_counts()[0] == 15  # written, indexes off
        assert len(_indexes()) < len(indexes)
        after_writing()

    monkeypatch.setattr(write, "_write", failing)
    with pytest.raises(error, match=match):
        import_history(history_file(15, seed=4), file_name="history.csv", now=NOW)
    assert _built_at_end(statements)
    db.session.commit()
    assert row_counts() == (0, 0, 0)
    assert _indexes() == indexes
