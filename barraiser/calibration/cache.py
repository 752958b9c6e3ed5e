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
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app

from ..changes import REPORT_DATA, current
from ..extensions import db

MAX_ENTRIES = 32
EXTENSION = "barraiser.calibration_cache"
SMALL_EXTENSION = "barraiser.calibration_cache.small"
PAGES_EXTENSION = "barraiser.calibration_cache.pages"
FINGERPRINT = "barraiser.report_data_fingerprint"
"""Session info key: (the transaction, the change counter read in it)."""
KEY_PREFIX = "barraiser:calibration:"

log = logging.getLogger(__name__)


class Store(Protocol):
    def fetch(self, key: str, fingerprint: bytes) -> dict[str, Any] | None: ...
    def fetch_json(self, key: str, fingerprint: bytes) -> bytes | None: ...
    def put(
        self,
        key: str,
        fingerprint: bytes,
        report: dict[str, Any],
        max_age: float,
        text: bytes | None = None,
    ) -> None: ...
    def clear(self) -> None: ...


def as_json(report: dict[str, Any]) -> bytes:
    """The report as the JSON every store and download gives: compact, UTF-8."""
    return json.dumps(report, separators=(",", ":")).encode()


@dataclass
class _Entry:
    expires: float
    stored: bytes
    """The fingerprint, then the report pickled."""
    text: bytes | None = None
    """The report as JSON (`as_json`), made the first time it is asked for."""


class MemoryStore:
    """This server's entries, newest last, at most MAX_ENTRIES, each with its expiry: the
    fingerprint, then the report pickled; and, once asked for, the report as JSON."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, _Entry] = OrderedDict()

    def _current(self, key: str, fingerprint: bytes) -> _Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry.expires < time.monotonic():
                return None
            self.entries.move_to_end(key)
        return entry if entry.stored.startswith(fingerprint) else None

    def fetch(self, key: str, fingerprint: bytes) -> dict[str, Any] | None:
        entry = self._current(key, fingerprint)
        if entry is None:
            return None
        # Bytes this process pickled itself: nothing from outside is ever unpickled.
        return pickle.loads(memoryview(entry.stored)[len(fingerprint) :])

    def fetch_json(self, key: str, fingerprint: bytes) -> bytes | None:
        """The report as JSON, made once per entry: a read of the JSON download then costs
        neither the unpickling nor the encoding of the 0.7 MB report of 20,000 loops."""
        entry = self._current(key, fingerprint)
        if entry is None:
            return None
        if entry.text is None:
            entry.text = as_json(pickle.loads(memoryview(entry.stored)[len(fingerprint) :]))
        return entry.text

    def put(
        self,
        key: str,
        fingerprint: bytes,
        report: dict[str, Any],
        max_age: float,
        text: bytes | None = None,
    ) -> None:
        stored = fingerprint + pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
        with self.lock:
            self.entries[key] = _Entry(time.monotonic() + max_age, stored, text)
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
        if report is not None or not self._fetch_shared(key, fingerprint):
            return report
        return self.near.fetch(key, fingerprint)

    def fetch_json(self, key: str, fingerprint: bytes) -> bytes | None:
        text = self.near.fetch_json(key, fingerprint)
        if text is not None or not self._fetch_shared(key, fingerprint):
            return text
        return self.near.fetch_json(key, fingerprint)

    def _fetch_shared(self, key: str, fingerprint: bytes) -> bool:
        """Copy the shared entry for `key`, if it is current, into this server's memory (with
        its JSON as stored); whether there was one."""
        with self.client.pipeline(transaction=False) as pipeline:
            pipeline.get(KEY_PREFIX + key)
            pipeline.pttl(KEY_PREFIX + key)
            stored, left_ms = pipeline.execute()
        if stored is None or not stored.startswith(fingerprint) or left_ms <= 0:
            return False
        text = stored[len(fingerprint) :]
        self.near.put(key, fingerprint, json.loads(text), left_ms / 1000, text)
        return True

    def put(
        self,
        key: str,
        fingerprint: bytes,
        report: dict[str, Any],
        max_age: float,
        text: bytes | None = None,
    ) -> None:
        text = text if text is not None else as_json(report)
        self.client.set(KEY_PREFIX + key, fingerprint + text, px=max(1, int(max_age * 1000)))
        self.near.put(key, fingerprint, report, max_age, text)

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


def small_store(app: Flask | None = None) -> MemoryStore:
    """This app's store for what is derived from the report's data and small (the filter form's
    choices): always in this server's memory, whatever CALIBRATION_CACHE_URL says (it costs
    less to read again than to fetch), and apart from the reports, so that it never takes
    their places."""
    return _memory_store(app, SMALL_EXTENSION)


def page_store(app: Flask | None = None) -> MemoryStore:
    """This app's store for the report page's markup drawn from a report (`cached_page`): in
    this server's memory, apart from the reports and the small things, so that neither takes
    the other's places."""
    return _memory_store(app, PAGES_EXTENSION)


