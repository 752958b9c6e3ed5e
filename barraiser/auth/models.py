"""Users, their roles, and the server-side login sessions that make logout final."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, enum_type
from ..extensions import Model


class Role(enum.StrEnum):
    """Roles a user may hold; several at once. Every user can interview, so that is no role."""

    ADMIN = "admin"
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    INSPECTOR = "inspector"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class BarRaiserStatus(enum.StrEnum):
    NONE = "none"
    IN_TRAINING = "in_training"
    CERTIFIED = "certified"

    @property
    def label(self) -> str:
        return {"none": "Not a Bar Raiser", "in_training": "In training", "certified": "Certified"}[
            self.value
        ]


class User(Model):
    __tablename__ = "user"
    __table_args__ = (
        sa.CheckConstraint("level >= 1 AND level <= 12", name="level_range"),
        sa.CheckConstraint(
            "(bar_raiser_status = 'certified') = (certified_at IS NOT NULL)",
            name="certified_has_date",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    department: Mapped[str] = mapped_column(sa.String(120), default="")
    level: Mapped[int] = mapped_column(default=4)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    bar_raiser_status: Mapped[BarRaiserStatus] = mapped_column(
        enum_type(BarRaiserStatus), default=BarRaiserStatus.NONE
    )
    certified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # An IANA zone name the person reads and enters times in; None: the organisation's.
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))

    # Loaded with the signed-in user (auth.sessions) and on the pages that list roles; other
    # users (a loop's Bar Raiser, a panel) come without them, so a page does not pay a query
    # for roles after every statement that loads people.
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", lazy="select", cascade="all, delete-orphan"
    )
    certified_by: Mapped[User | None] = relationship(remote_side=[id])

    # Flask-Login's protocol. The id it stores in the cookie is the login session's token, set by
    # auth.services when the session is opened or loaded, never the user's primary key.
    login_token = cast("str | None", None)  # not a column: set per request, see above
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.login_token

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def can_log_in(self) -> bool:
        return self.active and self.password_hash is not None

    @property
    def is_certified_bar_raiser(self) -> bool:
        return self.bar_raiser_status is BarRaiserStatus.CERTIFIED

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginSession(Model):
    """One row per signed-in browser; the cookie carries only its random token.

    Deleting the row at logout makes a copied cookie useless, which a signed cookie alone cannot do.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Last request seen, to the minute: refreshed at most once a minute (auth.sessions), so the
    # idle timeout costs one write a minute per active browser, not one per request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class PasswordLinkPurpose(enum.StrEnum):
    """Why a set-password link was sent: a first password (invitation) or a new one (reset)."""

    INVITE = "invite"
    RESET = "reset"


class PasswordLink(Model):
    """A single-use link to set a password. Only the SHA-256 of its random token is stored, so a
    copy of the database opens no account; sending a new link to a user deletes the older ones."""

    __tablename__ = "password_link"
    __table_args__ = (sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[PasswordLinkPurpose] = mapped_column(enum_type(PasswordLinkPurpose))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None: sent by the operator at the console, or asked for on the forgot-password page.
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
