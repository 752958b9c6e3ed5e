"""The history CSV's optional debrief_opened_at and final_vote columns: imported loops carry the
debrief's opening and the panel's final votes, and the calibration report reads them as it
reads a loop run in the app."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from history.files import DAY, HEADER, good_rows, set_loop, set_row, write_csv

from barraiser.calibration.queries import ReportFilters
from barraiser.calibration.report import calibration_report
from barraiser.debrief.models import FinalVote
from barraiser.domain import LoopState, Vote
from barraiser.extensions import db
from barraiser.loops.models import Loop

COLUMNS = [*HEADER, "debrief_opened_at", "final_vote"]
OPENED = (DAY + timedelta(hours=20)).isoformat()  # L-1: after the on-time feedback, before Ben's


def with_debrief(rows):
    """L-1's debrief opened, with Ana (line 3) changing her vote and the Bar Raiser keeping hers;
    L-4, undecided, is in its debrief."""
    for row in rows:
        if row["loop_ref"] == "L-1":
            row["debrief_opened_at"] = OPENED
        if row["loop_ref"] == "L-4":
            row["debrief_opened_at"] = (DAY + timedelta(days=21, hours=10)).isoformat()
    rows[0]["final_vote"] = "inclined_hire"  # unchanged
    rows[1]["final_vote"] = "inclined_no_hire"  # strong_hire → inclined_no_hire
    return rows


def test_final_votes_and_the_debrief_s_opening_are_imported(app, run_import, tmp_path):
    result = run_import(write_csv(tmp_path / "h.csv", with_debrief(good_rows()), COLUMNS))

    assert result.exit_code == 0, result.output
    hire = db.session.scalars(sa.select(Loop).where(Loop.external_ref == "L-1")).one()
    assert hire.debrief_opened_at == datetime.fromisoformat(OPENED)
    assert hire.debrief_opened_by_id == hire.bar_raiser_id
    finals = db.session.scalars(sa.select(FinalVote).order_by(FinalVote.id)).all()
    assert [(f.voter.email, f.vote) for f in finals] == [
        ("br@example.com", Vote.INCLINED_HIRE),
        ("ana@example.com", Vote.INCLINED_NO_HIRE),
    ]
    assert {f.cast_at for f in finals} == {hire.debrief_opened_at}
    waiting = db.session.scalars(sa.select(Loop).where(Loop.external_ref == "L-4")).one()
    assert waiting.state is LoopState.DEBRIEF and waiting.outcome is None


def test_the_report_counts_imported_vote_changes_and_feedback_in_before_the_debrief(
    app, run_import, clock, tmp_path
):
    assert (
        run_import(write_csv(tmp_path / "h.csv", with_debrief(good_rows()), COLUMNS)).exit_code == 0
    )

    report = calibration_report(
        ReportFilters(since=date(2025, 6, 1), until=date(2025, 6, 30)), now=clock()
    )

    assert report["vote_changes"] == {"rate": 0.5, "n": 2}
    ana = next(row for row in report["interviewers"] if row["email"] == "ana@example.com")
    assert (ana["vote_change_rate"], ana["vote_change_n"]) == (1.0, 1)
    # L-1 is the one decided loop whose debrief opened, and Ben's late feedback came after it.
    assert report["adoption"]["submitted_before_debrief_rate"] == 0.0


BAD = {
    "unknown final vote": (
        set_row(3, debrief_opened_at=OPENED, final_vote="hire"),
        "line 3: final_vote 'hire' is not one of",
    ),
    "final vote without a debrief": (
        set_row(3, final_vote="strong_hire"),
        "line 3: loop 'L-1': final_vote is given but the loop has no debrief_opened_at",
    ),
    "a shadow's final vote": (
        set_row(5, final_vote="strong_hire"),
        "line 5: final_vote is given on a shadow's row",
    ),
    "not a date": (
        set_loop("L-2", debrief_opened_at="after lunch"),
        "line 6: debrief_opened_at 'after lunch' is not an ISO 8601",
    ),
    "opened after the decision": (
        set_loop("L-2", debrief_opened_at="2025-06-12T09:00:00+00:00"),
        "line 6: loop 'L-2' has debrief_opened_at after decided_at",
    ),
    "opened before the first interview": (
        set_loop("L-2", debrief_opened_at="2025-06-01T09:00:00+00:00"),
        "line 6: loop 'L-2' has debrief_opened_at before its first interview",
    ),
    "rows disagree on the opening": (
        set_row(7, debrief_opened_at=OPENED),
        "line 7: loop 'L-2' has debrief_opened_at",
    ),
}


@pytest.mark.parametrize("change, message", BAD.values(), ids=BAD.keys())
def test_bad_debrief_values_are_refused_at_their_line(app, run_import, tmp_path, change, message):
    rows, header = change(good_rows(), list(COLUMNS))

    result = run_import(write_csv(tmp_path / "h.csv", rows, header))

    assert result.exit_code == 1
    assert any(line.startswith(message) for line in result.stderr.splitlines()), result.stderr
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Loop)) == 0
