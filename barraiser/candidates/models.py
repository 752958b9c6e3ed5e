"""Candidates: the people being interviewed. Personal data (DESIGN §6)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import Model


class Candidate(Model):
    """A person being interviewed. Personal data: the privacy slice erases name, email and notes."""

    __tablename__ = "candidate"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    source: Mapped[str] = mapped_column(sa.String(120), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def display_name(self) -> str:
        """The name every page shows: once erased, "Erased candidate #<id>", the same everywhere."""
        return display_name(self.id, self.name, self.erased_at)


def display_name(candidate_id: int, name: str, erased_at: datetime | None) -> str:
    """A candidate's name as pages show it, from its columns (for reads of plain rows)."""
    if erased_at is not None:
        return f"Erased candidate #{candidate_id}"
    return name
