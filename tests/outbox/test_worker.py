"""`flask worker`: sweeps until SIGTERM, then exits 0; the demo's worker runs in its own process
and writes mail to the log, so the demo's messages are delivered."""

from __future__ import annotations

import os
import re
import signal
import socket

import sqlalchemy as sa
from processes import start, wait_for

from barraiser.domain import MessageState
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage
from barraiser.worker import Worker


def _states(ids: list[int] | None = None) -> set[MessageState]:
    query = sa.select(OutboxMessage.state)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    states = set(db.session.scalars(query))
    db.session.commit()  # SQLite: no transaction (and no write lock) held between looks
    return states


def test_the_worker_delivers_then_stops_on_sigterm_with_exit_0(app, mail_server, queue, tmp_path):
    ids = queue(3)
    expected = {f"<outbox-{ident}@localhost>" for ident in ids}
    environment = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret",
        "BARRAISER_ENV": "",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mail_server.port),
    }
    worker = start(["worker", "--interval", "0.2"], environment, tmp_path)

    delivered = wait_for(lambda: expected <= set(mail_server.inbox.message_ids()))
    os.kill(worker.process.pid, signal.SIGTERM)
    exit_code = worker.finish()

    assert delivered, worker.output
    assert exit_code == 0, worker.output
    assert "SIGTERM: stopping after the message in hand" in worker.output
    assert "worker stopped" in worker.output
    # Our three, and the reminders the worker queued itself (its clock is the real one).
    assert re.search(r"sweep: \d+ reminder\(s\) queued; \d+ message\(s\) delivered", worker.output)
    assert all(mail_server.inbox.message_ids()[key] == 1 for key in expected)
    assert _states(ids) == {MessageState.SENT}


def test_an_in_process_worker_writes_mail_to_the_log_and_stops(app, queue, caplog):
    ids = queue(2)
    worker = Worker(app, interval=0.05)
    with caplog.at_level("INFO"):
        thread = worker.start_in_background()
        delivered = wait_for(lambda: _states(ids) == {MessageState.SENT}, timeout=30)
        worker.stop()
        thread.join(30)
    assert delivered and not thread.is_alive()
    assert any("mail to" in record.getMessage() for record in caplog.records)


def test_the_served_demo_delivers_its_messages(tmp_path):
    """`flask demo --serve`: the demo has no mail server; its in-process worker writes every
    queued message to the log and marks it sent."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    environment = {"DATABASE_URL": url, "SECRET_KEY": "test-secret", "BARRAISER_ENV": ""}
    args = ["demo", "--reset", "--password", "demo-passes-1", "--port", str(port), "--serve"]
    demo = start([*args, "--sweep-every", "0.2"], environment, tmp_path)
    engine = sa.create_engine(url, poolclass=sa.NullPool)

    def counts() -> dict[str, int]:
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT state, count(*) FROM outbox_message GROUP BY state")
                )
                return dict(rows.all())
        except sa.exc.OperationalError:  # not built yet
            return {}

    try:
        delivered = wait_for(lambda: counts().get("sent", 0) > 0 and set(counts()) == {"sent"})
    finally:
        os.kill(demo.process.pid, signal.SIGTERM)
        demo.finish()
        engine.dispose()
    assert delivered, (counts(), demo.output[-2000:])
    assert "mail to " in demo.output
