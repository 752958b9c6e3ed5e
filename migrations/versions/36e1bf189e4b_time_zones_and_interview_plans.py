"""time zones per user; interview plans per requisition

Revision ID: 36e1bf189e4b
Revises: b8a6ce3284b2
Create Date: 2026-11-30 07:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "36e1bf189e4b"
down_revision = "b8a6ce3284b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.create_table(
        "plan_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requisition_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("interviewer_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 480",
            name=op.f("ck_plan_slot_duration_range"),
        ),
        sa.ForeignKeyConstraint(
            ["interviewer_id"], ["user.id"], name=op.f("fk_plan_slot_interviewer_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requisition_id"], ["requisition.id"],
            name=op.f("fk_plan_slot_requisition_id_requisition"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_slot")),
    )
    with op.batch_alter_table("plan_slot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_slot_requisition_id"), ["requisition_id"], unique=False)
    op.create_table(
        "plan_slot_principle",
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("principle_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["principle_id"], ["principle.id"],
            name=op.f("fk_plan_slot_principle_principle_id_principle"),
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["plan_slot.id"], name=op.f("fk_plan_slot_principle_slot_id_plan_slot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("slot_id", "principle_id", name=op.f("pk_plan_slot_principle")),
    )


def downgrade():
    op.drop_table("plan_slot_principle")
    with op.batch_alter_table("plan_slot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_slot_requisition_id"))
    op.drop_table("plan_slot")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
