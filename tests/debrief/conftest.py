"""Loops at each step of the debrief, built from the models and the debrief's own services."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from builders import BuiltLoop
from debrief.panel_feedback import submit_panel_feedback

from barraiser.debrief import services
from barraiser.domain import Outcome, Vote
from barraiser.extensions import db

# Bar Raiser, then three panelists: two lean hire, two lean no hire.
WRITTEN_VOTES = (Vote.INCLINED_NO_HIRE, Vote.STRONG_HIRE, Vote.INCLINED_HIRE, Vote.STRONG_NO_HIRE)


@pytest.fixture
def ready_loop(make_loop, clock) -> BuiltLoop:
    """A scheduled loop of four whose panel feedback is all submitted, a shadow's included."""
    built = make_loop(with_shadow=True)
    clock.advance(days=1, hours=6)
    submit_panel_feedback(built, WRITTEN_VOTES, clock(), shadow_vote=Vote.STRONG_HIRE)
    return built


@pytest.fixture
def debrief_loop(ready_loop, clock) -> BuiltLoop:
    """The same loop with its debrief opened by the Bar Raiser."""
    clock.advance(hours=1)
    services.open_debrief(ready_loop.loop, actor=ready_loop.bar_raiser, now=clock())
    db.session.commit()
    return ready_loop


@pytest.fixture
def decide(clock) -> Callable[..., BuiltLoop]:
    """Take a loop in debrief to a decision: the proposal, then the Bar Raiser's verdict."""

    def run(built: BuiltLoop, proposal: Outcome, verdict: str) -> BuiltLoop:
        clock.advance(minutes=20)
        services.propose(
            built.loop,
            decision=proposal,
            rationale="Strong on ownership, thin on depth.",
            early_reason="The candidate flies home tonight.",
            actor=built.hiring_manager,
            now=clock(),
        )
        clock.advance(minutes=5)
        if verdict == "veto":
            principle = built.panel[0].principles[0]
            services.veto(
                built.loop,
                rationale="Below the bar on Dive Deep: could not explain the rounding fix.",
                principle_ids=[principle.id],
                actor=built.bar_raiser,
                now=clock(),
            )
        else:
            services.concur(built.loop, actor=built.bar_raiser, now=clock())
        db.session.commit()
        return built

    return run
