"""A list of loops (loops/macros.html's loop_table) writes each row's time, state and outcome out
rather than calling a macro per cell: here they are held to what `when`, state_badge and
outcome_badge draw, for every state and outcome, sealed or not."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import get_template_attribute

from barraiser.domain import LoopState, Outcome
from barraiser.loops.queries import LoopRow


def _row(loop_id: int, state: LoopState, **changes) -> LoopRow:
    values = {
        "id": loop_id,
        "state": state,
        "outcome": None,
        "vetoed": False,
        "first_interview_at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        "candidate_name": "Casey <Candidate>",
        "requisition_title": "Senior Engineer",
        "requisition_level": 6,
        "requisition_department": "Payments",
        "bar_raiser_name": "Bea Raiser",
        "panel_size": 4,
        "shadowed": False,
    }
    return LoopRow(**{**values, **changes})


ROWS = [
    _row(1, LoopState.DRAFT, first_interview_at=None),
    _row(2, LoopState.SCHEDULED),
    _row(3, LoopState.DEBRIEF),
    _row(4, LoopState.DECIDED, outcome=Outcome.HIRE),
    _row(5, LoopState.DECIDED, outcome=Outcome.NO_HIRE),
    _row(6, LoopState.DECIDED, outcome=Outcome.NO_HIRE, vetoed=True),
    _row(7, LoopState.CANCELLED),
    _row(8, LoopState.DECIDED, outcome=Outcome.HIRE),  # sealed below
]
SEALED = {8}


def _cells(table: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    cell = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
    return [[found.strip() for found in cell.findall(row)] for row in rows]


@pytest.mark.parametrize("show_candidate", [True, False])
def test_each_row_is_drawn_as_the_cell_macros_draw_it(app, show_candidate):
    with app.test_request_context("/"):
        table = str(
            get_template_attribute("loops/macros.html", "loop_table")(
                ROWS, SEALED, show_candidate=show_candidate
            )
        )
        when = get_template_attribute("macros.html", "when")
        state_badge = get_template_attribute("loops/macros.html", "state_badge")
        outcome_badge = get_template_attribute("loops/macros.html", "outcome_badge")
        rows = _cells(table)
        assert len(rows) == len(ROWS)
        for item, cells in zip(ROWS, rows, strict=True):
            *_, first_interview, _panel, state, outcome = cells
            assert first_interview == str(when(item.first_interview_at))
            assert state == str(state_badge(item.state))
            assert outcome == str(outcome_badge(item, SEALED))
            assert f'<a href="/loops/{item.id}">' in cells[0]
    assert "Casey &lt;Candidate&gt;" in table or not show_candidate
