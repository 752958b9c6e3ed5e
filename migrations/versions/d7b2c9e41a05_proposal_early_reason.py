"""debrief: the reason a hiring manager proposes before every final vote is in

Revision ID: d7b2c9e41a05
Revises: f1b6d2a8c703
Create Date: 2026-11-30 02:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d7b2c9e41a05"
down_revision = "f1b6d2a8c703"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("early_reason", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_column("early_reason")
