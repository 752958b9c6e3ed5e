"""feedback: the interviewer's private notes, kept with the draft

Revision ID: f2a9d4b6c081
Revises: e3f1a7c5b920
Create Date: 2026-11-30 03:25:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f2a9d4b6c081"
down_revision = "e3f1a7c5b920"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private_notes", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("private_notes")
