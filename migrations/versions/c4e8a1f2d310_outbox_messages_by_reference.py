"""outbox: a message names the loop and the candidate it is about, by reference

Revision ID: c4e8a1f2d310
Revises: b3d5e7f90a12
Create Date: 2026-11-30 00:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4e8a1f2d310"
down_revision = "b3d5e7f90a12"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("loop_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("candidate_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_message_loop_id"), ["loop_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_message_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_loop_id_loop"), "loop", ["loop_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_candidate_id_candidate"),
            "candidate",
            ["candidate_id"],
            ["id"],
        )

    # Messages queued before this revision carry their loop only in their dedupe key
    # ("loop-ready:<loop>", "debrief-open:<loop>:<user>", "feedback-reminder:<interview>:<step>").
    # Tie them to it, so that erasing a candidate reaches them too.
    bind = op.get_bind()
    message = sa.table(
        "outbox_message",
        sa.column("id", sa.Integer()),
        sa.column("dedupe_key", sa.String()),
        sa.column("loop_id", sa.Integer()),
        sa.column("candidate_id", sa.Integer()),
    )
    interview = sa.table(
        "interview", sa.column("id", sa.Integer()), sa.column("loop_id", sa.Integer())
    )
    loop = sa.table("loop", sa.column("id", sa.Integer()), sa.column("candidate_id", sa.Integer()))
    loop_of_interview = dict(bind.execute(sa.select(interview.c.id, interview.c.loop_id)).all())
    candidate_of_loop = dict(bind.execute(sa.select(loop.c.id, loop.c.candidate_id)).all())
    for message_id, key in bind.execute(sa.select(message.c.id, message.c.dedupe_key)).all():
        kind, _, rest = key.partition(":")
        first = rest.split(":", 1)[0]
        if not first.isdigit():
            continue
        if kind in ("loop-ready", "debrief-open"):
            loop_id = int(first)
        elif kind == "feedback-reminder":
            loop_id = loop_of_interview.get(int(first))
        else:
            continue
        if loop_id not in candidate_of_loop:
            continue
        bind.execute(
            message.update()
            .where(message.c.id == message_id)
            .values(loop_id=loop_id, candidate_id=candidate_of_loop[loop_id])
        )


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_message_candidate_id_candidate"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_outbox_message_loop_id_loop"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_message_candidate_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_loop_id"))
        batch_op.drop_column("candidate_id")
        batch_op.drop_column("loop_id")