def _memory_store(app: Flask | None, extension: str) -> MemoryStore:
    app = app if app is not None else current_app
    found = app.extensions.get(extension)
    if found is None:
        found = app.extensions.setdefault(extension, MemoryStore())
    return found


def data_fingerprint() -> int:
    """How many changes the report's data has seen: one read by primary key, made once per
    transaction of the app's session (a page's filter form and its report both ask). The count
    moves only as a transaction commits (`invalidation`), and a commit ends the transaction,
    so the next one reads it again."""
    session = db.session()
    held = session.info.get(FINGERPRINT)
    transaction = session.get_transaction()
    if held is not None and transaction is not None and held[0] is transaction:
        return int(held[1])
    value = current(REPORT_DATA)
    session.info[FINGERPRINT] = (session.get_transaction(), value)
    return value


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
    return _cached(key, build, max_age=max_age, as_text=False)  # type: ignore[return-value]


def cached_metrics_json(
    key: Hashable, build: Callable[[], dict[str, Any]], *, max_age: float
) -> bytes:
    """The same as JSON (`as_json`), for a download: kept with the entry once made."""
    return _cached(key, build, max_age=max_age, as_text=True)  # type: ignore[return-value]


def cached_small(key: Hashable, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`cached_metrics` for small things derived from the report's data (`small_store`), kept
    as long as the reports are (CALIBRATION_CACHE_SECONDS)."""
    max_age = current_app.config["CALIBRATION_CACHE_SECONDS"]
    return _cached(key, build, max_age=max_age, as_text=False, entries=small_store())  # type: ignore[return-value]


def cached_page(key: Hashable, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`cached_small` for markup drawn from a report and the request's other inputs, all of
    them in `key` (`page_store`)."""
    max_age = current_app.config["CALIBRATION_CACHE_SECONDS"]
    return _cached(key, build, max_age=max_age, as_text=False, entries=page_store())  # type: ignore[return-value]


def _cached(
    key: Hashable,
    build: Callable[[], dict[str, Any]],
    *,
    max_age: float,
    as_text: bool,
    entries: Store | None = None,
) -> dict[str, Any] | bytes:
    if max_age <= 0:
        return as_json(build()) if as_text else build()
    entries, name = entries if entries is not None else store(), entry_key(key)
    fingerprint = f"{data_fingerprint()}\n".encode()
    try:
        fetch = entries.fetch_json if as_text else entries.fetch
        reused = fetch(name, fingerprint)
    except Exception:  # a shared store that is down: build, as without a cache
        log.warning("calibration cache unavailable; building the report", exc_info=True)
        reused = None
    if reused is not None:
        return reused
    report = build()
    text = as_json(report) if as_text else None
    try:
        entries.put(name, fingerprint, report, max_age, text)
    except Exception:
        log.warning("calibration cache unavailable; the report is not kept", exc_info=True)
    return text if text is not None else report


def clear() -> None:
    """Forget this app's entries."""
    store().clear()
    small_store().clear()
    page_store().clear()
