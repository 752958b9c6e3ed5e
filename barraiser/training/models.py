"""Mentor notes: what a certified Bar Raiser writes about a trainee. Append-only, like addenda."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import UTCDateTime
from ..extensions import Model
from ..loops.models import Loop

NOTE_LIMIT = 5000


class MentorNote(Model):
    """A note on a Bar Raiser in training, optionally about one loop they shadowed. Never updated:
    a correction is a new note, so the trainee's record reads as it was written."""

    __tablename__ = "mentor_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    loop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("loop.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    loop: Mapped[Loop | None] = relationship()
