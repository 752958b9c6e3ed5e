"""API fixtures: tokens made through the same service as the pages, and a client that sends one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from barraiser.api.models import TokenKind
from barraiser.api.services import create_token
from barraiser.auth.models import User
from barraiser.extensions import db


@pytest.fixture
def make_token(app: Flask, clock) -> Callable[..., str]:
    """`make_token(user)` → a personal token's secret; `make_token(user, scopes=[...])` a
    service token made by `user`."""

    def make(user: User, *, scopes: tuple[str, ...] = (), expires_days: int | None = 30) -> str:
        _, secret = create_token(
            user=user,
            name="test",
            kind=TokenKind.SERVICE if scopes else TokenKind.PERSONAL,
            scopes=scopes,
            expires_days=expires_days,
            actor=user,
            now=clock(),
        )
        db.session.commit()
        return secret

    return make


class Api:
    """Requests to /api/v1 with `Authorization: Bearer <token>`."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        return sent

    def get(self, path: str, **kwargs):
        return self.client.get(
            f"/api/v1{path}", headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    def post(self, path: str, json=None, **kwargs):
        headers = self._headers(kwargs.pop("headers", None))
        return self.client.post(f"/api/v1{path}", json=json or {}, headers=headers, **kwargs)

    def patch(self, path: str, json=None, **kwargs):
        headers = self._headers(kwargs.pop("headers", None))
        return self.client.patch(f"/api/v1{path}", json=json or {}, headers=headers, **kwargs)

    def put(self, path: str, json=None, **kwargs):
        headers = self._headers(kwargs.pop("headers", None))
        return self.client.put(f"/api/v1{path}", json=json or {}, headers=headers, **kwargs)


@pytest.fixture
def api_as(app: Flask, make_token) -> Callable[..., Api]:
    def make(user: User | None, *, scopes: tuple[str, ...] = (), token: str | None = None) -> Api:
        if token is None and user is not None:
            token = make_token(user, scopes=scopes)
        return Api(app.test_client(), token)

    return make
