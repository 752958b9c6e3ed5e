"""Webhooks: events for integrations, queued in the outbox in the transaction of the change that
caused them and delivered by the same sweeps as email (claimed under a lease, so exactly once per
endpoint; retried with backoff; dead after WEBHOOK_MAX_ATTEMPTS; on the admin's Messages page).

Each delivery is signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`,
`webhook-signature`, HMAC-SHA256 with the endpoint's `whsec_` secret) by the `standardwebhooks`
package. The `webhook-id` is the message's own, the same on every retry, so a receiver can drop a
duplicate. A payload is `{"type", "timestamp", "data"}` and carries ids and facts, never feedback
text, ratings or votes: what was decided goes out only once the loop is decided, when every
panelist has submitted.

Requests go to http(s) URLs only and redirects are not followed. Unless
WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on, an address that is private, loopback, link-local or
otherwise not public is refused when the endpoint is registered and again at every delivery: the
host name is resolved, each address checked, and the connection made to the checked address, so
a name that resolves elsewhere a moment later (DNS rebinding) reaches nothing new."""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from standardwebhooks.webhooks import Webhook

from ..audit.services import record
from ..auth.models import User
from ..errors import Conflict, RuleViolation
from ..extensions import db
from .models import WebhookEndpoint
from .queueing import queue_once

# The events an endpoint may subscribe to, with what each tells.
WEBHOOK_EVENTS: dict[str, str] = {
    "loop.scheduled": "A loop was scheduled: its panel has been invited.",
    "feedback.submitted": "An interviewer submitted feedback (the fact only, never its content).",
    "debrief.opened": "A loop's debrief opened.",
    "loop.decided": "A loop was decided: the outcome, and whether the Bar Raiser vetoed.",
    "action_item.changed": "A calibration action item was created or changed.",
}
WEBHOOK_KIND = "webhook"
MAX_URL_LENGTH = 2000
# What a delivery reads of the answer: the status, and a little of the body for the error.
READ_AT_MOST = 2000


class WebhookRefused(Exception):
    """The delivery cannot be made this way (the address is not allowed, the URL is not ours to
    call): given up at once, not retried."""


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 32 random bytes in base64, as the spec writes it."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, *, message_id: str, timestamp: datetime, body: str) -> str:
    """The `webhook-signature` header for `body` (`v1,<base64>`)."""
    return Webhook(secret).sign(message_id, timestamp, body)


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_problem(url: str) -> str | None:
    """Why `url` cannot be an endpoint, or None: http(s) only, a host, no credentials, a port
    that is a port, not too long."""
    if len(url) > MAX_URL_LENGTH:
        return f"The URL is longer than {MAX_URL_LENGTH} characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "This is not a URL."
    if parts.scheme not in ("http", "https"):
        return "Only http:// and https:// URLs can receive webhooks."
    if not parts.hostname:
        return "The URL has no host."
    if parts.username is not None or parts.password is not None:
        return "Put no user name or password in the URL: deliveries are signed instead."
    if port == 0:
        return "The URL's port is not a port."
    if any(ord(char) < 33 or char in "\\" for char in url):
        return "The URL holds spaces or control characters."
    return None


