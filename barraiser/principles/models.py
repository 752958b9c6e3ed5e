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
    # The interview kit: questions to ask (one a line), and what strong and weak evidence sound
    # like. Shown to the interviewer when preparing and beside the feedback form.
    kit_questions: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    kit_strong: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    kit_weak: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def questions(self) -> list[str]:
        return [line.strip() for line in (self.kit_questions or "").splitlines() if line.strip()]

    @property
    def has_kit(self) -> bool:
        return bool(
            self.questions or (self.kit_strong or "").strip() or (self.kit_weak or "").strip()
        )

    def __repr__(self) -> str:
        return f"<Principle {self.name}>"
