"""loops: the state index also orders by the first interview, for lists and reports by period;
and by the decision, for the recent decisions, also of one hiring manager

Revision ID: 8bda327bca78
Revises: 36e1bf189e4b
Create Date: 2026-11-30 10:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "8bda327bca78"
down_revision = "36e1bf189e4b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_loop_state_first_interview_at", "loop", ["state", "first_interview_at"], unique=False
    )
    op.create_index("ix_loop_state_decided_at", "loop", ["state", "decided_at"], unique=False)
    op.create_index(
        "ix_loop_hiring_manager_state_decided_at",
        "loop",
        ["hiring_manager_id", "state", "decided_at"],
        unique=False,
    )
    op.drop_index("ix_loop_hiring_manager_id", table_name="loop")
    op.drop_index("ix_loop_state", table_name="loop")


def downgrade():
    op.create_index("ix_loop_state", "loop", ["state"], unique=False)
    op.create_index("ix_loop_hiring_manager_id", "loop", ["hiring_manager_id"], unique=False)
    op.drop_index("ix_loop_hiring_manager_state_decided_at", table_name="loop")
    op.drop_index("ix_loop_state_decided_at", table_name="loop")
    op.drop_index("ix_loop_state_first_interview_at", table_name="loop")
