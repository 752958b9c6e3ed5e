"""training: mentor notes on Bar Raisers in training

Revision ID: 9421c0209d25
Revises: 74107ff70d60
Create Date: 2026-11-25 01:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import barraiser.database


# revision identifiers, used by Alembic.
revision = '9421c0209d25'
down_revision = '74107ff70d60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mentor_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('loop_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', barraiser.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_mentor_note_author_id_user')),
    sa.ForeignKeyConstraint(['loop_id'], ['loop.id'], name=op.f('fk_mentor_note_loop_id_loop')),
    sa.ForeignKeyConstraint(['trainee_id'], ['user.id'], name=op.f('fk_mentor_note_trainee_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_note'))
    )
    with op.batch_alter_table('mentor_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_note_trainee_id'), ['trainee_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mentor_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_note_trainee_id'))

    op.drop_table('mentor_note')
