"""A person logs in and out in a real browser."""

from __future__ import annotations

from conftest import PASSWORD
from playwright.sync_api import Page, expect

from barraiser.auth.models import Role

from .conftest import log_in, log_out


def test_admin_logs_in_and_out(page: Page, live_server: str, make_user):
    make_user("ada@example.com", name="Ada Admin", roles=(Role.ADMIN,))
    log_in(page, live_server, "ada@example.com", PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Ada Admin")).to_be_visible()
    expect(page.get_by_role("link", name="Users", exact=True)).to_be_visible()
    log_out(page)
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name="Log in to Bar Raiser")).to_be_visible()


def test_wrong_password_shows_the_error_next_to_the_field(page: Page, live_server: str, make_user):
    make_user("ada@example.com")
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    error = "That email and password do not match an active account."
    expect(page.get_by_text(error)).to_be_visible()
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
