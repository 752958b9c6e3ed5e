"""Accounts in a real browser: a session that expires mid-draft loses nothing; an invitation
link, Forgot password and changing one's own password all end in a working login."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from conftest import PASSWORD
from feedback.writing import evidence
from playwright.sync_api import Browser, Page, expect

from barraiser.auth.models import Role, User
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage

from .conftest import log_in

NEW = "tulip kettle orbit"
LINK = re.compile(r"https?://\S+/set-password/\S+")


def _link_path(user: User) -> str:
    """The path of the set-password link in the newest message to `user`."""
    db.session.expire_all()
    body = db.session.scalar(
        sa.select(OutboxMessage.body)
        .where(OutboxMessage.recipient_id == user.id, OutboxMessage.kind == "password_link")
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    db.session.commit()  # end the read: the server's requests must not wait on this test
    assert body, "a set-password message was queued"
    return urlsplit(LINK.search(body).group(0)).path


def _set_password(page: Page, password: str = NEW) -> None:
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password again").fill(password)
    page.get_by_role("button", name="Set password").click()


def test_a_session_that_expires_mid_draft_keeps_the_draft(
    page: Page, live_server: str, make_loop, clock
):
    built = make_loop(starts_at=clock() - timedelta(hours=5))
    me, interview = built.interviewers[1], built.panel[1]
    email, interview_id = me.email, interview.id
    principle = interview.principles[0].name
    db.session.commit()

    page.clock.install()  # autosave's 30 s pass on the page's clock
    log_in(page, live_server, email, PASSWORD)
    form_url = f"{live_server}/interviews/{interview_id}/feedback"
    page.goto(form_url)
    text = evidence(40, "Expiring")
    page.get_by_label(f"Evidence for {principle}").fill(text)
    page.clock.run_for(31_000)
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Draft saved at \d"))

    clock.advance(hours=12, minutes=1)  # the server's clock: past the idle limit
    page.reload()
    expect(page).to_have_url(f"{live_server}/login?next=%2Finterviews%2F{interview_id}%2Ffeedback")
    expect(page.get_by_text("Your session expired; sign in again.")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(form_url)
    expect(page.get_by_label(f"Evidence for {principle}")).to_have_value(text)


def test_an_admin_invites_an_imported_user_who_sets_a_password_and_logs_in(
    page: Page, browser: Browser, live_server: str, make_user
):
    make_user("ada@example.com", name="Ada Admin", roles=(Role.ADMIN,))
    ivy = make_user("ivy@example.com", name="Ivy Imported", password=None)
    log_in(page, live_server, "ada@example.com", PASSWORD)
    page.get_by_role("link", name="Users", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Ivy Imported")
    expect(row.get_by_text("no password")).to_be_visible()
    row.get_by_role("button", name="Send Ivy Imported a set-password link").click()
    expect(
        page.get_by_text("A link to set a password was emailed to ivy@example.com.")
    ).to_be_visible()
    expect(
        page.get_by_role("row").filter(has_text="Ivy Imported").get_by_text("invited")
    ).to_be_visible()

    ivys = browser.new_page()
    try:
        ivys.goto(f"{live_server}{_link_path(ivy)}")
        expect(ivys).to_have_url(f"{live_server}/set-password")  # the token left the address bar
        expect(ivys.get_by_text("ivy@example.com")).to_be_visible()
        _set_password(ivys, "short")
        expect(ivys.get_by_text("Use at least 12 characters")).to_be_visible()
        _set_password(ivys)
        expect(ivys).to_have_url(f"{live_server}/login")
        expect(ivys.get_by_text("Your password is set.")).to_be_visible()
        log_in(ivys, live_server, "ivy@example.com", NEW)
        expect(ivys.get_by_role("link", name="Ivy Imported")).to_be_visible()
        # The link is spent.
        ivys.goto(f"{live_server}{_link_path(ivy)}")
        expect(ivys.get_by_text("This link was already used")).to_be_visible()
    finally:
        ivys.close()


def test_forgot_password_from_the_login_page(page: Page, live_server: str, make_user):
    ada = make_user("ada@example.com", name="Ada Lovelace")
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(
        page.get_by_text("If an account exists for that address, we've sent a link")
    ).to_be_visible()
    page.goto(f"{live_server}{_link_path(ada)}")
    _set_password(page)
    expect(page.get_by_text("Your password is set.")).to_be_visible()
    log_in(page, live_server, "ada@example.com", NEW)
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()


def test_changing_your_password_signs_out_your_other_browser(
    page: Page, browser: Browser, live_server: str, make_user
):
    make_user("ada@example.com", name="Ada Lovelace")
    other = browser.new_page()
    try:
        log_in(other, live_server, "ada@example.com", PASSWORD)
        log_in(page, live_server, "ada@example.com", PASSWORD)
        page.get_by_role("link", name="Ada Lovelace").click()
        page.get_by_role("link", name="Change your password").click()
        page.get_by_label("Current password").fill(PASSWORD)
        page.get_by_label("New password", exact=True).fill(NEW)
        page.get_by_label("New password again").fill(NEW)
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_text("Your password is changed.")).to_be_visible()
        expect(page.get_by_text("1 other session")).to_be_visible()
        page.goto(f"{live_server}/")
        expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
        other.goto(f"{live_server}/")
        expect(other.get_by_role("heading", name="Log in to Bar Raiser")).to_be_visible()
    finally:
        other.close()
