"""What every page reads besides its own content (the signed-in person's unread count, the
settings in force), read in the one statement that loads the person at the start of the request
(auth.sessions), rather than one statement each: on PostgreSQL every statement is a round trip.

A slice registers a column under a name, at import: a scalar subquery, given the user's id
column. The login statement carries every registered column, and its values are kept for the
transaction that read them, until it writes anything or ends (after that, a value may have
changed: the slice reads it again itself). A slice asks `kept(name)`: the value, or MISSING
where no login statement ran in the transaction (a CLI command, a test, a page after a commit)
or the transaction has written since.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, ORMExecuteState, Session, SessionTransaction

from .extensions import db

UserId = sa.ColumnElement[int] | InstrumentedAttribute[int]
ColumnFor = Callable[[UserId], sa.ColumnElement[Any]]

_columns: dict[str, ColumnFor] = {}
_built = [False]
_KEPT = "barraiser.read_with_login"
MISSING: Any = object()


def read_with_login(name: str, column_for: ColumnFor) -> None:
    """Have the login statement read `column_for(user id column)` as `name`. Registered at
    import, before the first login statement is built."""
    if _built[0]:
        raise RuntimeError(f"{name!r} is registered after the login statement was built")
    _columns[name] = column_for


def login_columns(user_id: UserId) -> list[sa.ColumnElement[Any]]:
    """Every registered column, labelled with its name, for the login statement (built once)."""
    _built[0] = True
    return [column_for(user_id).label(name) for name, column_for in _columns.items()]


def keep(values: Mapping[str, Any]) -> None:
    """The registered columns' values as the login statement read them, for this transaction."""
    db.session.info[_KEPT] = {name: values[name] for name in _columns}


def kept(name: str) -> Any:
    """`name`'s value read with the login in this transaction, or MISSING."""
    values = db.session.info.get(_KEPT)
    return MISSING if values is None else values.get(name, MISSING)


def _forget(session: Session) -> None:
    session.info.pop(_KEPT, None)


def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        _forget(session)


def _forget_on_write(execute_state: ORMExecuteState) -> None:
    if not execute_state.is_select:
        _forget(execute_state.session)


sa.event.listen(Session, "after_transaction_end", _forget_at_transaction_end)
sa.event.listen(Session, "after_flush", lambda session, flush_context: _forget(session))
sa.event.listen(Session, "do_orm_execute", _forget_on_write)
