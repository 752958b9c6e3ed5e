"""Reads that PostgreSQL plans once: a request that only read ends its transaction with a commit
(a rollback would make psycopg forget the connection's prepared statements), and the states and
page bounds a read compares are written into its text, so that a prepared statement's one plan
is made knowing them. A request that wrote, or failed, still ends with a rollback."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from postgres import analyze
from query_plans import planned_each_time
from sqlalchemy.dialects import postgresql, sqlite

from barraiser.audit.models import AuditEvent
from barraiser.domain import LoopState
from barraiser.extensions import db
from barraiser.loops.models import Loop


def _sql(statement: Any, dialect: Any) -> str:
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return " ".join(str(compiled).split())


READ = (
    sa.select(Loop.id)
    .where(Loop.state == LoopState.SCHEDULED, Loop.id > 5)
    .where(Loop.state.in_([LoopState.SCHEDULED, LoopState.DEBRIEF]))
    .order_by(Loop.id)
    .limit(10)
    .offset(20)
)


def test_a_read_compares_states_and_pages_written_into_its_text_on_postgresql():
    text = _sql(READ, postgresql.dialect())
    assert "loop.state = 'scheduled'" in text
    assert "loop.state IN ('scheduled', 'debrief')" in text
    assert "LIMIT 10 OFFSET 20" in text
    assert "loop.id > %(id_1)s" in text  # an id stays a parameter: one plan serves them all
    # SQLite plans each statement the same way whatever it is sent: parameters there.
    assert "loop.state = ?" in _sql(READ, sqlite.dialect())


@pytest.mark.parametrize(
    "statement",
    [
        sa.insert(Loop).values(state=LoopState.DRAFT),
        sa.update(Loop).where(Loop.state == LoopState.DRAFT).values(state=LoopState.CANCELLED),
        sa.delete(Loop).where(Loop.state == LoopState.DRAFT),
    ],
    ids=["insert", "update", "delete"],
)
def test_a_write_sends_every_value_as_a_parameter(statement):
    text = _sql(statement, postgresql.dialect())
    assert "'draft'" not in text and "'cancelled'" not in text


def test_a_state_written_into_a_read_finds_the_same_rows(app, make_loop, clock):
    """The literal is the value the column stores: the read finds the loop it must."""
    loop = make_loop().loop
    found = db.session.scalars(
        sa.select(Loop.id).where(Loop.state == loop.state, Loop.id == loop.id).limit(1)
    ).all()
    assert found == [loop.id]


def _in_a_context_of_its_own(app, work) -> None:
    """Run `work` in an app context of its own, in a thread that has none, as a server runs a
    request (the test's own context would otherwise be shared, and not torn down): its end is
    the request's end, the failure passed on to it if `work` fails."""

    def run() -> None:
        try:
            with app.app_context():
                work()
        except RuntimeError:
            pass

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)


def _ends(app) -> list[str]:
    ended: list[str] = []
    for name in ("commit", "rollback"):
        sa.event.listen(db.engine, name, lambda connection, name=name: ended.append(name))
    return ended


def _count_audit_events() -> int:
    with db.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()


def read_only():
    db.session.execute(sa.select(Loop.id).where(Loop.state == LoopState.SCHEDULED)).all()


def wrote_then_refused():
    """A write sent past the session (no pending change it could see), then no commit (a view
    that refuses what it was asked, say)."""
    db.session.execute(
        sa.insert(AuditEvent).values(
            at=datetime.now(UTC), action="test.write", subject_type="test", details={}
        )
    )


def wrote_then_failed():
    db.session.execute(
        sa.insert(AuditEvent).values(
            at=datetime.now(UTC), action="test.write", subject_type="test", details={}
        )
    )
    raise RuntimeError("the view failed after writing")


def test_what_a_request_wrote_without_committing_is_rolled_back_on_either_database(app):
    before = _count_audit_events()
    ended = _ends(app)
    _in_a_context_of_its_own(app, wrote_then_refused)
    _in_a_context_of_its_own(app, wrote_then_failed)
    assert _count_audit_events() == before
    assert "commit" not in ended


def test_a_request_that_only_read_ends_with_a_commit_on_postgresql_only(app):
    ended = _ends(app)
    _in_a_context_of_its_own(app, read_only)
    expected = "commit" if db.engine.dialect.name == "postgresql" else "rollback"
    assert ended[-1:] == [expected]


@pytest.mark.parametrize("role", ["admin", "recruiter", "hiring_manager", "bar_raiser"])
def test_a_page_loaded_again_and_again_is_planned_once_on_postgresql(app, login_as, role):
    """Each read of the home page is prepared on the connection that serves it (psycopg
    prepares a statement sent five times), and after five more loads PostgreSQL runs it on one
    plan made for every load. On SQLite, which keeps its own statement cache, the page's rows
    are the same on every load."""
    client = login_as(role)
    pages: list[bytes] = []
    # PostgreSQL weighs a plan made for this user against a plan for any user by the statistics.
    analyze(db.engine)
    assert planned_each_time(client, "/", pages=pages) == []
    assert len(pages) == 12
    # The same rows every time; only the CSRF token's signature moves on (it is timed).
    assert len({re.sub(rb'name="csrf_token" value="[^"]*"', b"", page) for page in pages}) == 1
