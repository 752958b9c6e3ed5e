"""Every message is delivered exactly once: by any number of sweeps at once, through a mail
server that goes away and comes back, with failed sends retried on a backoff schedule until
they are given up."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from concurrency import race

from barraiser.domain import MessageState
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage
from barraiser.outbox.services import CLAIM_FOR, claim_due, deliver_due, retry_delay

from .conftest import NO_SUCH_DOMAIN


def _messages(ids: list[int]) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        )
    )


def _message_id(message_id: int) -> str:
    return f"<outbox-{message_id}@localhost>"


def test_two_sweeps_at_once_send_every_message_exactly_once(app, mail_server, queue, clock):
    for _round in range(5):
        ids = queue(30)
        mail_server.inbox.clear()

        sweeps = race(app, lambda: deliver_due(now=clock()), lambda: deliver_due(now=clock()))

        assert not [sweep for sweep in sweeps if isinstance(sweep, BaseException)], sweeps
        assert sum(sweep.delivered for sweep in sweeps) == 30
        received = mail_server.inbox.message_ids()
        assert received == {_message_id(ident): 1 for ident in ids}
        assert {message.state for message in _messages(ids)} == {MessageState.SENT}
        clock.advance(minutes=1)


def test_with_the_server_down_messages_wait_and_go_once_when_it_returns(
    app, mail_server, queue, clock
):
    ids = queue(6)
    mail_server.stop()
    runner = app.test_cli_runner()

    down = runner.invoke(args=["remind"])

    assert down.exit_code == 1, down.output
    assert "6 message(s) could not be sent" in down.output
    for message in _messages(ids):
        assert message.state is MessageState.RETRYING
        assert message.attempts == 1
        assert message.next_attempt_at == clock() + timedelta(seconds=60)
        assert message.sent_at is None and "Connection" in message.error
    # Not due again yet: nothing is tried, nothing fails.
    assert runner.invoke(args=["remind"]).exit_code == 0
    assert {message.attempts for message in _messages(ids)} == {1}

    mail_server.start()
    assert runner.invoke(args=["remind"]).exit_code == 0
    assert mail_server.inbox.message_ids() == {}  # back, but the retry is not due
    clock.advance(seconds=60)
    sweeps = race(app, lambda: deliver_due(now=clock()), lambda: deliver_due(now=clock()))
    again = runner.invoke(args=["remind"])

    assert sum(sweep.delivered for sweep in sweeps) == 6
    assert again.exit_code == 0 and "0 message(s) delivered" in again.output
    assert mail_server.inbox.message_ids() == {_message_id(ident): 1 for ident in ids}
    for message in _messages(ids):
        assert (message.state, message.attempts, message.sent_at) == (
            MessageState.SENT,
            2,
            clock(),
        )


@pytest.mark.parametrize(
    ("attempts", "first", "expected"),
    [
        (1, 60, 60),
        (2, 60, 120),
        (3, 60, 240),
        (7, 60, 3840),
        (11, 60, 61440),
        (12, 60, 86400),  # 122880 would pass a day
        (100, 60, 86400),
        (1, 5, 5),
        (4, 5, 40),
        (1, 90000, 86400),
    ],
)
def test_the_backoff_doubles_from_the_first_retry_up_to_a_day(attempts, first, expected):
    assert retry_delay(attempts, first=timedelta(seconds=first)) == timedelta(seconds=expected)


@pytest.mark.parametrize(("retry_seconds", "max_attempts"), [(60, 8), (7, 3), (60, 1)])
def test_a_failing_message_is_retried_on_schedule_then_given_up(
    app, mail_server, queue, clock, monkeypatch, retry_seconds, max_attempts
):
    monkeypatch.setitem(app.config, "MAIL_RETRY_SECONDS", retry_seconds)
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", max_attempts)
    (ident,) = queue(1)
    mail_server.stop()
    waits = []
    for attempt in range(1, max_attempts + 1):
        sweep = deliver_due(now=clock())
        assert (sweep.failed, sweep.delivered) == (1, 0)
        (message,) = _messages([ident])
        assert message.attempts == attempt
        if attempt < max_attempts:
            assert sweep.dead == 0 and message.state is MessageState.RETRYING
            waits.append((message.next_attempt_at - clock()).total_seconds())
            assert deliver_due(now=message.next_attempt_at - timedelta(seconds=1)).failed == 0
            clock.set(message.next_attempt_at)
    assert waits == [retry_seconds * 2**n for n in range(max_attempts - 1)]
    assert sweep.dead == 1
    assert message.state is MessageState.DEAD
    mail_server.start()
    clock.advance(days=30)
    assert deliver_due(now=clock()).delivered == 0  # dead until an admin retries it
    assert mail_server.inbox.message_ids() == {}


def test_a_permanent_refusal_is_given_up_at_once_and_the_rest_go(
    app, mail_server, queue, make_user, clock
):
    ids = queue(2)
    nobody = make_user(f"ghost@{NO_SUCH_DOMAIN}")
    (refused,) = queue(1, to=nobody)

    sweep = deliver_due(now=clock())

    assert (sweep.delivered, sweep.failed, sweep.dead) == (2, 1, 1)
    (message,) = _messages([refused])
    assert message.state is MessageState.DEAD and message.attempts == 1
    assert "550" in message.error
    assert mail_server.inbox.message_ids() == {_message_id(ident): 1 for ident in ids}


def test_a_crashed_sweeps_claim_lapses_and_the_messages_go_once(app, mail_server, queue, clock):
    ids = queue(4)
    claimed = claim_due(now=clock(), limit=10)  # then the process dies: nothing recorded
    assert [envelope.id for envelope in claimed] == ids

    assert deliver_due(now=clock() + CLAIM_FOR - timedelta(seconds=1)).delivered == 0
    assert deliver_due(now=clock() + CLAIM_FOR).delivered == 4
    assert mail_server.inbox.message_ids() == {_message_id(ident): 1 for ident in ids}


def test_a_stopped_sweep_finishes_the_message_in_hand_and_gives_back_the_rest(
    app, mail_server, queue, clock
):
    ids = queue(5)

    stopped = deliver_due(now=clock(), should_stop=lambda: bool(mail_server.inbox.messages))

    assert stopped.delivered == 1
    waiting = [message for message in _messages(ids) if message.state is MessageState.QUEUED]
    assert len(waiting) == 4 and {message.claimed_until for message in waiting} == {None}
    assert deliver_due(now=clock()).delivered == 4  # at once: no claim left to run out
    assert mail_server.inbox.message_ids() == {_message_id(ident): 1 for ident in ids}


def test_without_a_mail_server_messages_are_written_to_the_log_and_marked_sent(
    app, queue, clock, caplog
):
    ids = queue(2)
    assert app.config["MAIL_SERVER"] == ""

    with caplog.at_level("INFO"):
        sweep = deliver_due(now=clock())

    assert sweep.delivered == 2
    assert {message.state for message in _messages(ids)} == {MessageState.SENT}
    assert sum("All feedback is in" in record.getMessage() for record in caplog.records) == 2
