"""One row per changed setting; an absent row means the default applies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import Model


class MechanismSetting(Model):
    __tablename__ = "mechanism_setting"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
