"""Webhooks: a loop's life queues its events in the outbox, and a real HTTP receiver gets them
signed per Standard Webhooks (checked with the `standardwebhooks` library), retried after a 500,
each exactly once per endpoint however many sweeps run; payloads carry no feedback or votes;
addresses inside the network are refused unless allowed."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from concurrency import race
from outbox.story import BASE_URL, tell_story
from processes import run_together
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from barraiser.audit.models import AuditEvent
from barraiser.auth.models import Role
from barraiser.domain import MessageState
from barraiser.errors import RuleViolation
from barraiser.extensions import db
from barraiser.outbox.models import OutboxMessage, WebhookEndpoint
from barraiser.outbox.services import deliver_due
from barraiser.outbox.webhooks import WEBHOOK_EVENTS, create_endpoint, queue_event, url_problem


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps what it is sent and answers from `answers` (then
    200). Every request is verified with the library against `secrets` by path."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, dict[str, str], str]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                with receiver.lock:
                    receiver.received.append((self.path, dict(self.headers.items()), body))
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ids(self, path: str | None = None) -> Counter[str]:
        with self.lock:
            return Counter(
                headers["webhook-id"]
                for where, headers, _ in self.received
                if path is None or where == path
            )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app, clock, monkeypatch) -> Iterator[Receiver]:
    """The receiver, reachable: private addresses allowed, as a self-hoster would. The clock is
    today's, since receivers refuse a signature more than five minutes old."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", True)
    clock.set(datetime.now(UTC).replace(microsecond=0))
    server = Receiver()
    yield server
    server.stop()


def _endpoint(url: str, events=tuple(WEBHOOK_EVENTS), *, actor) -> tuple[WebhookEndpoint, str]:
    endpoint, secret = create_endpoint(
        url=url, events=events, description="ATS", actor=actor, now=datetime.now(UTC)
    )
    db.session.commit()
    return endpoint, secret


def _webhooks() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.endpoint_id.is_not(None))
            .order_by(OutboxMessage.id)
        )
    )


# What no payload may carry: the words of feedback, ratings, votes, proposals, names.
FORBIDDEN_KEYS = {"vote", "votes", "rating", "ratings", "text", "evidence", "summary", "rationale"}
FORBIDDEN_KEYS |= {"decision", "proposal", "name", "email", "notes", "reason", "subject"}


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for each in value.values() for key in _keys(each)}
    if isinstance(value, list):
        return {key for each in value for key in _keys(each)}
    return set()


def test_a_loops_life_is_delivered_signed_and_a_500_is_retried(
    app, org, clock, login_as, make_user, receiver, monkeypatch
):
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    admin = make_user("webhooks-admin@example.com", roles=(Role.ADMIN,))
    _, secret = _endpoint(f"{receiver.url}/hooks", actor=admin)
    _endpoint(f"{receiver.url}/decisions", ["loop.decided"], actor=admin)

    story = tell_story(org, clock, login_as, make_user, follow_links=False)

    messages = _webhooks()
    by_type = Counter((m.endpoint_id, m.subject) for m in messages)
    first, second = sorted({m.endpoint_id for m in messages})
    panel = len([i for i in story.loop.interviews])
    assert by_type[(first, "loop.scheduled")] == 2  # the story's loop, and the one it cancels
    assert by_type[(first, "feedback.submitted")] == panel
    assert by_type[(first, "debrief.opened")] == 1
    assert by_type[(first, "loop.decided")] == 1
    assert by_type[(first, "action_item.changed")] == 1  # created (the unchanged save: nothing)
    assert {subject for (endpoint, subject) in by_type if endpoint == second} == {"loop.decided"}
    for message in messages:
        payload = json.loads(message.body)
        assert payload["type"] == message.subject
        assert not _keys(payload["data"]) & FORBIDDEN_KEYS, payload
        assert story.loop.candidate.display_name not in message.body

    # The receiver is down for the first delivery (500): it is retried later, then arrives.
    receiver.answers = [500]
    clock.set(datetime.now(UTC).replace(microsecond=0))
    assert deliver_due(now=clock()).failed == 1
    (retrying,) = [m for m in _webhooks() if m.state is not MessageState.SENT]
    assert retrying.state is MessageState.RETRYING and retrying.error.startswith("WebhookFailed")
    assert "HTTP 500" in retrying.error
    assert deliver_due(now=clock()).delivered == 0  # not due yet
    clock.advance(seconds=app.config["WEBHOOK_RETRY_SECONDS"])
    assert deliver_due(now=clock()).delivered == 1
    assert {m.state for m in _webhooks()} == {MessageState.SENT}

    hooks = Webhook(secret)
    retried_id = f"msg_{retrying.id}"
    assert receiver.ids("/hooks")[retried_id] == 2  # the same id on the retry
    for path, headers, body in receiver.received:
        if path != "/hooks":
            continue
        payload = hooks.verify(body, headers)
        assert payload["type"] in WEBHOOK_EVENTS
        assert headers["Content-Type"] == "application/json"
    decided = next(json.loads(body) for path, _, body in receiver.received if path == "/decisions")
    assert decided["data"]["outcome"] == story.loop.outcome.value
    assert decided["data"]["vetoed"] is story.loop.vetoed
    # A signature made with another secret, or a body changed on the way, does not verify.
    path, headers, body = next(item for item in receiver.received if item[0] == "/decisions")
    with pytest.raises(WebhookVerificationError):
        hooks.verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("true", "false") + " ", headers)


