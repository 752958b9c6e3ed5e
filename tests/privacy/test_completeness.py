"""Privacy by construction: every text column that can hold something about a candidate or one of
their loops is exported and erased by some slice, or is named here as holding nothing personal.
A new slice (or a new column) that forgets its part fails this test, not a data subject."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from barraiser.extensions import db
from barraiser.privacy.registry import CONTRIBUTIONS, NOT_PERSONAL


def _column(attribute: InstrumentedAttribute) -> sa.Column:
    (column,) = attribute.property.columns
    return column


def _reachable_tables() -> set[sa.Table]:
    """The candidate and loop tables, and every table whose rows point at one of them, directly
    or through another such table (interview → loop, feedback → interview, addendum → feedback…)."""
    tables = db.metadata.tables
    reached = {tables["candidate"], tables["loop"]}
    while True:
        more = {
            table
            for table in tables.values()
            if table not in reached
            and any(key.column.table in reached for key in table.foreign_keys)
        }
        if not more:
            return reached
        reached |= more


def _holds_text(column: sa.Column) -> bool:
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    # An Enum holds one of a fixed set of values (a state, a vote, an outcome), never free text.
    return isinstance(kind, sa.String | sa.JSON) and not isinstance(kind, sa.Enum)


def _text_columns() -> set[sa.Column]:
    return {
        column for table in _reachable_tables() for column in table.columns if _holds_text(column)
    }


def _handled() -> set[sa.Column]:
    return {_column(attribute) for part in CONTRIBUTIONS for attribute in part.handles}


def test_the_walk_reaches_the_tables_about_a_candidate():
    names = {table.name for table in _reachable_tables()}
    assert {
        "candidate",
        "loop",
        "interview",
        "feedback",
        "principle_rating",
        "addendum",
        "proposal",
        "verdict",
        "mentor_note",
        "outbox_message",
    } <= names
    assert "user" not in names and "requisition" not in names  # a loop points at them, not back


def test_every_text_column_about_a_candidate_is_exported_and_erased_by_some_slice():
    exempt = {_column(attribute) for attribute in NOT_PERSONAL}
    forgotten = sorted(
        f"{column.table.name}.{column.name}" for column in _text_columns() - _handled() - exempt
    )
    assert forgotten == [], (
        f"no slice exports or erases {forgotten}: add the column to the `handles` of the slice's "
        "privacy.py contribution (and blank it in its erase), or, if it can hold nothing about "
        "a person, to NOT_PERSONAL in barraiser/privacy/registry.py with the reason"
    )


def test_the_exemptions_are_few_and_none_is_stale():
    exempt = {_column(attribute) for attribute in NOT_PERSONAL}
    assert exempt <= _text_columns(), "an exemption names no text column about a candidate"
    assert not exempt & _handled(), "a column is both erased and declared not personal"
    assert all(reason.strip() for reason in NOT_PERSONAL.values())
    assert len(NOT_PERSONAL) <= 5
