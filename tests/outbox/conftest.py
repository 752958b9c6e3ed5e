"""A real SMTP server (aiosmtpd) in this process, and messages queued the way the app queues
them, for the delivery tests; the small organisation of tests/organisation.py, for the notices'
stories."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from organisation import org  # noqa: F401

from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage
from barraiser.outbox.services import queue_message

# Mail to this domain is refused for good (550), as a mailbox that does not exist is.
NO_SUCH_DOMAIN = "nowhere.example.com"


class Inbox:
    """The server's handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[Message] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith(f"@{NO_SUCH_DOMAIN}"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(message["Message-ID"] for message in self.messages)

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


class MailServer:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """The app sends to a running SMTP server; the test may stop and start it."""
    server = MailServer()
    server.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    yield server
    server.stop()


@pytest.fixture
def queue(app: Flask, make_loop, clock) -> Callable[..., list[int]]:
    """`queue(n)` queues n "loop ready" notices (to the loop's Bar Raiser, or to `to`) and
    commits; returns their ids."""
    built = make_loop()
    counter = iter(range(1, 1_000_000))

    def make(count: int, *, to=None) -> list[int]:
        keys = []
        for _ in range(count):
            key = f"test-notice:{next(counter)}"
            queue_message(
                to or built.bar_raiser,
                kind="loop_ready",
                dedupe_key=key,
                subject=f"All feedback is in ({key})",
                template="loop_ready",
                context={"loop": built.loop, "candidate": "Casey"},
                now=clock(),
                loop_id=built.loop.id,
            )
            keys.append(key)
        db.session.flush()
        ids = list(
            db.session.scalars(
                db.select(OutboxMessage.id)
                .where(OutboxMessage.dedupe_key.in_(keys))
                .order_by(OutboxMessage.id)
            )
        )
        db.session.commit()  # SQLite: hold no write lock while others sweep
        return ids

    return make