def _queue(count: int, *, now: datetime) -> None:
    for index in range(count):
        queue_event("debrief.opened", {"loop_id": index}, key=f"race-{index}", now=now)
    db.session.commit()


def test_two_sweeps_at_once_deliver_each_event_once_per_endpoint(app, clock, receiver, make_user):
    admin = make_user(roles=(Role.ADMIN,))
    _endpoint(f"{receiver.url}/a", actor=admin)
    _endpoint(f"{receiver.url}/b", ["debrief.opened"], actor=admin)
    _queue(15, now=clock())

    sweeps = race(app, lambda: deliver_due(now=clock()), lambda: deliver_due(now=clock()))

    assert not [sweep for sweep in sweeps if isinstance(sweep, BaseException)], sweeps
    assert sum(sweep.delivered for sweep in sweeps) == 30
    ids = {f"msg_{m.id}": 1 for m in _webhooks()}
    assert receiver.ids() == ids
    assert len(receiver.ids("/a")) == len(receiver.ids("/b")) == 15


def test_two_worker_processes_deliver_each_event_once(app, clock, receiver, make_user, tmp_path):
    admin = make_user(roles=(Role.ADMIN,))
    _endpoint(f"{receiver.url}/a", actor=admin)
    _endpoint(f"{receiver.url}/b", actor=admin)
    _queue(20, now=clock())
    environment = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret",
        "BARRAISER_ENV": "",
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",
    }

    finished = run_together([(["remind"], environment), (["remind"], environment)], tmp_path)

    assert [each.exit_code for each in finished] == [0, 0], [each.output for each in finished]
    assert receiver.ids() == {f"msg_{m.id}": 1 for m in _webhooks()}
    assert len(receiver.ids()) == 40
    assert {m.state for m in _webhooks()} == {MessageState.SENT}


@pytest.mark.parametrize(
    ("answer", "error"),
    [(302, "redirects are not followed"), (404, "HTTP 404"), (500, "HTTP 500")],
)
def test_an_answer_other_than_2xx_is_a_failure_and_redirects_are_not_followed(
    app, clock, receiver, make_user, answer, error
):
    _endpoint(f"{receiver.url}/a", actor=make_user(roles=(Role.ADMIN,)))
    _queue(1, now=clock())
    receiver.answers = [answer]

    assert deliver_due(now=clock()).failed == 1

    (message,) = _webhooks()
    assert message.state is MessageState.RETRYING and error in message.error
    assert [path for path, _, _ in receiver.received] == ["/a"]  # the Location was not called


def test_after_the_last_attempt_a_delivery_is_dead(app, clock, receiver, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    _endpoint(f"{receiver.url}/a", actor=make_user(roles=(Role.ADMIN,)))
    _queue(1, now=clock())
    receiver.answers = [503, 503]
    deliver_due(now=clock())
    clock.advance(seconds=app.config["WEBHOOK_RETRY_SECONDS"])

    assert deliver_due(now=clock()).dead == 1
    (message,) = _webhooks()
    assert (message.state, message.attempts) == (MessageState.DEAD, 2)


PRIVATE = [
    "http://127.0.0.1:9/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://100.64.0.1/hook",
]


def test_private_loopback_and_link_local_addresses_are_refused_by_default(app, make_user):
    admin = make_user(roles=(Role.ADMIN,))
    for url in PRIVATE:
        with pytest.raises(RuleViolation, match="not a public address"):
            _endpoint(url, actor=admin)
    assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 0


def test_a_name_that_resolves_inside_the_network_at_delivery_is_refused(
    app, clock, receiver, make_user, monkeypatch
):
    """Registered while private addresses were allowed (or while the name pointed elsewhere):
    every delivery resolves again, and a private answer is refused, for good."""
    _endpoint(f"{receiver.url.replace('127.0.0.1', 'localhost')}/a", actor=make_user())
    _queue(1, now=clock())
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)

    assert deliver_due(now=clock()).dead == 1

    (message,) = _webhooks()
    assert "not a public address" in message.error
    assert receiver.received == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://user:pass@example.com/hook",
        "https:///nohost",
        "http://example.com:99999/hook",
        "http://exa mple.com/hook",
        "https://example.com/" + "a" * 2000,
    ],
)
def test_only_http_and_https_urls_with_a_host_can_be_endpoints(url):
    assert url_problem(url) is not None


