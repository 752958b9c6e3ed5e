"""change counters: what a cached report checks to know its data is unchanged

Revision ID: 8853295de4db
Revises: 10bf13e5b77f
Create Date: 2026-11-30 06:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8853295de4db"
down_revision = "10bf13e5b77f"
branch_labels = None
depends_on = None


def upgrade():
    counters = op.create_table(
        "change_counter",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counter")),
    )
    op.bulk_insert(counters, [{"name": "report_data", "value": 0}])


def downgrade():
    op.drop_table("change_counter")
