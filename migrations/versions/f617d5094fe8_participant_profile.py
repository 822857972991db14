"""participant profile: optional, anonymous age band, gender and mobility aid

Revision ID: f617d5094fe8
Revises: bc34b98998fb
Create Date: 2026-12-02 00:05:39.531768

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f617d5094fe8'
down_revision = 'bc34b98998fb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_band', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('gender', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('mobility_aid', sa.Boolean(), nullable=True))
        # Autogenerate does not see check constraints.
        batch_op.create_check_constraint(
            op.f('ck_participants_age_band_known'),
            "age_band IS NULL OR age_band IN ('under_18', '18_39', '40_64', '65_plus')",
        )
        batch_op.create_check_constraint(
            op.f('ck_participants_gender_known'),
            "gender IS NULL OR gender IN ('woman', 'man', 'other', 'undisclosed')",
        )



def downgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_participants_gender_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_participants_age_band_known'), type_='check')
        batch_op.drop_column('mobility_aid')
        batch_op.drop_column('gender')
        batch_op.drop_column('age_band')