def resolve(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses `host` resolves to, refused (WebhookRefused) when any is not public and
    private addresses are not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise OSError(f"cannot resolve {host}: {error}") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        refused = [address for address in addresses if not _address_allowed(address)]
        if refused:
            raise WebhookRefused(
                f"{host} resolves to {', '.join(refused)}, which is not a public address "
                "(set WEBHOOK_ALLOW_PRIVATE_ADDRESSES to deliver inside your network)"
            )
    return addresses


def _allow_private() -> bool:
    return bool(current_app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"])


def registration_problem(url: str) -> str | None:
    """`url_problem`, and the address policy for a host given as an address or that resolves
    now (a name that does not resolve yet is accepted: its deliveries wait and retry)."""
    problem = url_problem(url)
    if problem is not None:
        return problem
    parts = urlsplit(url)
    assert parts.hostname is not None
    try:
        resolve(parts.hostname, parts.port or 443, allow_private=_allow_private())
    except WebhookRefused as refused:
        return f"Refused: {refused}."
    except OSError:
        return None
    return None


def _events_problem(events: Iterable[str]) -> tuple[list[str], str | None]:
    chosen = list(dict.fromkeys(events))
    unknown = [event for event in chosen if event not in WEBHOOK_EVENTS]
    if unknown:
        return chosen, f"There is no event called {unknown[0]!r}."
    if not chosen:
        return chosen, "Choose at least one event."
    return chosen, None


def create_endpoint(
    *, url: str, events: Iterable[str], description: str, actor: User, now: datetime
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (to be shown once). Refused
    (RuleViolation, naming the field) for a URL or events that cannot be."""
    url = url.strip()
    chosen, events_problem = _events_problem(events)
    url_refusal = registration_problem(url)
    if url_refusal is not None:
        raise RuleViolation(url_refusal, field="url")
    if events_problem is not None:
        raise RuleViolation(events_problem, field="events")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=url,
        events=" ".join(chosen),
        description=description.strip()[:200],
        secret=secret,
        enabled=True,
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    record("webhook.created", actor=actor, subject=endpoint, now=now, url=url, events=chosen)
    return endpoint, secret


def set_enabled(endpoint: WebhookEndpoint, *, enabled: bool, actor: User, now: datetime) -> None:
    """Turn deliveries to `endpoint` on or off. Off: nothing new is queued for it and what
    waits is given up at its turn (an admin can retry it from Messages once it is on again)."""
    if endpoint.enabled == enabled:
        raise Conflict(f"This endpoint is {'enabled' if enabled else 'disabled'} already.")
    endpoint.enabled = enabled
    record(
        "webhook.enabled" if enabled else "webhook.disabled",
        actor=actor,
        subject=endpoint,
        now=now,
        url=endpoint.url,
    )
    db.session.flush()


def rotate_secret(endpoint: WebhookEndpoint, *, actor: User, now: datetime) -> str:
    """A new secret for `endpoint` (shown once); deliveries from now on are signed with it."""
    endpoint.secret = new_secret()
    record("webhook.secret_rotated", actor=actor, subject=endpoint, now=now, url=endpoint.url)
    db.session.flush()
    return endpoint.secret


def queue_event(
    event: str,
    data: Mapping[str, Any],
    *,
    key: str,
    now: datetime,
    loop_id: int | None = None,
    candidate_id: int | None = None,
) -> int:
    """Queue `event` for every enabled endpoint that takes it, in the caller's transaction;
    returns how many. `key` names this occurrence (the same key queues nothing twice, per
    endpoint). A message about a loop or candidate says so, to be withheld if they are erased
    before it goes."""
    assert event in WEBHOOK_EVENTS, event
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            sa.select(WebhookEndpoint)
            .where(WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookEndpoint.id)
        )
        if event in endpoint.event_types
    ]
    if not endpoints:
        return 0
    body = json.dumps(
        {"type": event, "timestamp": now.astimezone(UTC).isoformat(), "data": dict(data)},
        separators=(",", ":"),
        sort_keys=True,
    )
    queued = 0
    for endpoint in endpoints:
        columns: dict[str, Any] = {
            "kind": WEBHOOK_KIND,
            "endpoint_id": endpoint.id,
            "loop_id": loop_id,
            "candidate_id": candidate_id,
            "subject": event,
            "body": body,
        }
        if not queue_once(f"webhook:{endpoint.id}:{event}:{key}", now=now, columns=columns.copy):
            continue
        queued += 1
    return queued


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate checked against the URL's host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(url: str, body: str, headers: Mapping[str, str]) -> Answer:
    """POST `body` to `url` under the address policy; redirects are answers, not followed.
    Raises WebhookRefused for a URL or address that may not be called, OSError when the
    receiver cannot be reached."""
    problem = url_problem(url)
    if problem is not None:
        raise WebhookRefused(problem)
    parts = urlsplit(url)
    host = parts.hostname
    assert host is not None
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    addresses = resolve(host, port, allow_private=_allow_private())
    timeout = float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"])
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    last_error: OSError | None = None
    for address in addresses:
        connection = connection_class(host, port, address=address, timeout=timeout)
        try:
            connection.request(
                "POST",
                target,
                body=body.encode(),
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "BarRaiser-Webhooks/1",
                    **headers,
                },
            )
            response = connection.getresponse()
            text = response.read(READ_AT_MOST).decode("utf-8", "replace")
            return Answer(status=response.status, text=text)
        except (OSError, http.client.HTTPException) as error:
            last_error = error if isinstance(error, OSError) else OSError(str(error))
        finally:
            connection.close()
    raise last_error or OSError(f"{host} has no address")


def deliver(*, message_id: int, url: str, secret: str, body: str, now: datetime) -> None:
    """Send one claimed delivery, signed. Raises WebhookRefused (give up), OSError (retry), or
    WebhookFailed for an answer other than 2xx (retry)."""
    webhook_id = f"msg_{message_id}"
    timestamp = now.astimezone(UTC)
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": sign(secret, message_id=webhook_id, timestamp=timestamp, body=body),
    }
    answer = post(url, body, headers)
    if 300 <= answer.status < 400:
        raise WebhookFailed(f"HTTP {answer.status}: redirects are not followed")
    if not 200 <= answer.status < 300:
        raise WebhookFailed(f"HTTP {answer.status}: {answer.text[:200]}".rstrip(": "))


class WebhookFailed(Exception):
    """The receiver answered, but not with a 2xx: tried again later."""
