"""Who a person is at the company's identity provider: the subject their logins are bound to,
the rules that turn the provider's groups into roles, and the tokens SCIM clients provision with."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import UTCDateTime
from ..extensions import Model


class IdentityLink(Model):
    """A user's account at one provider, by its stable subject: once bound, a login is matched by
    (issuer, subject), so a changed email at the provider does not make a second account."""

    __tablename__ = "identity_link"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject", name="uq_identity_link_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class ClaimRule(Model):
    """People whose groups claim holds `value` get `roles`, and (when set) this department and
    level, at every login. Rules are added and removed, never edited; each change is an audit
    event, so the audit log is their history."""

    __tablename__ = "claim_rule"
    __table_args__ = (
        sa.CheckConstraint("level IS NULL OR (level >= 1 AND level <= 12)", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(255), unique=True)
    # Role values (auth.models.Role), sorted; the list may be empty (a rule for department only).
    roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    department: Mapped[str | None] = mapped_column(sa.String(120))
    level: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScimToken(Model):
    """A bearer token for the SCIM endpoints. Only its SHA-256 is kept; it is shown once."""

    __tablename__ = "scim_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ScimAccount(Model):
    """What a SCIM client knows of a user beyond our columns: its externalId, and when it last
        changed the user (the resource's meta.lastModified). A user without one is still served (a
    client finds people who already had accounts by filtering on userName)."""

    __tablename__ = "scim_account"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    external_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Deleted over SCIM: the user is deactivated and kept (their feedback stays), and the
    # resource answers 404 from then on, as RFC 7644 §3.6 asks, until it is created again.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
