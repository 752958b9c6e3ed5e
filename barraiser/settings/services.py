"""Reading and changing the mechanism's settings. Each change is an audit event, so inspection can
list how the mechanism itself changed over a period."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, SessionTransaction

from .. import frame
from ..audit.services import record
from ..auth.models import User
from ..database import read_rows
from ..errors import RuleViolation
from ..extensions import db
from ..zones import is_zone
from .mechanism import SETTINGS, MechanismSettings, SettingError
from .models import MechanismSetting

__all__ = [
    "SETTINGS",
    "MechanismSettings",
    "change_settings",
    "current_settings",
    "set_time_zone",
    "zone_of",
]


def _settings_from(rows: Iterable[tuple[str, Any]]) -> MechanismSettings:
    """The settings the stored rows (key and value pairs) make: a setting without a
    row has its default."""
    stored: dict[str, Any] = {key: value for key, value in rows}
    config = current_app.config
    values: dict[str, Any] = {
        key: stored[key] if key in stored else spec.default_in(config)
        for key, spec in SETTINGS.items()
    }
    try:
        return MechanismSettings(**values)
    except SettingError as error:
        # A stored value the setting can no longer take: a release that narrows a setting
        # ships a migration for the values already stored, so this is a defect, not a user's.
        raise RuntimeError(f"The stored settings are invalid: {error}") from error


# The settings read in the session's transaction, kept in `session.info` until it ends: a page
# asks for them from several slices, and they are one query, not one per asker. A change made in
# the same transaction drops them (change_settings), as does the end of the transaction.
_IN_FORCE = "barraiser.settings_in_force"


# Every page reads the settings (the organisation's time zone at least): built once.
_STORED = sa.select(MechanismSetting.key, MechanismSetting.value)

# And a page reads them with the signed-in person (frame), as one text: each stored row as its
# key, a unit separator and its value as `_ValueText` writes it, the rows apart by record
# separators. Neither separator can occur in that text raw, so it splits back exactly.
_KEY_END, _ROW_END = "\x1f", "\x1e"
STORED_WITH_LOGIN = "mechanism_settings"


class _ValueText(sa.sql.functions.FunctionElement[str]):
    """A stored value as text that reads back exactly: its JSON (PostgreSQL keeps it verbatim).
    SQLite keeps a JSON number as a REAL, which CAST writes to 15 digits only, so there it is
    `quote()`: a number to 17 (as JSON reads it) and text as an SQL literal ('"UTC"', 'true')."""

    type = sa.Text()
    name = "value_text"
    inherit_cache = True


@compiles(_ValueText)
def _cast_to_text(element: _ValueText, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(_ValueText, "sqlite")
def _quote(element: _ValueText, compiler: Any, **kw: Any) -> str:
    return f"quote({compiler.process(element.clauses, **kw)})"


frame.read_with_login(
    STORED_WITH_LOGIN,
    lambda user_id: sa.select(
        sa.func.aggregate_strings(
            MechanismSetting.key + _KEY_END + _ValueText(MechanismSetting.value), _ROW_END
        )
    ).scalar_subquery(),
)


def _value(text: str) -> Any:
    if text.startswith("'"):  # an SQL string literal (SQLite): its quotes doubled inside
        text = text[1:-1].replace("''", "'")
    return json.loads(text)


def _stored_rows(text: str | None) -> list[tuple[str, Any]]:
    """The stored rows, from the text read with the login."""
    if not text:
        return []
    pairs = (row.partition(_KEY_END) for row in text.split(_ROW_END))
    return [(key, _value(value)) for key, _, value in pairs]


def current_settings() -> MechanismSettings:
    """The settings in force now: one query per transaction, none where the page read them with
    the signed-in person."""
    info = db.session.info
    settings = info.get(_IN_FORCE)
    if settings is None:
        with_login = frame.kept(STORED_WITH_LOGIN)
        if with_login is frame.MISSING:
            settings = _settings_from(read_rows(_STORED))
        else:
            settings = _settings_from(_stored_rows(with_login))
        info[_IN_FORCE] = settings
    return settings


def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint within it
        session.info.pop(_IN_FORCE, None)


sa.event.listen(Session, "after_transaction_end", _forget_at_transaction_end)


def settings_on(connection: sa.Connection) -> MechanismSettings:
    """The settings in force, read on `connection` (inside a flush, where the session must not
    run queries of its own)."""
    return _settings_from(connection.execute(_STORED))


def change_settings(new: MechanismSettings, *, actor: User, now: datetime) -> list[str]:
    """Store the settings in `new` that differ from those in force; each change is recorded
    with its old and new value. Returns the names of the settings changed (none: nothing is
    written or recorded). The stored rows stay locked until the transaction ends, so two admins
    saving at once change the settings one after the other."""
    locked = (
        sa.select(MechanismSetting)
        .order_by(MechanismSetting.key)  # every writer locks in the same order: no deadlock
        .with_for_update()
        .execution_options(populate_existing=True)  # the values as locked, not as read before
    )
    db.session.info.pop(_IN_FORCE, None)
    rows = {row.key: row for row in db.session.scalars(locked)}
    changes = new.changed_from(_settings_from((row.key, row.value) for row in rows.values()))
    for key, (old, value) in changes.items():
        row = rows.get(key)
        if row is None:
            row = MechanismSetting(key=key)
            db.session.add(row)
        row.value = value
        row.updated_at = now
        row.updated_by_id = actor.id
        record(
            "setting.changed", actor=actor, subject="setting", now=now, key=key, old=old, new=value
        )
    db.session.flush()
    return list(changes)


def zone_of(user: User | None, settings: MechanismSettings | None = None) -> str:
    """The time zone `user` reads and enters times in: their own, else the organisation's."""
    if user is not None and getattr(user, "time_zone", None) and is_zone(user.time_zone):
        return user.time_zone  # type: ignore[return-value]
    return (settings or current_settings()).time_zone


def set_time_zone(user: User, name: str | None, *, actor: User, now: datetime) -> bool:
    """Set `user`'s own time zone (None: follow the organisation's). Refuses a name zoneinfo does
    not know (RuleViolation, on the field). Returns whether anything changed."""
    name = (name or "").strip() or None
    if name is not None and not is_zone(name):
        raise RuleViolation(
            f"{name[:64]!r} is not a time zone; pick one from the list, such as Europe/Berlin.",
            field="time_zone",
        )
    if user.time_zone == name:
        return False
    old, user.time_zone = user.time_zone, name
    record(
        "user.time_zone_changed",
        actor=actor,
        subject=user,
        now=now,
        old=old,
        new=name,
    )
    db.session.flush()
    return True
