"""`flask init` run on several hosts at once, on a fresh database: all succeed, the schema is at
head, and the principle catalog is seeded once."""

from __future__ import annotations

import re
from contextlib import ExitStack

import sqlalchemy as sa
from postgres import scratch_database
from processes import run_together


def _catalog(url: str) -> tuple[int, int, str | None]:
    """(principles, distinct names, schema revision) in the database at `url`."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as connection:
        principles, names = connection.execute(
            sa.text("SELECT count(*), count(DISTINCT lower(name)) FROM principle")
        ).one()
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    return principles, names, revision


# What init says it seeded (the migrations' log lines come before it).
ADDED = re.compile(r"; (\d+) principle\(s\) added to the catalog")


def _two_inits_at_once_on_each(urls: list[str], tmp_path) -> None:
    """Two `flask init` at once on each database (every pair started together)."""
    commands = [
        (["init"], {"DATABASE_URL": url, "SECRET_KEY": "test-secret", "BARRAISER_ENV": ""})
        for url in urls
        for _ in range(2)
    ]
    results = run_together(commands, tmp_path)
    for result in results:
        assert result.exit_code == 0, result.output
        assert "Database is at the latest schema" in result.output
    for index, url in enumerate(urls):
        pair = results[2 * index : 2 * index + 2]
        added = sorted(int(ADDED.search(r.output).group(1)) for r in pair)  # type: ignore[union-attr]
        assert added == [0, 16], [r.output for r in pair]
        principles, names, revision = _catalog(url)
        assert (principles, names) == (16, 16) and revision is not None


def test_two_inits_at_once_on_a_fresh_postgresql_both_succeed_five_times(tmp_path):
    """Five fresh databases, each initialised by two processes at once (the five pairs run side
    by side to keep the test short; each pair races only with itself)."""
    with ExitStack() as stack:
        urls = [stack.enter_context(scratch_database("br_init")) for _ in range(5)]
        _two_inits_at_once_on_each(urls, tmp_path)


def test_two_inits_at_once_on_a_fresh_sqlite_both_succeed(tmp_path):
    urls = []
    for round_ in range(2):
        folder = tmp_path / str(round_)
        folder.mkdir()
        urls.append(f"sqlite:///{folder / 'barraiser.db'}")
    _two_inits_at_once_on_each(urls, tmp_path)
