"""auth: login sessions remember their last request (idle timeout); set-password links

Revision ID: d7a3c5e9b214
Revises: 5e1d0c9a7b21
Create Date: 2026-11-30 02:45:00.000000

"""

from alembic import op
import sqlalchemy as sa

import barraiser.database


# revision identifiers, used by Alembic.
revision = "d7a3c5e9b214"
down_revision = '5e1d0c9a7b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_seen_at", barraiser.database.UTCDateTime(timezone=True), nullable=True)
        )
    # Sessions open before this revision were last seen, as far as anyone knows, when they opened.
    op.execute("UPDATE login_session SET last_seen_at = created_at")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.alter_column(
            "last_seen_at",
            existing_type=barraiser.database.UTCDateTime(timezone=True),
            nullable=False,
        )

    op.create_table(
        "password_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "invite",
                "reset",
                name="passwordlinkpurpose",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", barraiser.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", barraiser.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", barraiser.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_password_link_expires_after_created")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_password_link_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_password_link_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_link_token_hash")),
    )
    with op.batch_alter_table("password_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_link_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("password_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_link_user_id"))
    op.drop_table("password_link")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
