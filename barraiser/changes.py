"""Change counters: one row per body of data that something derived from it (a cached report)
must notice changing. A writer bumps the counter in the same transaction as its change, so a
reader that sees the new data also sees the new count, and one that sees the old count never
reuses a result built from data that has since changed; checking costs one read by primary key.

The counters only ever grow. Which changes bump which counter is decided by whoever derives from
the data (see `calibration.invalidation`), not here: this module knows no slice.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from .database import read_rows
from .extensions import Model, db

REPORT_DATA = "report_data"
"""What the calibration report reads: loops, interviews, feedback of decided loops, final votes,
verdicts, performance ratings, the people and principles it names."""

COUNTERS = (REPORT_DATA,)
"""Every counter, seeded by the migration that makes the table."""


class ChangeCounter(Model):
    __tablename__ = "change_counter"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def bump(name: str, session: Session | scoped_session[Session] | None = None) -> None:
    """Count one more change to `name`'s data, in `session`'s transaction (the app's by default).

    An UPDATE in place: concurrent writers queue on the row until the first commits, so no
    change is ever counted as another's. The row is made on first use where no migration seeded
    it (a database built from the models)."""
    writer = session if session is not None else db.session
    updated = writer.execute(
        sa.update(ChangeCounter)
        .where(ChangeCounter.name == name)
        .values(value=ChangeCounter.value + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(updated, "rowcount", 1) == 0:
        writer.execute(sa.insert(ChangeCounter).values(name=name, value=1))


# Read on every request that may reuse a cached result: built once, and run as a plain read.
_CURRENT = sa.select(ChangeCounter.value).where(ChangeCounter.name == sa.bindparam("name"))


def current(name: str) -> int:
    """How many changes `name`'s data has seen: one read by primary key."""
    value = read_rows(_CURRENT, {"name": name}).scalar()
    return int(value or 0)
