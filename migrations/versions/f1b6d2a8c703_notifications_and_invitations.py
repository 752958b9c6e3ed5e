"""outbox: messages are in-app notifications (a link, read or not) and may carry an .ics

Revision ID: f1b6d2a8c703
Revises: e7a2c9d41b05
Create Date: 2026-11-30 02:45:00.000000

"""

from alembic import op
import sqlalchemy as sa

from barraiser.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = "f1b6d2a8c703"
down_revision = "e7a2c9d41b05"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("read_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("calendar", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_outbox_message_recipient_unread", ["recipient_id", "read_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_recipient_unread")
        batch_op.drop_column("calendar")
        batch_op.drop_column("read_at")
        batch_op.drop_column("link")
