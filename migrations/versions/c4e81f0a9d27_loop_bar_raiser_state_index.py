"""loops: a Bar Raiser's loops by state and first interview, in place of the plain index; a
hiring manager's hires made here (not imported) by state and decision time

Revision ID: c4e81f0a9d27
Revises: 8bda327bca78
Create Date: 2026-11-30 13:40:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "c4e81f0a9d27"
down_revision = "8bda327bca78"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_loop_bar_raiser_state_first_interview_at",
        "loop",
        ["bar_raiser_id", "state", "first_interview_at"],
        unique=False,
    )
    op.drop_index("ix_loop_bar_raiser_id", table_name="loop")
    op.create_index(
        "ix_loop_hiring_manager_ref_state_decided_at",
        "loop",
        ["hiring_manager_id", "external_ref", "state", "decided_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_loop_hiring_manager_ref_state_decided_at", table_name="loop")
    op.create_index("ix_loop_bar_raiser_id", "loop", ["bar_raiser_id"], unique=False)
    op.drop_index("ix_loop_bar_raiser_state_first_interview_at", table_name="loop")
