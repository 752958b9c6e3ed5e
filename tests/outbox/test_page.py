"""The admins' messages page: what waits, what failed and what was given up, by state, with
"retry now"; nobody else may know it exists, and no message body is shown on it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import Role, UserRole
from barraiser.domain import MessageState
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage
from barraiser.outbox.services import deliver_due

ROLES_NOT_ADMIN = ["recruiter", "hiring_manager", "inspector", "bar_raiser", "interviewer"]


def _message(ident: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, ident)


@pytest.fixture
def stuck(app, mail_server, queue, clock, monkeypatch):
    """One message sent, one retrying (the server was down), one dead (after three attempts)."""
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    (sent,) = queue(1)
    deliver_due(now=clock())
    (retrying, dead) = queue(2)
    mail_server.stop()
    deliver_due(now=clock())
    for _ in range(2):
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == dead)
            .values(next_attempt_at=clock(), claimed_until=None)
        )
        db.session.commit()
        deliver_due(now=clock())
    mail_server.start()
    assert _message(dead).state is MessageState.DEAD
    assert _message(retrying).state is MessageState.RETRYING
    return {"sent": sent, "retrying": retrying, "dead": dead}


def test_admins_see_messages_by_state_with_attempts_and_errors(login_as, stuck, clock):
    client = login_as("admin")

    everything = client.get("/admin/messages/")
    dead_only = client.get("/admin/messages/?state=dead")

    assert everything.status_code == 200
    page = everything.get_data(as_text=True)
    for ident in stuck.values():
        assert f'data-testid="message-{ident}"' in page
    assert 'data-testid="count-dead">1<' in page and 'data-testid="count-retrying">1<' in page
    assert "ConnectionRefusedError" in page
    assert (clock() + timedelta(seconds=60)).strftime("%Y-%m-%d %H:%M UTC") in page
    shown = dead_only.get_data(as_text=True)
    assert f'data-testid="message-{stuck["dead"]}"' in shown
    assert f'data-testid="message-{stuck["retrying"]}"' not in shown
    assert shown.count("Retry now") == 1


def test_no_message_body_is_shown(login_as, stuck):
    body = _message(stuck["dead"]).body
    link = body.strip().splitlines()[-1]
    page = login_as("admin").get("/admin/messages/").get_data(as_text=True)
    assert "Every panelist has submitted feedback" in body and link.startswith("http")
    assert "Every panelist has submitted feedback" not in page and link not in page


@pytest.mark.parametrize("state", ["dead", "retrying"])
def test_retry_now_sends_it_at_the_next_sweep_and_is_audited(
    login_as, stuck, clock, mail_server, state
):
    ident = stuck[state]
    before = _message(ident)
    attempts, admin = before.attempts, login_as("admin")

    response = admin.post(f"/admin/messages/{ident}/retry", data={"shown": state})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/messages/?state={state}")
    message = _message(ident)
    assert (message.state, message.next_attempt_at) == (MessageState.RETRYING, clock())
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "message.retried"))
    assert (event.subject_type, event.subject_id, event.actor_id) == (
        "outbox_message",
        ident,
        admin.user.id,
    )
    assert event.details["state_was"] == state
    assert deliver_due(now=clock()).delivered == 1
    message = _message(ident)
    assert (message.state, message.attempts) == (MessageState.SENT, attempts + 1)
    assert mail_server.inbox.message_ids() == {
        f"<outbox-{stuck['sent']}@localhost>": 1,
        f"<outbox-{ident}@localhost>": 1,
    }


@pytest.mark.parametrize("state", ["sent", "queued", "withheld"])
def test_retry_is_refused_for_a_message_that_is_not_stuck(login_as, stuck, queue, state):
    if state == "sent":
        ident = stuck["sent"]
    else:
        (ident,) = queue(1)
        if state == "withheld":
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == ident)
                .values(state=MessageState.WITHHELD, error="erased with the candidate")
            )
            db.session.commit()

    response = login_as("admin").post(f"/admin/messages/{ident}/retry")

    assert response.status_code == 409
    assert _message(ident).state.value == state
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "message.retried")
        )
        == 0
    )


def test_a_second_retry_of_a_message_already_sent_is_a_conflict(login_as, stuck, clock):
    admin = login_as("admin")
    assert admin.post(f"/admin/messages/{stuck['dead']}/retry").status_code == 302
    deliver_due(now=clock())
    assert admin.post(f"/admin/messages/{stuck['dead']}/retry").status_code == 409


@pytest.mark.parametrize("role", ROLES_NOT_ADMIN)
def test_nobody_else_may_know_the_page_exists(login_as, stuck, role):
    client = login_as(role)
    assert client.get("/admin/messages/").status_code == 404
    assert client.post(f"/admin/messages/{stuck['dead']}/retry").status_code == 404
    assert _message(stuck["dead"]).state is MessageState.DEAD


@pytest.mark.parametrize("query", ["state=lost", "state=", "state=%C3%A9"])
def test_an_unknown_state_is_a_400_saying_so(login_as, query):
    response = login_as("admin").get(f"/admin/messages/?{query}")
    assert response.status_code == 400
    assert "There is no message state called" in response.get_data(as_text=True)


def test_the_list_is_paginated(app, login_as, queue, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    ids = queue(7)
    client = login_as("admin")
    last = client.get("/admin/messages/?state=queued&page=99").get_data(as_text=True)
    assert "Page 3 of 3" in last
    assert f'data-testid="message-{ids[0]}"' in last  # oldest last


@pytest.mark.parametrize("seat", ["panelist", "shadow"])
def test_an_admin_who_owes_feedback_reads_no_subject_about_that_loop(
    make_loop, login_as, clock, seat
):
    """A decision's subject says how the loop ended (a veto names the Bar Raiser's vote): an
    admin on that loop's panel who has not submitted sees the message listed, not its subject,
    until their own feedback is in; messages about other loops keep theirs."""
    built = make_loop(with_shadow=True)
    other = make_loop(tag="other")
    admin = built.shadow if seat == "shadow" else built.panel[1].interviewer
    admin.role_rows.append(UserRole(role=Role.ADMIN))
    for loop, subject in ((built.loop, "Vetoed: ZQSEALED"), (other.loop, "Vetoed: ZQOPEN")):
        db.session.add(
            OutboxMessage(
                dedupe_key=f"decided:{loop.id}",
                kind="loop_decided",
                recipient_id=built.hiring_manager.id,
                loop_id=loop.id,
                subject=subject,
                body="…",
                created_at=clock(),
                next_attempt_at=clock(),
            )
        )
    db.session.commit()

    page = login_as(admin).get("/admin/messages/").get_data(as_text=True)

    assert "ZQSEALED" not in page and "shown once yours is submitted" in page
    assert "ZQOPEN" in page
