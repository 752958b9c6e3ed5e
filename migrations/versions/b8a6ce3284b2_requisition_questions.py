"""requisitions: a role's own interview questions per principle

Revision ID: b8a6ce3284b2
Revises: 1feea5cf99df
Create Date: 2026-11-30 06:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8a6ce3284b2"
down_revision = "1feea5cf99df"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "requisition_question",
        sa.Column("requisition_id", sa.Integer(), nullable=False),
        sa.Column("principle_id", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["principle_id"],
            ["principle.id"],
            name=op.f("fk_requisition_question_principle_id_principle"),
        ),
        sa.ForeignKeyConstraint(
            ["requisition_id"],
            ["requisition.id"],
            name=op.f("fk_requisition_question_requisition_id_requisition"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "requisition_id", "principle_id", name=op.f("pk_requisition_question")
        ),
    )


def downgrade():
    op.drop_table("requisition_question")
