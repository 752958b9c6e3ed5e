"""outbox: delivery state, attempts, backoff and a sweep's claim

Revision ID: d7a3c9e5b214
Revises: c4e8a1f2d310
Create Date: 2026-11-30 02:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d7a3c9e5b214"
down_revision = "c4e8a1f2d310"
branch_labels = None
depends_on = None

STATES = ("queued", "retrying", "dead", "sent", "withheld")
ERASED_BEFORE_SENDING = "erased with the candidate"


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "state",
                sa.Enum(
                    *STATES,
                    name="messagestate",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="queued",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))

    # Messages queued before delivery had states: sent ones are sent; an unsent one with an error
    # was either erased with its candidate (withheld, never to go) or failed once and was never
    # tried again — those are retried now.
    message = sa.table(
        "outbox_message",
        sa.column("state", sa.String()),
        sa.column("attempts", sa.Integer()),
        sa.column("sent_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.column("error", sa.Text()),
    )
    op.execute(message.update().values(next_attempt_at=message.c.created_at))
    op.execute(
        message.update().where(message.c.sent_at.is_not(None)).values(state="sent", attempts=1)
    )
    op.execute(
        message.update()
        .where(message.c.sent_at.is_(None), message.c.error == ERASED_BEFORE_SENDING)
        .values(state="withheld")
    )
    op.execute(
        message.update()
        .where(
            message.c.sent_at.is_(None),
            message.c.error.is_not(None),
            message.c.error != ERASED_BEFORE_SENDING,
        )
        .values(state="retrying", attempts=1)
    )

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.alter_column(
            "next_attempt_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_index(
            op.f("ix_outbox_message_due"), ["state", "next_attempt_at"], unique=False
        )
        batch_op.create_check_constraint(
            op.f("ck_outbox_message_attempts_not_negative"), "attempts >= 0"
        )


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_message_attempts_not_negative"), type_="check")
        batch_op.drop_index(op.f("ix_outbox_message_due"))
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("last_attempt_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("state")
