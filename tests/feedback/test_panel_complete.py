""" "All the panel's feedback is in" is one rule: the Python predicate (over the submission counts)
and its SQL twin (a WHERE clause over loops) agree on every stage of a loop, shadows never block,
and the debrief's list of missing feedback names exactly the panel interviews still awaited; the
counts read as a page's columns are those read for many loops at once."""

from __future__ import annotations

import sqlalchemy as sa
from feedback.writing import after_interviews, submit_for

from barraiser.database import read_rows
from barraiser.extensions import db
from barraiser.feedback.queries import (
    PanelProgress,
    missing_panel_feedback,
    panel_complete,
    panel_complete_clause,
    progress_by_loop,
    progress_columns,
    progress_of,
)
from barraiser.loops.models import Loop


def _complete_in_sql(loop: Loop) -> bool:
    return (
        db.session.scalar(sa.select(Loop.id).where(Loop.id == loop.id, panel_complete_clause()))
        is not None
    )


def test_python_and_sql_agree_as_the_panel_submits_and_shadows_never_block(make_loop, clock):
    built = make_loop(with_shadow=True)
    clock.set(after_interviews(built))
    loop, panel = built.loop, built.panel
    seen = []
    for submitted in range(len(panel) + 1):
        seen.append((panel_complete(loop), _complete_in_sql(loop)))
        assert [i.id for i in missing_panel_feedback(loop)] == [i.id for i in panel[submitted:]]
        if submitted < len(panel):
            submit_for(panel[submitted], clock())
    assert seen == [(False, False)] * len(panel) + [(True, True)]


def test_a_loop_without_a_panel_is_not_complete_in_python_or_sql(make_loop):
    loop = make_loop().loop
    for interview in list(loop.interviews):
        db.session.delete(interview)
    db.session.commit()
    assert (panel_complete(loop), _complete_in_sql(loop)) == (False, False)


def test_the_counts_read_as_columns_are_the_counts_read_by_loop(make_loop, clock):
    """progress_columns (a page's one statement) and progress_by_loop count alike, shadows
    apart, at every stage."""
    built = make_loop(with_shadow=True)
    clock.set(after_interviews(built))
    loop = built.loop
    by_columns = sa.select(*progress_columns(Loop.id)).where(Loop.id == loop.id)
    for interview in [*loop.interviews, None]:
        assert progress_of(read_rows(by_columns).one()) == progress_by_loop([loop.id])[loop.id]
        if interview is not None:
            submit_for(interview, clock())
    assert progress_by_loop([loop.id])[loop.id] == PanelProgress(
        submitted=len(built.panel), total=len(built.panel), shadow_submitted=1, shadow_total=1
    )
