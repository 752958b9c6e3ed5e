"""How every page is served (barraiser/pages.py): a missing object and a hidden one answer the same
404, and a page's template runs no SQL — its view hands it everything it shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask, before_render_template, template_rendered

from barraiser.domain import LoopState
from barraiser.extensions import db

MISSING_ID = 987654


@contextmanager
def sql_while_rendering(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run while a template renders (between render_template's two signals)."""
    statements: list[str] = []
    rendering = [0]

    def started(sender, template, context, **extra) -> None:
        rendering[0] += 1

    def finished(sender, template, context, **extra) -> None:
        rendering[0] -= 1

    def executed(conn, cursor, statement, parameters, context, executemany) -> None:
        if rendering[0]:
            statements.append(statement)

    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    sa.event.listen(db.engine, "before_cursor_execute", executed)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", executed)
        template_rendered.disconnect(finished, app)
        before_render_template.disconnect(started, app)


@pytest.fixture
def built(make_loop, clock):
    built = make_loop(panel_size=4, with_shadow=True, state=LoopState.DRAFT)
    db.session.commit()
    return built


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("recruiter", "/"),
        ("bar_raiser", "/"),
        ("panelist", "/"),
        ("recruiter", "/loops/{loop}"),
        ("panelist", "/loops/{loop}"),
        ("admin", "/loops/{loop}"),
        ("recruiter", "/loops/{loop}/feedback"),
        ("panelist", "/loops/{loop}/debrief"),
        ("bar_raiser", "/loops/{loop}/debrief"),
        ("panelist", "/interviews/{interview}/feedback"),
        # The Privacy card: whether this admin may export is asked by the view, not the card.
        ("admin", "/candidates/{candidate}"),
        ("recruiter", "/candidates/{candidate}"),
        ("recruiter", "/requisitions/{requisition}"),
    ],
)
def test_a_page_s_template_runs_no_sql(app, built, login_as, who, path):
    person = {"bar_raiser": built.bar_raiser, "panelist": built.interviewers[1]}.get(who, who)
    client = login_as(person)
    interview = next(
        i for i in built.loop.interviews if i.interviewer_id == built.interviewers[1].id
    )
    url = path.format(
        loop=built.loop.id,
        interview=interview.id,
        candidate=built.loop.candidate_id,
        requisition=built.loop.requisition_id,
    )
    with sql_while_rendering(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    assert statements == [], f"{url} ran SQL from its template:\n" + "\n".join(statements)


def test_the_loop_page_shows_the_feedback_counts_its_view_gives_it(built, login_as):
    text = login_as("recruiter").get(f"/loops/{built.loop.id}").get_data(as_text=True)
    assert "Panel feedback: 0 of 4 submitted · shadow: 0 of 1" in text


@pytest.mark.parametrize(
    "path",
    [
        "/loops/{loop}",
        "/loops/{loop}/debrief",
        "/loops/{loop}/feedback",
        "/loops/{loop}/panel",
        "/candidates/{candidate}",
        "/requisitions/{requisition}",
    ],
)
def test_a_hidden_object_looks_exactly_like_a_missing_one(built, login_as, path):
    """An interviewer outside the loop cannot tell a loop they may not see from no loop at all."""
    client = login_as("interviewer")
    hidden = client.get(
        path.format(
            loop=built.loop.id,
            candidate=built.loop.candidate_id,
            requisition=built.loop.requisition_id,
        )
    )
    missing = client.get(path.format(loop=MISSING_ID, candidate=MISSING_ID, requisition=MISSING_ID))
    assert hidden.status_code == missing.status_code == 404
    assert _page(hidden) == _page(missing)


def _page(response) -> str:
    """The page's text with the logout form's CSRF token left out: the token carries the second
    it was signed in, so two requests a second apart differ there and nowhere else."""
    return re.sub(
        r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', response.get_data(as_text=True)
    )
