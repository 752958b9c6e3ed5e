"""Which period a review covers: the cadence's months, aligned on the calendar (monthly: each
month; quarterly: January-March, April-June...), due the day after the period ends."""

from __future__ import annotations

from datetime import date, timedelta


def _month(index: int) -> date:
    """The first day of the month `index` months after January of year 0."""
    return date(index // 12, index % 12 + 1, 1)


def latest_period(today: date, *, months: int) -> tuple[date, date]:
    """The last whole period that has ended by `today`: (first day, last day)."""
    current = today.year * 12 + today.month - 1
    start_of_current = current - current % months
    return _month(start_of_current - months), _month(start_of_current) - timedelta(days=1)
