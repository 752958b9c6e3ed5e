"""calibration: action items, and evidence word counts on principle ratings

Revision ID: 74107ff70d60
Revises: 7fe2f57bb161
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import barraiser.database


# revision identifiers, used by Alembic.
revision = '74107ff70d60'
down_revision = '7fe2f57bb161'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('principle_rating', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('evidence_words', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )

    # Count the words of evidence already written, as the model does on every write from now on.
    rating = sa.table(
        'principle_rating',
        sa.column('feedback_id', sa.Integer()),
        sa.column('principle_id', sa.Integer()),
        sa.column('evidence', sa.Text()),
        sa.column('evidence_words', sa.Integer()),
    )
    connection = op.get_bind()
    written = connection.execute(
        sa.select(rating.c.feedback_id, rating.c.principle_id, rating.c.evidence).where(
            rating.c.evidence != ''
        )
    ).all()
    counts = [
        {'f': feedback_id, 'p': principle_id, 'words': len(evidence.split())}
        for feedback_id, principle_id, evidence in written
    ]
    if counts:
        connection.execute(
            rating.update()
            .where(
                rating.c.feedback_id == sa.bindparam('f'),
                rating.c.principle_id == sa.bindparam('p'),
            )
            .values(evidence_words=sa.bindparam('words')),
            counts,
        )

    op.create_table('action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'in_progress', 'closed', name='actionstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', barraiser.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', barraiser.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', barraiser.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_action_item_closed_has_date')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_action_item_created_by_id_user')),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_action_item_owner_id_user')),
    sa.ForeignKeyConstraint(['subject_id'], ['user.id'], name=op.f('fk_action_item_subject_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_item'))
    )
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_item_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_action_item_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_subject_id'), ['subject_id'], unique=False)


def downgrade():
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_item_subject_id'))
        batch_op.drop_index('ix_action_item_status')
        batch_op.drop_index(batch_op.f('ix_action_item_owner_id'))

    op.drop_table('action_item')
    with op.batch_alter_table('principle_rating', schema=None) as batch_op:
        batch_op.drop_column('evidence_words')
