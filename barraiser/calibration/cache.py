"""A per-server cache of the report's metrics, so sorting, filtering back and forth and the
CSV/JSON downloads of the same period do not rebuild it from 100,000 rows each time.

An entry is reused only while the data it was built from is unchanged, which one cheap query
tells: the newest audit event (every state change writes one) together with the counts and
version sums of the tables the report reads (which also catches rows written without an event,
such as an import's). Entries also expire after CALIBRATION_CACHE_SECONDS (0 turns the cache off).

Several servers share one database, each with its own cache (one per app): an entry is checked
against the database's fingerprint before each use, so a change made through any server is seen
by every other at its next report, never a stale figure. No coordination between servers needed.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..audit.models import AuditEvent
from ..auth.models import User
from ..debrief.models import FinalVote, HirePerformance, Verdict
from ..extensions import db
from ..feedback.models import Feedback, PrincipleRating
from ..loops.models import Interview, Loop
from ..principles.models import Principle

MAX_ENTRIES = 32
EXTENSION = "barraiser.calibration_cache"

Entries = OrderedDict[Hashable, tuple[float, tuple[Any, ...], str]]


def _cache() -> tuple[threading.Lock, Entries]:
    """This app's cache, made on first use (the app object is what one server is)."""
    return current_app.extensions.setdefault(EXTENSION, (threading.Lock(), OrderedDict()))


def data_fingerprint() -> tuple[Any, ...]:
    """What the report's inputs look like now, in one statement of scalar subqueries."""

    def scalar(column: sa.ColumnElement, model: type) -> sa.ScalarSelect:
        return sa.select(column).select_from(model).scalar_subquery()

    count = sa.func.count
    total = sa.func.coalesce
    query = sa.select(
        scalar(sa.func.max(AuditEvent.id), AuditEvent),
        scalar(count(), Loop),
        scalar(total(sa.func.sum(Loop.version), 0), Loop),
        scalar(count(), Interview),
        scalar(count(), Feedback),
        scalar(total(sa.func.sum(Feedback.version), 0), Feedback),
        scalar(count(), PrincipleRating),
        scalar(count(), FinalVote),
        scalar(count(), Verdict),
        scalar(count(), HirePerformance),
        scalar(sa.func.max(User.certified_at), User),
        scalar(count(User.certified_at), User),
        scalar(count(), Principle),
    )
    return tuple(db.session.execute(query).one())


def cached_metrics(
    key: Hashable, build: Callable[[], dict[str, Any]], *, max_age: float
) -> dict[str, Any]:
    """`build()`'s result for `key`, reused while the data is unchanged and younger than
    `max_age` seconds. Always a fresh copy: callers add to it."""
    if max_age <= 0:
        return build()
    lock, entries = _cache()
    fingerprint = data_fingerprint()
    now = time.monotonic()
    with lock:
        entry = entries.get(key)
        if entry is not None and entry[1] == fingerprint and now - entry[0] <= max_age:
            entries.move_to_end(key)
            return json.loads(entry[2])
    report = build()
    # Kept as JSON text: a copy for each caller, and far smaller than the dicts in memory.
    stored = json.dumps(report)
    with lock:
        entries[key] = (now, fingerprint, stored)
        entries.move_to_end(key)
        while len(entries) > MAX_ENTRIES:
            entries.popitem(last=False)
    return report


def clear() -> None:
    """Forget this app's entries."""
    lock, entries = _cache()
    with lock:
        entries.clear()
