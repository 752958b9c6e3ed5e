"""Time zones: times are stored in UTC and entered and shown in a person's own zone (their
profile's, else the organisation's). The one place that names zones, checks them and converts."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_ZONE = "UTC"
MAX_ZONE_LENGTH = 64


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted (the choices of a zone picker)."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zone_names())


def is_zone(name: object) -> bool:
    """Is `name` an IANA time zone name (as zoneinfo knows it)?"""
    if not isinstance(name, str) or not name or len(name) > MAX_ZONE_LENGTH:
        return False
    # UTC is known without asking the system, whose list of zones takes 0.05 to 0.1 s to read:
    # the default settings, checked as the app starts, name it.
    return name == DEFAULT_ZONE or name in _known_zones()


def zone(name: str | None) -> tzinfo:
    """The zone called `name`; UTC for None or a name no longer known."""
    if not name or not is_zone(name):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local(moment: datetime, name: str | None) -> datetime:
    """`moment` (aware, or naive UTC as SQLite returns it) as the clock in zone `name` reads it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(name))


def from_local(wall_clock: datetime, name: str | None) -> datetime:
    """A wall-clock time entered in zone `name`, as an aware UTC datetime. A time that falls in
    a clock change's gap or fold is read as zoneinfo reads it (fold 0: the earlier reading)."""
    if wall_clock.tzinfo is not None:
        return wall_clock.astimezone(UTC)
    return wall_clock.replace(tzinfo=zone(name)).astimezone(UTC)


def abbreviation(moment: datetime, name: str | None) -> str:
    """The zone's short name at `moment` ('CET', 'EDT'); the offset where the zone has none."""
    return _abbreviation_of(local(moment, name))


def _abbreviation_of(shown: datetime) -> str:
    label = shown.tzname() or ""
    if not label or label[0] in "+-":
        offset = shown.strftime("%z")
        label = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
    return label


def format_local(moment: datetime | None, name: str | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """`moment` as read in zone `name`, with the zone's short name: '2026-03-02 09:00 CET'."""
    if moment is None:
        return "—"
    shown = local(moment, name)
    return f"{shown.strftime(pattern)} {_abbreviation_of(shown)}"
