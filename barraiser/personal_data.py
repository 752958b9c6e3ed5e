"""What a slice holding personal data about a candidate contributes to their export and erasure.

Each slice that stores text about a candidate or one of their loops offers one object satisfying
`PersonalData` (in `<slice>/privacy.py`); `privacy/` assembles them. A slice never imports
`privacy/`: this module sits below every slice, next to `database.py`, and imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from .extensions import db

# Where a column must keep non-empty text (a veto's rationale, by CHECK) or where its presence is
# itself a fact a page shows (the loop was cancelled, the debrief opened early, a mentor wrote a
# note), the text becomes this marker; everywhere else it becomes "".
ERASED_TEXT = "[erased]"


@dataclass(frozen=True)
class DataSubject:
    """Whose data: one candidate and the ids of all their loops."""

    candidate_id: int
    loop_ids: tuple[int, ...]


@dataclass
class ExportDocument:
    """The export being assembled. The candidates slice fills `candidate`, the loops slice adds
    each loop and interview (by id); slices above them add their keys to those dicts, and
    anything that belongs to no single loop goes into `sections`."""

    candidate: dict[str, Any] = field(default_factory=dict)
    loops: dict[int, dict[str, Any]] = field(default_factory=dict)
    interviews: dict[int, dict[str, Any]] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"candidate": self.candidate, "loops": list(self.loops.values()), **self.sections}


class PersonalData(Protocol):
    """One slice's part of a candidate's export and erasure.

    `handles` names every column of the slice that holds text about the candidate or their loops;
    a test fails when such a column is handled by no contribution. `erase` blanks those columns
    with bulk UPDATEs only: votes, ratings, timestamps and counts stay, so calibration adds up the
    same before and after. It returns how many rows it blanked, by name (the audit event's details).
    """

    @property
    def handles(self) -> tuple[InstrumentedAttribute[Any], ...]: ...

    def export(self, subject: DataSubject, document: ExportDocument) -> None: ...

    def erase(self, subject: DataSubject, *, now: datetime) -> dict[str, int]: ...


def blank(statement: sa.Update) -> int:
    """Run one bulk UPDATE; objects already in the session are refreshed from what it wrote."""
    result = db.session.execute(statement.execution_options(synchronize_session="fetch"))
    return int(result.rowcount)  # type: ignore[attr-defined]


def marker_if_present(column: Any) -> sa.Case[Any]:
    """NULL stays NULL (so "not cancelled", "opened on time" stay true); text becomes the marker."""
    return sa.case((column.is_(None), sa.null()), else_=sa.literal(ERASED_TEXT))


def iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def name_of(user: Any) -> str | None:
    """A user's name, or None where there is no user (a deleted author, an import)."""
    return user.name if user is not None else None
