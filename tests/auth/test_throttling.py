"""Failed logins are limited per account and address, per account, and per address: guessing at
one account from an office's shared address does not lock the office out, spraying one account
from many addresses is stopped, and a limiter whose storage is down lets logins through."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from conftest import PASSWORD
from flask import Flask
from flask.testing import FlaskClient

from barraiser.extensions import limiter

OFFICE = "203.0.113.7"
HOME = "198.51.100.23"


def _login(client: FlaskClient, email: str, password: str, address: str):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


@contextmanager
def limiter_storage(app: Flask, uri: str, **options: object) -> Iterator[None]:
    """The app's limiter counting in another storage for the block, then back to the test one."""
    saved = {
        key: app.config.get(key) for key in ("RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_OPTIONS")
    }
    app.config["RATELIMIT_STORAGE_URI"] = uri
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {
        **(saved["RATELIMIT_STORAGE_OPTIONS"] or {}),
        **options,
    }
    limiter.init_app(app)
    try:
        yield
    finally:
        app.config.update(saved)
        limiter._storage_options.clear()  # init_app merges options in; start from the app's own
        limiter._storage_dead = False
        limiter.init_app(app)


def test_guessing_at_one_account_does_not_lock_out_the_office_behind_the_same_address(
    client, make_user
):
    ada = make_user("ada@example.com")
    bob = make_user("bob@example.com")
    for _ in range(5):
        assert _login(client, ada.email, "wrong password", OFFICE).status_code == 401
    assert _login(client, ada.email, "wrong password", OFFICE).status_code == 429
    assert _login(client, ada.email, PASSWORD, OFFICE).status_code == 429
    # Bob, at the next desk, logs in; so does Ada, from home.
    assert _login(client, bob.email, PASSWORD, OFFICE).status_code == 302
    assert _login(FlaskClient(client.application), ada.email, PASSWORD, HOME).status_code == 302


def test_spraying_one_account_from_many_addresses_is_limited(client, make_user):
    ada = make_user("ada@example.com")
    addresses = [f"192.0.2.{n}" for n in range(1, 41)]
    answers = [_login(client, ada.email, "wrong password", a).status_code for a in addresses]
    assert answers[:20] == [401] * 20
    assert set(answers[20:]) == {429}
    # The account is limited wherever the next attempt comes from; other accounts are not.
    assert _login(client, ada.email, "wrong password", "192.0.2.200").status_code == 429
    bob = make_user("bob@example.com")
    assert _login(client, bob.email, PASSWORD, "192.0.2.200").status_code == 302


def test_one_address_guessing_at_many_accounts_meets_a_ceiling(client):
    answers = [
        _login(client, f"person{n}@example.com", "wrong password", OFFICE).status_code
        for n in range(101)
    ]
    assert answers[:100] == [401] * 100
    assert answers[100] == 429


def test_the_limiter_keeps_no_email_address(client, make_user):
    make_user("ada@example.com")
    _login(client, "Ada@Example.com ", "wrong password", OFFICE)
    keys = list(limiter.storage.storage)  # the test app's in-memory storage
    assert keys, "the failure was counted"
    assert not any("ada" in key.lower() for key in keys)
    # The address is normalised like a login: the same account however it is typed.
    for _ in range(4):
        _login(client, "ada@example.com", "wrong password", OFFICE)
    assert _login(client, "ADA@example.com", "wrong password", OFFICE).status_code == 429


def test_logins_still_work_with_the_limiter_s_storage_down(app, client, make_user, caplog):
    ada = make_user("ada@example.com")
    with limiter_storage(app, "redis://127.0.0.1:1"), caplog.at_level(logging.WARNING):
        assert _login(client, ada.email, "wrong password", OFFICE).status_code == 401
        assert _login(client, ada.email, PASSWORD, OFFICE).status_code == 302
        # Counting goes on in memory meanwhile.
        other = FlaskClient(app)
        for _ in range(5):
            assert _login(other, ada.email, "wrong password", HOME).status_code == 401
        assert _login(other, ada.email, "wrong password", HOME).status_code == 429
    assert "Rate limit storage unreachable" in caplog.text


def _redis() -> redis.Redis:
    server = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.fail(
            "No Redis at 127.0.0.1:6379: start one (apt-get install redis-server); the shared "
            "count is tested against the real server, as production runs it"
        )
    return server


def test_workers_sharing_redis_share_one_count(app, make_user):
    """Two processes' limiters on one Redis see each other's failures (simulated: the count
    survives a fresh connection to the storage)."""
    server = _redis()
    prefix = f"barraiser-test-{uuid.uuid4().hex}"
    ada = make_user("ada@example.com")
    try:
        with limiter_storage(app, "redis://127.0.0.1:6379", key_prefix=prefix):
            first = FlaskClient(app)
            for _ in range(3):
                assert _login(first, ada.email, "wrong password", OFFICE).status_code == 401
        assert server.keys(f"{prefix}*"), "the failures were counted in Redis"
        with limiter_storage(app, "redis://127.0.0.1:6379", key_prefix=prefix):
            second = FlaskClient(app)
            for _ in range(2):
                assert _login(second, ada.email, "wrong password", OFFICE).status_code == 401
            assert _login(second, ada.email, PASSWORD, OFFICE).status_code == 429
    finally:
        keys = server.keys(f"{prefix}*")
        if keys:
            server.delete(*keys)