def test_a_disabled_endpoint_gets_nothing_new_and_what_waited_is_given_up(
    app, clock, receiver, make_user
):
    admin = make_user(roles=(Role.ADMIN,))
    endpoint, _ = _endpoint(f"{receiver.url}/a", actor=admin)
    _queue(1, now=clock())
    client = _admin_client(app, admin)
    assert client.post(f"/admin/webhooks/{endpoint.id}/disable").status_code == 302
    queue_event("debrief.opened", {"loop_id": 99}, key="after", now=clock())
    db.session.commit()

    assert deliver_due(now=clock()).dead == 1
    assert len(_webhooks()) == 1 and receiver.received == []


def _admin_client(app, admin):
    from conftest import login

    client = app.test_client()
    assert login(client, admin).status_code == 302
    return client


def test_admins_add_an_endpoint_see_its_secret_once_and_its_deliveries(
    app, login_as, clock, receiver
):
    client = login_as("admin")
    url = f"{receiver.url}/ats"

    added = client.post(
        "/admin/webhooks/",
        data={"url": url, "description": "ATS", "events": ["loop.decided", "loop.scheduled"]},
    )

    page = added.get_data(as_text=True)
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert added.status_code == 201
    assert endpoint.url == url and endpoint.event_types == ["loop.decided", "loop.scheduled"]
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in page
    again = client.get("/admin/webhooks/").get_data(as_text=True)
    assert endpoint.secret not in again and url in again
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "webhook.created")
    )
    queue_event("loop.decided", {"loop_id": 1}, key="1", now=clock())
    db.session.commit()
    deliver_due(now=clock())
    listed = client.get("/admin/messages/?state=sent").get_data(as_text=True)
    assert "Webhook" in listed and url in listed and "loop.decided" in listed
    assert "sent 1" in client.get("/admin/webhooks/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "ftp://example.com/x", "events": ["loop.decided"]}, "Only http"),
        ({"url": "http://10.0.0.1/x", "events": ["loop.decided"]}, "not a public address"),
        ({"url": "https://example.com/x"}, "Choose at least one event"),
        ({"url": "https://example.com/x", "events": ["loop.everything"]}, "not a valid choice"),
        ({"url": "", "events": ["loop.decided"]}, "This field is required"),
    ],
)
def test_a_bad_endpoint_is_refused_with_a_message_and_nothing_is_added(
    app, login_as, data, message
):
    response = login_as("admin").post("/admin/webhooks/", data=data)

    assert response.status_code in (400, 422)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 0


def test_only_admins_know_the_webhooks_page_exists(app, login_as, make_user):
    endpoint, _ = _endpoint("https://example.com/hook", actor=make_user(roles=(Role.ADMIN,)))
    for role in ["recruiter", "hiring_manager", "inspector", "interviewer"]:
        client = login_as(role)

        assert client.get("/admin/webhooks/").status_code == 404, role
        assert client.post(f"/admin/webhooks/{endpoint.id}/disable").status_code == 404, role
        assert client.post(f"/admin/webhooks/{endpoint.id}/secret").status_code == 404, role
    assert db.session.get(WebhookEndpoint, endpoint.id).enabled


def test_a_new_secret_signs_what_goes_out_from_then_on(app, clock, receiver, login_as):
    client = login_as("admin")
    endpoint, old = _endpoint(f"{receiver.url}/a", actor=client.user)
    page = client.post(f"/admin/webhooks/{endpoint.id}/secret").get_data(as_text=True)
    db.session.expire_all()
    new = db.session.get(WebhookEndpoint, endpoint.id).secret
    assert new != old and new in page
    _queue(1, now=clock())

    deliver_due(now=clock())

    ((_, headers, body),) = receiver.received
    assert Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, headers)


def test_erasing_the_candidate_withholds_their_unsent_events(app, clock, make_loop, make_user):
    """Nothing about an erased candidate leaves after the erasure, even as ids."""
    from barraiser.outbox.privacy import personal_data
    from barraiser.personal_data import DataSubject

    built = make_loop()
    _endpoint("https://example.com/hook", actor=make_user(roles=(Role.ADMIN,)))
    queue_event(
        "debrief.opened",
        {"loop_id": built.loop.id},
        key="x",
        now=clock(),
        loop_id=built.loop.id,
        candidate_id=built.loop.candidate_id,
    )
    personal_data.erase(
        DataSubject(candidate_id=built.loop.candidate_id, loop_ids=(built.loop.id,)), now=clock()
    )
    db.session.commit()
    (message,) = _webhooks()
    assert message.state is MessageState.WITHHELD
    assert deliver_due(now=clock()).delivered == 0
