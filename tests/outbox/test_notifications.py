"""Every message is also an item in its recipient's notifications: the count of unread ones in the
navigation, a list newest first, opened one by one (read, then on to its page) or all marked read
at once. A person sees their own only; a message erased with its candidate reads "[erased]"."""

from __future__ import annotations

import re

import pytest
from notices import queue_notices

from barraiser.debrief.services import concur, open_debrief, propose
from barraiser.domain import Outcome
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage
from barraiser.outbox.notifications import PER_PAGE
from barraiser.privacy.services import ERASED_TEXT, erase_candidate


def _unread_badge(page: str) -> str | None:
    match = re.search(r'data-testid="unread-count">(\d+)<', page)
    return match.group(1) if match else None


@pytest.fixture
def person(make_user):
    return make_user("nina@example.com", name="Nina Notified")


def test_the_navigation_counts_the_unread_and_the_list_shows_newest_first(
    app, person, clock, login_as
):
    queue_notices(person, clock, 3)
    client = login_as(person)
    home = client.get("/").get_data(as_text=True)
    assert _unread_badge(home) == "3"
    page = client.get("/notifications/").get_data(as_text=True)
    assert [m for m in re.findall(r"Notice \d", page)] == ["Notice 2", "Notice 1", "Notice 0"]


def test_opening_one_marks_it_read_and_goes_to_its_page(app, person, clock, login_as, make_loop):
    built = make_loop()
    ids = queue_notices(person, clock, 2, link=f"/loops/{built.loop.id}")
    client = login_as(person)
    response = client.post(f"/notifications/{ids[0]}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/loops/{built.loop.id}"
    assert _unread_badge(client.get("/").get_data(as_text=True)) == "1"
    first_read = db.session.get(OutboxMessage, ids[0]).read_at
    clock.advance(hours=1)
    client.post(f"/notifications/{ids[0]}/open")  # opening again keeps the first reading
    db.session.expire_all()
    assert db.session.get(OutboxMessage, ids[0]).read_at == first_read


def test_mark_all_read_clears_the_count(app, person, clock, login_as):
    queue_notices(person, clock, 4)
    client = login_as(person)
    response = client.post("/notifications/read", follow_redirects=True)
    assert response.status_code == 200
    assert "Marked 4 notifications read." in response.get_data(as_text=True)
    assert _unread_badge(response.get_data(as_text=True)) is None


@pytest.mark.parametrize("role", ["admin", "recruiter", "inspector", "hiring_manager"])
def test_someone_elses_notification_is_not_found_whatever_their_role(
    app, person, clock, login_as, role
):
    (message_id,) = queue_notices(person, clock, 1)
    other = login_as(role)
    assert other.post(f"/notifications/{message_id}/open").status_code == 404
    assert "Notice 0" not in other.get("/notifications/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message_id).read_at is None
    assert other.get("/notifications/987654/open").status_code == 405


def test_marking_all_read_needs_the_form_token(app, person, clock, login_as):
    queue_notices(person, clock, 1)
    client = login_as(person)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/notifications/read")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert _unread_badge(client.get("/").get_data(as_text=True)) == "1"


def test_the_list_is_paginated(app, person, clock, login_as):
    queue_notices(person, clock, PER_PAGE + 2)
    client = login_as(person)
    first = client.get("/notifications/").get_data(as_text=True)
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert first.count('data-testid="notification"') == PER_PAGE
    assert second.count('data-testid="notification"') == 2
    assert f"Notice {PER_PAGE + 1}" in first and "Notice 0" in second
    assert client.get("/notifications/?page=oops").status_code == 200


def test_the_count_is_one_query_whatever_the_number(app, person, clock, login_as, count_queries):
    client = login_as(person)
    queue_notices(person, clock, 2)
    with count_queries() as few:
        client.get("/principles/")
    queue_notices(person, clock, 30)
    with count_queries() as many:
        client.get("/principles/")
    assert few.count == many.count
    assert sum("count(outbox_message.id)" in s.lower() for s in many.statements) == 1


def test_an_erased_message_reads_erased(app, clock, login_as, make_loop, user_in_role):
    built = make_loop()
    clock.advance(minutes=1)
    open_debrief(built.loop, reason="Testing erasure", actor=built.bar_raiser, now=clock())
    propose(
        built.loop,
        decision=Outcome.NO_HIRE,
        rationale="Not yet.",
        early_reason="The panel agreed in the room.",
        actor=built.hiring_manager,
        now=clock(),
    )
    concur(built.loop, actor=built.bar_raiser, now=clock())
    db.session.commit()
    hiring_manager = login_as(built.hiring_manager)
    page = hiring_manager.get("/notifications/").get_data(as_text=True)
    assert "Debrief open: Casey Candidate" in page
    erase_candidate(built.loop.candidate, actor=user_in_role("admin"), now=clock())
    db.session.commit()
    page = hiring_manager.get("/notifications/").get_data(as_text=True)
    assert ERASED_TEXT in page and "Casey" not in page
