"""The rules a history file shares with the panel editor are one rule: a panel the app refuses,
written as history, is refused too, by the same rule in the same words (the file names people by
email, and places each problem on its line)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from history.files import good_rows, set_loop, set_row, write_csv

from barraiser.history.row import clause
from barraiser.loops.rules import MAX_DURATION_MINUTES
from barraiser.loops.services import PanelInvalid, create_loop

# (rule, how to break the organisation's valid panel, the field the app reports it on, how to
# break the history file the same way, where the importer reports it, and the person as the app
# and then as the importer names them).
SHARED = {
    "an interview's length": (
        lambda org, plan: org.with_interview(plan, 3, duration_minutes=MAX_DURATION_MINUTES + 1),
        "interviews-3-duration_minutes",
        set_row(3, interview_minutes=str(MAX_DURATION_MINUTES + 1)),
        f"line 3: interview_minutes '{MAX_DURATION_MINUTES + 1}': ",
        None,
    ),
    "an interview of no length": (
        lambda org, plan: org.with_interview(plan, 1, duration_minutes=0),
        "interviews-1-duration_minutes",
        set_row(4, interview_minutes="0"),
        "line 4: interview_minutes '0': ",
        None,
    ),
    "one person, two interviews": (
        lambda org, plan: org.with_interview(plan, 2, interviewer_id=org.interviewers[0].id),
        "interviews-2-interviewer_id",
        set_row(4, interviewer_email="ana@example.com"),
        "line 4: loop 'L-1': ",
        (lambda org: org.interviewers[0].name, "ana@example.com (line 3)"),
    ),
    "the shadow also interviews": (
        lambda org, plan: replace(
            org.with_interview(plan, 1, interviewer_id=org.trainee.id), shadow_id=org.trainee.id
        ),
        "interviews-1-interviewer_id",
        set_row(5, interviewer_email="ana@example.com"),
        "line 5: loop 'L-1': ",
        (lambda org: org.trainee.name, "ana@example.com (line 3)"),
    ),
    "the bar raiser holds no interview": (
        lambda org, plan: org.with_interview(plan, 0, interviewer_id=org.interviewers[3].id),
        "bar_raiser_id",
        set_loop("L-3", bar_raiser_email="eve@example.com"),
        "line 9: loop 'L-3': ",
        (lambda org: org.bar_raiser.name, "bar raiser eve@example.com"),
    ),
}


@pytest.mark.parametrize(
    "breaks_panel, key, breaks_file, place, names", SHARED.values(), ids=SHARED.keys()
)
def test_the_panel_editor_and_the_importer_refuse_the_same_case_in_the_same_words(
    org, clock, run_import, tmp_path, breaks_panel, key, breaks_file, place, names
):
    with pytest.raises(PanelInvalid) as refused:
        create_loop(
            candidate_id=org.candidate.id,
            requisition_id=org.requisition.id,
            panel=breaks_panel(org, org.plan()),
            actor=org.recruiter,
            now=clock(),
        )
    (message,) = [problem.message for problem in refused.value.problems if problem.key == key]
    if names is not None:
        in_app, in_file = names
        assert in_app(org) in message
        message = message.replace(in_app(org), in_file)
    rows, header = breaks_file(good_rows(), None)

    result = run_import(write_csv(tmp_path / "history.csv", rows, header))

    assert result.exit_code == 1
    assert place + clause(message) in result.stderr.splitlines()
