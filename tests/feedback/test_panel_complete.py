""" "All the panel's feedback is in" is one rule: the Python predicate (over the submission counts)
and its SQL twin (a WHERE clause over loops) agree on every stage of a loop, shadows never block,
and the debrief's list of missing feedback names exactly the panel interviews still awaited."""

from __future__ import annotations

import sqlalchemy as sa
from feedback.writing import after_interviews, submit_for

from barraiser.extensions import db
from barraiser.feedback.queries import (
    missing_panel_feedback,
    panel_complete,
    panel_complete_clause,
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
