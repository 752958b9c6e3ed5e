"""The time zone of whoever reads the page: pages show and read times in it. Looked up once per
request (the organisation's zone costs a query when the person has none of their own)."""

from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context
from flask_login import current_user

from .. import zones
from .services import zone_of


def viewer_zone() -> str:
    """The signed-in person's zone, else the organisation's."""
    if not has_request_context():
        return zone_of(None)
    cached = g.get("viewer_zone")
    if cached is None:
        user = current_user if current_user and current_user.is_authenticated else None
        cached = g.viewer_zone = zone_of(user)
    return cached


def local_time(
    moment: datetime | None, zone: str | None = None, pattern: str = "%Y-%m-%d %H:%M"
) -> str:
    """The Jinja filter every page and message formats a time with: in `zone` when given (a
    message names its recipient's), else in the reader's."""
    if moment is None:
        return "—"
    return zones.format_local(moment, zone or viewer_zone(), pattern)


def to_viewer(moment: datetime | None) -> datetime | None:
    """`moment` as the reader's clock reads it, without its zone (for a datetime-local input)."""
    if moment is None:
        return None
    return zones.local(moment, viewer_zone()).replace(tzinfo=None)


def from_viewer(wall_clock: datetime | None) -> datetime | None:
    """A time the reader entered (in their zone), in UTC."""
    if wall_clock is None:
        return None
    return zones.from_local(wall_clock, viewer_zone())
