"""calibration: what submitted feedback said of each assigned principle, on the assignment

Revision ID: b3d5e7f90a12
Revises: 9421c0209d25
Create Date: 2026-11-25 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d5e7f90a12'
down_revision = '9421c0209d25'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interview_principle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_rating', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submitted_evidence_words', sa.Integer(), nullable=True))

    # Stamp the assignments of feedback already submitted, as submission does from now on.
    assignment = sa.table(
        'interview_principle',
        sa.column('interview_id', sa.Integer()),
        sa.column('principle_id', sa.Integer()),
        sa.column('submitted_rating', sa.Integer()),
        sa.column('submitted_evidence_words', sa.Integer()),
    )
    feedback = sa.table(
        'feedback',
        sa.column('id', sa.Integer()),
        sa.column('interview_id', sa.Integer()),
        sa.column('state', sa.String()),
    )
    rating = sa.table(
        'principle_rating',
        sa.column('feedback_id', sa.Integer()),
        sa.column('principle_id', sa.Integer()),
        sa.column('rating', sa.Integer()),
        sa.column('evidence_words', sa.Integer()),
    )
    submitted = sa.and_(
        feedback.c.interview_id == assignment.c.interview_id, feedback.c.state == 'submitted'
    )

    def of_the_rating(column: sa.ColumnElement) -> sa.ScalarSelect:
        return (
            sa.select(column)
            .select_from(feedback.join(rating, rating.c.feedback_id == feedback.c.id))
            .where(submitted, rating.c.principle_id == assignment.c.principle_id)
            .scalar_subquery()
        )

    op.get_bind().execute(
        assignment.update()
        .where(sa.select(feedback.c.id).where(submitted).exists())
        .values(
            submitted_rating=of_the_rating(rating.c.rating),
            submitted_evidence_words=sa.func.coalesce(of_the_rating(rating.c.evidence_words), 0),
        )
    )


def downgrade():
    with op.batch_alter_table('interview_principle', schema=None) as batch_op:
        batch_op.drop_column('submitted_evidence_words')
        batch_op.drop_column('submitted_rating')
