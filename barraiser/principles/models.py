"""A leadership principle. Retired principles stay, so old feedback keeps its name."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import Model


class Principle(Model):
    __tablename__ = "principle"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<Principle {self.name}>"
