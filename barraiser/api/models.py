"""API tokens: a personal token acts as its user; a service token is an integration with scopes."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import UTCDateTime, enum_type
from ..extensions import Model


class TokenKind(enum.StrEnum):
    PERSONAL = "personal"
    SERVICE = "service"


class Scope(enum.StrEnum):
    """What a service token may do. A personal token has no scopes: its user's roles decide."""

    USERS_READ = "users:read"
    REQUISITIONS_READ = "requisitions:read"
    CANDIDATES_READ = "candidates:read"
    LOOPS_READ = "loops:read"
    LOOPS_WRITE = "loops:write"  # create, change the panel of, schedule and cancel loops
    FEEDBACK_READ = "feedback:read"  # decided loops only: never a loop in flight
    REPORT_READ = "report:read"
    ACTIONS_READ = "actions:read"
    ACTIONS_WRITE = "actions:write"  # create and update action items


class ApiToken(Model):
    """Only the SHA-256 of the token is stored; the token itself is shown once, when made.
    `prefix` (the first characters) lets its owner tell their tokens apart."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TokenKind] = mapped_column(enum_type(TokenKind))
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    # Personal: the user it acts as. Service: the admin who made it (it never acts as them).
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[str] = mapped_column(sa.String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… {self.kind.value}>"
