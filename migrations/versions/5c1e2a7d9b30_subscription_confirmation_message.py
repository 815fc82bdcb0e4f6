"""subscription remembers its confirmation mail, so the worker records when it went out

Revision ID: 5c1e2a7d9b30
Revises: f97b6a4f2080
Create Date: 2026-12-03 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e2a7d9b30'
down_revision = 'f97b6a4f2080'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmation_message_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_subscriptions_confirmation_message_id'), ['confirmation_message_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_subscriptions_confirmation_message_id_outbox_messages'), 'outbox_messages', ['confirmation_message_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_subscriptions_confirmation_message_id_outbox_messages'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_subscriptions_confirmation_message_id'))
        batch_op.drop_column('confirmation_message_id')
