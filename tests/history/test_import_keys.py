"""How an import on PostgreSQL checks its foreign keys: row by row as it writes, or, for a load
that at least doubles the history, once at its end (keys dropped, rows written, keys added
back); either way every row is checked before anything is committed, the keys are left exactly
as they were, and two imports at once each end cleanly, writing each loop once.

These run on a PostgreSQL database of their own whatever TEST_DATABASE_URL says: the other
database, SQLite, checks keys as it writes, with nothing to choose."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from history.bulk_load import NOW, history_file, import_and_commit, row_counts, statements_sent
from postgres import scratch_database
from processes import run_together

from barraiser import create_app
from barraiser.cli import upgrade_and_seed
from barraiser.extensions import db
from barraiser.history import write
from barraiser.history.services import import_history


@pytest.fixture(scope="module")
def _postgres() -> Iterator[Flask]:
    with scratch_database("import_keys") as url:
        app = create_app({"SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade_and_seed()
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def postgres(_postgres: Flask) -> Iterator[Flask]:
    """An app on PostgreSQL whose database holds the principle catalog and nothing else."""
    with _postgres.app_context():
        _empty()
        yield _postgres
        db.session.remove()


def _empty() -> None:
    """Every table emptied but the principles, ids counted from 1 again."""
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables if t.name != "principle")
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def statements(postgres: Flask) -> Iterator[list[str]]:
    """Every statement the app sends, as it sends it."""
    with statements_sent() as sent:
        yield sent


def _keys() -> list[tuple[str, str, str]]:
    """Every foreign key of the database: (table, name, definition)."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2"
            )
        )
    ]


def _checked_at_end(sent: list[str]) -> bool:
    return any(s.startswith("ALTER TABLE") and "DROP CONSTRAINT" in s for s in sent)


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
def test_the_keys_are_checked_at_the_end_only_for_a_load_that_at_least_doubles_the_history(
    postgres, statements, monkeypatch, before, new, at_end
):
    monkeypatch.setattr(write, "BULK_CHECK_LOOPS", 12)
    if before:
        import_and_commit(history_file(before, seed=1))
    keys = _keys()
    statements.clear()
    import_and_commit(history_file(new, seed=2))
    assert _checked_at_end(statements) is at_end
    assert _keys() == keys
    assert row_counts()[0] == before + new


def test_an_import_checked_at_the_end_writes_what_one_checked_row_by_row_writes(
    postgres, monkeypatch
):
    data = history_file(40, seed=3)
    import_and_commit(data)
    counts, by_rows = row_counts(), _contents()
    assert counts[0] == 40 and counts[1] > 100 and counts[2] > 100
    _empty()
    monkeypatch.setattr(write, "BULK_CHECK_LOOPS", 1)
    import_and_commit(data)
    assert _contents() == by_rows


def _contents() -> dict[str, str]:
    """Each table an import writes, every row and column of it, as a digest."""
    return {
        table.name: db.session.execute(
            sa.text(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{table.name}" t'
            )
        ).scalar_one()
        for table in write.WRITTEN_TABLES
    }


class _Interrupted(Exception):
    pass


def _orphan() -> None:
    db.session.execute(
        sa.text("INSERT INTO interview_principle (interview_id, principle_id) VALUES (999999, 1)")
    )


def _interrupt() -> None:
    raise _Interrupted("the server was told to stop")


@pytest.mark.parametrize(
    ("after_writing", "error", "match"),
    [
        (_orphan, sa.exc.IntegrityError, "interview_principle"),
        (_interrupt, _Interrupted, "told to stop"),
    ],
    ids=["a-row-without-its-parent", "an-error-before-the-keys-are-back"],
)
def test_an_import_that_fails_while_its_keys_are_off_leaves_nothing_and_every_key(
    postgres, statements, monkeypatch, after_writing, error, match
):
    """The keys are missing while the rows go in: adding them back checks every row, and on
    any error the keys are back and the rows gone, even for a caller that goes on to commit."""
    monkeypatch.setattr(write, "BULK_CHECK_LOOPS", 1)
    keys = _keys()
    written = write._write

    def failing(*args, **kwargs) -> None:
        written(*args, **kwargs)
        assert row_counts()[0] == 15  # written, keys off
        after_writing()

    monkeypatch.setattr(write, "_write", failing)
    with pytest.raises(error, match=match):
        import_history(history_file(15, seed=4), file_name="history.csv", now=NOW)
    assert _checked_at_end(statements)
    db.session.commit()
    assert row_counts() == (0, 0, 0)
    assert _keys() == keys


def test_two_imports_at_once_each_end_cleanly_and_write_each_loop_once(postgres, tmp_path):
    """Two admins importing (the same file, and another) at the same moment, in processes of
    their own: the second waits for the first, then skips the loops it wrote. Both files are
    large enough to be checked at the end (tables locked while they are written)."""
    loops = write.BULK_CHECK_LOOPS
    same = tmp_path / "same.csv"
    same.write_bytes(history_file(loops, seed=5))
    environment = {
        "DATABASE_URL": str(db.engine.url.render_as_string(hide_password=False)),
        "SECRET_KEY": "test-secret",
        "BARRAISER_ENV": "",
    }
    db.session.remove()
    finished = run_together(
        [
            (["import-history", str(same)], environment),
            (["import-history", str(same)], environment),
        ],
        tmp_path,
        timeout=300,
    )
    for result in finished:
        assert result.exit_code == 0, result.output
    assert row_counts()[0] == loops
    said = sorted(
        re.search(r"Imported (\d+) loops .*; (\d+) already present", r.output).groups()
        for r in finished
    )
    assert said == [("0", str(loops)), (str(loops), "0")], [r.output for r in finished]
