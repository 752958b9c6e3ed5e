"""Every message the app sends is rendered from templates/email/ and links only to absolute URLs
under BASE_URL: a message is read in a mail client, far from the request (or the cron run) that
queued it, where a relative link or the request's own host leads nowhere."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from feedback.writing import submit_for
from flask import Flask

from barraiser.extensions import db
from barraiser.feedback.reminders import queue_due_reminders
from barraiser.outbox.emails import external_url
from barraiser.outbox.models import OutboxMessage

BASE_URL = "https://hiring.example.com/bar-raiser"
TEMPLATES = Path(__file__).parents[2] / "templates" / "email"

URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+", re.IGNORECASE)
HREF = re.compile(r"\b(?:href|src)\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
# A path standing on its own ("vote: /loops/7/debrief"), not the tail of an absolute URL.
PATH = re.compile(r"(?:^|(?<=[\s(<\"'=]))(/[^\s\"'<>)]*)", re.MULTILINE)


@pytest.fixture
def base_url(app: Flask, monkeypatch) -> str:
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    return BASE_URL


def _relative_links(body: str) -> list[str]:
    links = URL.findall(body) + HREF.findall(body) + PATH.findall(body)
    return [link for link in links if not link.startswith(f"{BASE_URL}/")]


@pytest.mark.parametrize(
    "body",
    [
        "then cast your final vote: /loops/7/debrief",
        "/interviews/3/feedback",
        'Open <a href="/loops/7">the loop</a>',
        "http://127.0.0.1:5000/loops/7/feedback",
        "https://hiring.example.com/loops/7",  # the host without BASE_URL's path
    ],
)
def test_the_check_finds_a_relative_or_foreign_link(body):
    assert _relative_links(body) != []


def test_the_check_accepts_links_under_base_url():
    assert _relative_links(f"Read it:\n\n{BASE_URL}/loops/7/debrief\n") == []


def _every_message(built, clock, login_as) -> list[OutboxMessage]:
    """Queue each kind of message the app sends, the way the app sends it: reminders from the
    cron's service (no request), the "all feedback is in" notice from a submission, the debrief
    notice from the Bar Raiser's click (a request on another host than BASE_URL's)."""
    first = built.panel[0]
    clock.set(first.ends_at + timedelta(hours=1))
    queue_due_reminders(now=clock())  # due
    clock.set(max(i.ends_at for i in built.loop.interviews) + timedelta(days=2))
    queue_due_reminders(now=clock())  # overdue
    db.session.commit()
    for interview in built.loop.interviews:
        submit_for(interview, clock())
    response = login_as(built.bar_raiser).post(f"/loops/{built.loop.id}/debrief/open")
    assert response.status_code == 302
    invited = login_as("admin").post(f"/admin/users/{first.interviewer_id}/password-link")
    assert invited.status_code == 302
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_no_message_holds_a_relative_link(app, base_url, make_loop, clock, login_as):
    messages = _every_message(make_loop(with_shadow=True), clock, login_as)

    # The other notices are told in tests/outbox/test_notices.py, which checks their links too.
    templates = {path.stem for path in TEMPLATES.glob("*.txt")}
    assert {message.kind for message in messages} <= templates
    subjects = [message.subject for message in messages]
    assert any(subject.startswith("Feedback due:") for subject in subjects)
    assert any(subject.startswith("Overdue:") for subject in subjects)
    pages = app.url_map.bind("hiring.example.com")
    for message in messages:
        assert _relative_links(message.body) == [], (message.kind, message.body)
        links = URL.findall(message.body)
        assert links, f"a {message.kind} message links nowhere"
        for link in links:
            pages.match(link.removeprefix(BASE_URL), method="GET")  # a page, not a 404


def test_each_message_links_to_its_own_page(app, base_url, make_loop, clock, login_as):
    built = make_loop()
    loop_id = built.loop.id
    links = {
        (message.kind, message.recipient_id): URL.findall(message.body)
        for message in _every_message(built, clock, login_as)
    }
    first = built.panel[0]
    assert links[("feedback_reminder", first.interviewer_id)] == [
        f"{BASE_URL}/interviews/{first.id}/feedback"
    ]
    assert links[("loop_ready", built.bar_raiser.id)] == [f"{BASE_URL}/loops/{loop_id}/feedback"]
    assert links[("debrief_opened", built.hiring_manager.id)] == [
        f"{BASE_URL}/loops/{loop_id}/debrief"
    ]


def test_a_link_is_built_under_base_url_inside_a_request_to_another_host(app, base_url):
    with app.test_request_context("/", base_url="http://10.0.0.5:8000"):
        assert external_url("debrief.page", loop_id=3) == f"{BASE_URL}/loops/3/debrief"
    with pytest.raises(ValueError):
        external_url("debrief.page", loop_id=3, _external=False)
