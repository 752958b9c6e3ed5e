"""The loop page points to the debrief and shows how the loop ended; it never shows feedback."""

from __future__ import annotations

from barraiser.domain import Outcome


def test_a_scheduled_loop_with_all_feedback_is_ready_for_debrief(ready_loop, login_as):
    page = login_as(ready_loop.bar_raiser).get(f"/loops/{ready_loop.loop.id}").get_data(True)
    assert "Ready for debrief" in page
    assert "Debrief and decision" not in page


def test_an_open_debrief_is_linked_from_the_loop_page(debrief_loop, login_as):
    loop = debrief_loop.loop
    page = login_as(debrief_loop.hiring_manager).get(f"/loops/{loop.id}").get_data(True)
    assert f'href="/loops/{loop.id}/debrief">Go to the debrief' in page
    assert "Ready for debrief" not in page
    assert "opened the debrief" in page  # the history speaks words, not event codes


def test_a_vetoed_loop_shows_its_outcome_and_is_read_only(debrief_loop, decide, login_as):
    decide(debrief_loop, Outcome.HIRE, "veto")
    loop = debrief_loop.loop
    page = login_as("recruiter").get(f"/loops/{loop.id}").get_data(True)
    assert "Outcome: <strong>no hire</strong>" in page
    assert "vetoed by the Bar Raiser" in page
    assert "read-only" in page
    assert "Ready for debrief" not in page
    assert "vetoed the proposal" in page
    assert "debrief.vetoed" not in page


def test_a_hire_shows_its_outcome(debrief_loop, decide, login_as):
    decide(debrief_loop, Outcome.HIRE, "concur")
    page = login_as(debrief_loop.bar_raiser).get(f"/loops/{debrief_loop.loop.id}").get_data(True)
    assert "Outcome: <strong>hire</strong>" in page
    assert "vetoed by the Bar Raiser" not in page
    assert "concurred: the outcome is hire" in page
