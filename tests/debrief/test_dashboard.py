"""The home page tells each person their debrief step: open, vote, propose, concur or veto."""

from __future__ import annotations

from debrief.panel_feedback import submit_panel_feedback

from barraiser.debrief import services
from barraiser.debrief.dashboard import debrief_todos
from barraiser.domain import Outcome, Vote
from barraiser.extensions import db


def _home(login_as, person) -> str:
    return login_as(person).get("/").get_data(as_text=True)


def _section(text: str) -> str:
    if 'id="debrief-todos"' not in text:
        return ""
    return text.split('id="debrief-todos"')[1].split("</ul>")[0]


def test_each_person_sees_their_step_as_the_debrief_moves_on(ready_loop, login_as, clock):
    built = ready_loop
    link = f'href="/loops/{built.loop.id}/debrief"'
    bar_raiser = _section(_home(login_as, built.bar_raiser))
    assert link in bar_raiser and "All feedback is in: open the debrief" in bar_raiser
    assert _section(_home(login_as, built.hiring_manager)) == ""

    services.open_debrief(built.loop, actor=built.bar_raiser, now=clock())
    db.session.commit()
    assert "Propose hire or no hire" in _section(_home(login_as, built.hiring_manager))
    assert "Cast your final vote" in _section(_home(login_as, built.interviewers[1]))
    assert _section(_home(login_as, built.shadow)) == ""  # shadows do not vote
    assert "Cast your final vote; Run the debrief" in _section(_home(login_as, built.bar_raiser))

    services.cast_final_vote(
        built.loop, vote=Vote.STRONG_HIRE, actor=built.interviewers[1], now=clock()
    )
    services.propose(
        built.loop,
        decision=Outcome.HIRE,
        rationale="Hire.",
        early_reason="The candidate flies home tonight.",
        actor=built.hiring_manager,
        now=clock(),
    )
    db.session.commit()
    assert _section(_home(login_as, built.interviewers[1])) == ""
    assert _section(_home(login_as, built.hiring_manager)) == ""
    assert "Concur or veto" in _section(_home(login_as, built.bar_raiser))

    services.concur(built.loop, actor=built.bar_raiser, now=clock())
    db.session.commit()
    assert _section(_home(login_as, built.bar_raiser)) == ""


def test_a_bar_raiser_sees_how_much_feedback_is_missing(make_loop, login_as, clock):
    built = make_loop()
    submit_panel_feedback(built, [Vote.STRONG_HIRE], clock())
    assert "Waiting for 3 panel feedback" in _section(_home(login_as, built.bar_raiser))


def test_the_list_costs_the_same_queries_for_one_loop_or_many(make_loop, clock, count_queries):
    first = make_loop(tag="one")
    submit_panel_feedback(first, [Vote.STRONG_HIRE] * 4, clock())
    db.session.expire_all()
    with count_queries() as one:
        assert len(debrief_todos(first.bar_raiser)) == 1
    for tag in ("two", "three", "four"):
        built = make_loop(tag=tag)
        # The same Bar Raiser leads them all.
        built.loop.bar_raiser_id = first.bar_raiser.id
        db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        assert len(debrief_todos(first.bar_raiser)) == 4
    assert one.count == many.count
