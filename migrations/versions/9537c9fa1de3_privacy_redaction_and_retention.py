"""privacy: redacted photos keep the original's hash only; walks record when retention ran

Revision ID: 9537c9fa1de3
Revises: eec658c14069
Create Date: 2026-12-01 22:38:33.973247

"""
import sqlalchemy as sa
from alembic import op

import walkapp.db


# revision identifiers, used by Alembic.
revision = '9537c9fa1de3'
down_revision = 'eec658c14069'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redacted_at', walkapp.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('original_sha256', sa.String(length=64), nullable=True))

    with op.batch_alter_table('walks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_applied_at', walkapp.db.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('walks', schema=None) as batch_op:
        batch_op.drop_column('retention_applied_at')

    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_column('original_sha256')
        batch_op.drop_column('redacted_at')

