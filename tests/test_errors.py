"""Error pages: a versioned row saved by someone else meanwhile (StaleDataError) is a 409 saying to
reload, never a 500; an unknown address or a wrong method answers our own page; flashed messages
are styled whatever their category; the navigation folds on a phone without JavaScript."""

from __future__ import annotations

import re

import pytest
from flask import flash, render_template
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


def test_an_unknown_address_answers_our_own_not_found_page(client, login_as):
    for who in (client, login_as("interviewer")):
        response = who.get("/no/such/page")
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert '<h1 class="h3">Page not found</h1>' in html
        assert "requested URL was not found on the server" not in html  # not Werkzeug's words
        assert 'class="navbar-brand"' in html and "Back to your home page" in html
    data = client.get("/no/such/page.json")
    assert data.status_code == 404 and data.get_json()["error"] == "Page not found"


def test_a_wrong_method_is_a_405_in_the_same_words_with_what_is_allowed(login_as):
    response = login_as("interviewer").get("/logout")
    assert response.status_code == 405
    assert "Not possible at this address" in response.get_data(as_text=True)
    assert "POST" in response.headers["Allow"]


def test_a_message_flashed_without_a_category_is_styled_as_information(app):
    with app.test_request_context("/"):
        flash("Saved for later.")
        flash("Watch out.", "warning")
        html = render_template("errors/error.html", status=200, title="t", message="m")
    assert (
        '<div class="alert alert-info" role="status" data-testid="flash">Saved for later.' in html
    )
    assert '<div class="alert alert-warning" role="alert" data-testid="flash">Watch out.' in html


def test_the_navigation_folds_behind_a_menu_toggle_that_needs_no_script(login_as):
    html = login_as("admin").get("/").get_data(as_text=True)
    toggle = re.search(r'<input type="checkbox" id="nav-toggle"[^>]*aria-controls="nav-menu"', html)
    assert toggle is not None
    assert re.search(r'<label for="nav-toggle"[^>]*>.*?Menu', html, re.S)
    menu = html[html.index('id="nav-menu"') :]
    assert 'href="/admin/audit/"' in menu and "Log out" in menu
