"""Loops for the feedback tests: a panel of four (the Bar Raiser first), its interviews over."""

from __future__ import annotations

import pytest
from builders import BuiltLoop
from feedback.writing import after_interviews


@pytest.fixture
def built(make_loop) -> BuiltLoop:
    """A scheduled loop of four interviews tomorrow; the clock still stands before them."""
    return make_loop()


@pytest.fixture
def over(built: BuiltLoop, clock) -> BuiltLoop:
    """The same loop with the clock moved to just after its last interview ended."""
    clock.set(after_interviews(built))
    return built
