"""principles: an interview kit per principle (questions, strong and weak evidence)

Revision ID: e3f1a7c5b920
Revises: d7b2c9e41a05
Create Date: 2026-11-30 03:15:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e3f1a7c5b920"
down_revision = "d7b2c9e41a05"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("principle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kit_questions", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("kit_strong", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("kit_weak", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("principle", schema=None) as batch_op:
        batch_op.drop_column("kit_weak")
        batch_op.drop_column("kit_strong")
        batch_op.drop_column("kit_questions")
