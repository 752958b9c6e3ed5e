"""A cache of the report's metrics, so sorting, filtering back and forth and the CSV/JSON
downloads of the same period do not rebuild it from 100,000 rows each time.

An entry is reused only while the data it was built from is unchanged, which one read by primary
key tells: the `changes.REPORT_DATA` counter, bumped in the same transaction as every change to
what the report reads (see `invalidation`), and only then: a login, a draft's autosave or a
password change leave it, and the cached report, alone. Entries also expire after
CALIBRATION_CACHE_SECONDS (0 turns the cache off).

Where entries live: with CALIBRATION_CACHE_URL empty, in this server's memory (one cache per
app); with a Redis URL, in that Redis, shared by every worker and server of the same database,
so a report built by one is served by all. Either way an entry is checked against the counter
before each use, so a change made through any server is seen by every other at its next report,
never a stale figure. Redis down: the report is built as if there were no cache (and logged).

How entries are kept: in this server's memory, pickled (they never leave the process, and
unpickling is the cheapest way to hand each caller its own copy: about a millisecond for the
0.7 MB report of 20,000 loops); in Redis, as JSON, which any server reads back without running
anything from the shared store, each server keeping in memory (pickled) those it has read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Protocol

from flask import Flask, current_app

from ..changes import REPORT_DATA, current

MAX_ENTRIES = 32
EXTENSION = "barraiser.calibration_cache"
KEY_PREFIX = "barraiser:calibration:"

log = logging.getLogger(__name__)


class Store(Protocol):
    def fetch(self, key: str, fingerprint: bytes) -> dict[str, Any] | None: ...
    def put(self, key: str, fingerprint: bytes, report: dict[str, Any], max_age: float) -> None: ...
    def clear(self) -> None: ...


class MemoryStore:
    """This server's entries, newest last, at most MAX_ENTRIES, each with its expiry: the
    fingerprint, then the report pickled."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def fetch(self, key: str, fingerprint: bytes) -> dict[str, Any] | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            self.entries.move_to_end(key)
            stored = entry[1]
        if not stored.startswith(fingerprint):
            return None
        # Bytes this process pickled itself: nothing from outside is ever unpickled.
        return pickle.loads(memoryview(stored)[len(fingerprint) :])

    def put(self, key: str, fingerprint: bytes, report: dict[str, Any], max_age: float) -> None:
        stored = fingerprint + pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
        with self.lock:
            self.entries[key] = (time.monotonic() + max_age, stored)
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


class RedisStore:
    """Entries in a Redis shared by every server, as JSON; Redis expires them. Each server also
    keeps, in memory, the entries it has read or built, for as long as Redis keeps them: a report
    read again is then unpickled here (a millisecond) instead of fetched and decoded again, and the
    fingerprint, checked on every read, still says whether it is current."""

    def __init__(self, url: str) -> None:
        import redis  # the `redis` extra; only needed when configured

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.near = MemoryStore()

    def fetch(self, key: str, fingerprint: bytes) -> dict[str, Any] | None:
        report = self.near.fetch(key, fingerprint)
        if report is not None:
            return report
        with self.client.pipeline(transaction=False) as pipeline:
            pipeline.get(KEY_PREFIX + key)
            pipeline.pttl(KEY_PREFIX + key)
            stored, left_ms = pipeline.execute()
        if stored is None or not stored.startswith(fingerprint) or left_ms <= 0:
            return None
        report = json.loads(stored[len(fingerprint) :])
        self.near.put(key, fingerprint, report, left_ms / 1000)
        return report

    def put(self, key: str, fingerprint: bytes, report: dict[str, Any], max_age: float) -> None:
        stored = fingerprint + json.dumps(report, separators=(",", ":")).encode()
        self.client.set(KEY_PREFIX + key, stored, px=max(1, int(max_age * 1000)))
        self.near.put(key, fingerprint, report, max_age)

    def clear(self) -> None:
        self.near.clear()
        for key in self.client.scan_iter(match=KEY_PREFIX + "*", count=500):
            self.client.delete(key)


def store(app: Flask | None = None) -> Store:
    """This app's store, made on first use (the app object is what one server is)."""
    app = app if app is not None else current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        url = app.config.get("CALIBRATION_CACHE_URL") or ""
        found = app.extensions.setdefault(EXTENSION, RedisStore(url) if url else MemoryStore())
    return found


def data_fingerprint() -> int:
    """How many changes the report's data has seen: one read by primary key."""
    return current(REPORT_DATA)


def entry_key(key: Hashable) -> str:
    """`key` (the filters and flag settings, plain frozen dataclasses) for this database: two
    apps on one database share entries, apps on different databases never do."""
    database = str(current_app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    return hashlib.sha256(f"{database}\n{key!r}".encode()).hexdigest()[:40]


def cached_metrics(
    key: Hashable, build: Callable[[], dict[str, Any]], *, max_age: float
) -> dict[str, Any]:
    """`build()`'s result for `key`, reused while the data is unchanged and younger than
    `max_age` seconds. Always a fresh copy: callers add to it."""
    if max_age <= 0:
        return build()
    entries, name = store(), entry_key(key)
    fingerprint = f"{data_fingerprint()}\n".encode()
    try:
        reused = entries.fetch(name, fingerprint)
    except Exception:  # a shared store that is down: build, as without a cache
        log.warning("calibration cache unavailable; building the report", exc_info=True)
        reused = None
    if reused is not None:
        return reused
    report = build()
    try:
        entries.put(name, fingerprint, report, max_age)
    except Exception:
        log.warning("calibration cache unavailable; the report is not kept", exc_info=True)
    return report


def clear() -> None:
    """Forget this app's entries."""
    store().clear()
