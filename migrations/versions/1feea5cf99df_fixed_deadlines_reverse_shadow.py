"""interviews keep the feedback deadline fixed when scheduled; loops led by a trainee under a
certified shadow (reverse shadow)

Revision ID: 1feea5cf99df
Revises: d4a1ce5cf0e7
Create Date: 2026-11-30 06:50:00.000000

"""

import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "1feea5cf99df"
down_revision = "d4a1ce5cf0e7"
branch_labels = None
depends_on = None

DEFAULT_DEADLINE_HOURS = 24


def _deadline_hours(connection) -> int:
    """The deadline in force when the migration runs: the admin's setting, else the deployment's
    FEEDBACK_DEADLINE_HOURS, else 24 hours."""
    stored = connection.execute(
        sa.text("SELECT value FROM mechanism_setting WHERE key = 'feedback_deadline_hours'")
    ).scalar()
    if stored is not None:
        return int(json.loads(stored) if isinstance(stored, str) else stored)
    try:
        from flask import current_app

        configured = current_app.config.get("FEEDBACK_DEADLINE_HOURS")
    except RuntimeError:  # outside an application
        configured = None
    return int(configured) if configured else DEFAULT_DEADLINE_HOURS


def upgrade():
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_due_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("loop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certified_shadow_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_loop_certified_shadow_id"), ["certified_shadow_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_loop_certified_shadow_id_user"), "user", ["certified_shadow_id"], ["id"]
        )

    connection = op.get_bind()
    hours = _deadline_hours(connection)
    # Interviews already scheduled keep the deadline the setting gives them today; those whose
    # feedback was submitted keep the one it was judged against.
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text(
                "UPDATE interview SET feedback_due_at = starts_at"
                " + make_interval(mins => duration_minutes + 60 * :hours)"
            ),
            {"hours": hours},
        )
    else:
        connection.execute(
            sa.text(
                "UPDATE interview SET feedback_due_at = strftime('%Y-%m-%d %H:%M:%f000',"
                " starts_at, '+' || (duration_minutes + 60 * :hours) || ' minutes')"
            ),
            {"hours": hours},
        )
    connection.execute(
        sa.text(
            "UPDATE interview SET feedback_due_at = (SELECT feedback.due_at FROM feedback"
            " WHERE feedback.interview_id = interview.id)"
            " WHERE EXISTS (SELECT 1 FROM feedback WHERE feedback.interview_id = interview.id"
            " AND feedback.state = 'submitted' AND feedback.due_at IS NOT NULL)"
        )
    )
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.alter_column(
            "feedback_due_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    with op.batch_alter_table("loop", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_loop_certified_shadow_id_user"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_loop_certified_shadow_id"))
        batch_op.drop_column("certified_shadow_id")
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_column("feedback_due_at")
