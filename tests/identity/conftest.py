"""The local OpenID Connect provider, with the app configured to sign in through it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from oidc_provider import Provider, configured_provider


@pytest.fixture
def provider(app: Flask) -> Iterator[Provider]:
    with configured_provider(app) as running:
        yield running
