"""hardening: phone clock kept, per-user session nonce, photo as location source

Revision ID: 7c1d2e3f4a5b
Revises: 0f49dba98fcb
Create Date: 2026-12-01 19:40:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '7c1d2e3f4a5b'
down_revision = '0f49dba98fcb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_observed_at', sa.String(length=64), nullable=True))
        batch_op.drop_constraint(op.f('ck_findings_location_source_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_findings_location_source_known'), "location_source IN ('gps', 'map', 'photo')"
        )
    # Existing users get a nonce each; their current sessions carry none and so end once.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_nonce', sa.String(length=64), nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_nonce', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(session_nonce=secrets.token_urlsafe(24))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_nonce', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_nonce')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_findings_location_source_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_findings_location_source_known'), "location_source IN ('gps', 'map')"
        )
        batch_op.drop_column('phone_observed_at')
