"""outbox: webhook endpoints, and messages that go to an endpoint instead of a person

Revision ID: d4a1ce5cf0e7
Revises: 8853295de4db
Create Date: 2026-11-30 06:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d4a1ce5cf0e7"
down_revision = "8853295de4db"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), server_default="", nullable=False),
        sa.Column("events", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_webhook_endpoint_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("endpoint_id", sa.Integer(), nullable=True))
        batch_op.alter_column("recipient_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(op.f("ix_outbox_message_endpoint_id"), ["endpoint_id"], unique=False)
        batch_op.create_foreign_key(
            op.f("fk_outbox_message_endpoint_id_webhook_endpoint"),
            "webhook_endpoint",
            ["endpoint_id"],
            ["id"],
            ondelete="CASCADE",
        )
        # A message goes to a person (by account or by address alone) or to an endpoint.
        batch_op.drop_constraint(op.f("ck_outbox_message_has_a_recipient"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_outbox_message_one_destination"),
            "(recipient_id IS NULL AND to_address IS NULL) <> (endpoint_id IS NULL)",
        )


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE endpoint_id IS NOT NULL")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_message_one_destination"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_outbox_message_has_a_recipient"),
            "recipient_id IS NOT NULL OR to_address IS NOT NULL",
        )
        batch_op.drop_constraint(
            op.f("fk_outbox_message_endpoint_id_webhook_endpoint"), type_="foreignkey"
        )
        batch_op.drop_index(op.f("ix_outbox_message_endpoint_id"))
        batch_op.drop_column("endpoint_id")
    op.drop_table("webhook_endpoint")
