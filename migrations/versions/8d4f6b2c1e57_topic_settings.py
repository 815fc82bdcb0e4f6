"""topic settings: the coordinator opens the suggestion box to the public

Revision ID: 8d4f6b2c1e57
Revises: 5c1e2a7d9b30
Create Date: 2026-12-03 13:40:00

"""
from alembic import op
import sqlalchemy as sa

import netzwerk.db


# revision identifiers, used by Alembic.
revision = '8d4f6b2c1e57'
down_revision = '5c1e2a7d9b30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('topic_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_suggestions', sa.Boolean(), nullable=False),
    sa.Column('changed_dt', netzwerk.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_settings'))
    )


def downgrade():
    op.drop_table('topic_settings')
