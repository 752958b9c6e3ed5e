"""loops: a requisition's loops by first interview, in place of the plain index

Revision ID: 5b9e2d7c4a10
Revises: c4e81f0a9d27
Create Date: 2026-12-01 08:40:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "5b9e2d7c4a10"
down_revision = "c4e81f0a9d27"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_loop_requisition_first_interview_at",
        "loop",
        ["requisition_id", "first_interview_at"],
        unique=False,
    )
    op.drop_index("ix_loop_requisition_id", table_name="loop")


def downgrade():
    op.create_index("ix_loop_requisition_id", "loop", ["requisition_id"], unique=False)
    op.drop_index("ix_loop_requisition_first_interview_at", table_name="loop")
