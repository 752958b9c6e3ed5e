"""A versioned row saved by someone else meanwhile (SQLAlchemy's StaleDataError) is a conflict the
user can act on: a 409 page saying to reload, never a 500; services may turn it into a Conflict."""

from __future__ import annotations

import pytest
from sqlalchemy.orm.exc import StaleDataError

from barraiser.errors import Conflict, stale_is_conflict


def test_a_lost_race_on_a_versioned_row_is_a_409_that_says_to_reload(app):
    with app.test_request_context("/loops/1/panel", method="POST"):
        response = app.make_response(
            app.handle_user_exception(StaleDataError("UPDATE matched no row"))
        )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone changed this since you opened it" in page
    assert "Reload the page" in page


def test_a_service_can_turn_it_into_its_own_conflict():
    with (
        pytest.raises(Conflict, match="Someone changed this action"),
        stale_is_conflict("Someone changed this action since you opened it."),
    ):
        raise StaleDataError("UPDATE matched no row")
