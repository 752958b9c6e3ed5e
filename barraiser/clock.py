"""The time of the request. Views read it here and pass it to services; tests replace it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app, has_app_context


def system_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    """Aware UTC now, from the app's `CLOCK` setting when one is configured (tests do)."""
    source: Callable[[], datetime] = (
        current_app.config.get("CLOCK", system_now) if has_app_context() else system_now
    )
    return source()
