"""inclusion: good places (findings.kind), the language a finding was written in, placing without
the map (route_point / text and location_text), voice notes (audio)

Revision ID: bc34b98998fb
Revises: 9537c9fa1de3
Create Date: 2026-12-01 23:24:37.626304

"""
import sqlalchemy as sa
from alembic import op

import walkapp.db


# revision identifiers, used by Alembic.
revision = 'bc34b98998fb'
down_revision = '9537c9fa1de3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audio',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('finding_id', sa.Uuid(), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=40), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('created_at', walkapp.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('duration_s IS NULL OR (duration_s >= 0 AND duration_s <= 130)', name=op.f('ck_audio_duration_range')),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_audio_finding_id_findings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audio')),
    sa.UniqueConstraint('finding_id', 'sha256', name=op.f('uq_audio_finding_id_sha256')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_audio_storage_key'))
    )
    with op.batch_alter_table('audio', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audio_finding_id'), ['finding_id'], unique=False)

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location_text', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='problem', nullable=False))
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))
        batch_op.alter_column('location_source',
               existing_type=sa.VARCHAR(length=10),
               type_=sa.String(length=12),
               existing_nullable=False)
        # Autogenerate does not see check constraints: good places, and placing without the map.
        batch_op.create_check_constraint(op.f('ck_findings_kind_known'), "kind IN ('problem', 'good')")
        batch_op.drop_constraint(op.f('ck_findings_location_source_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_findings_location_source_known'),
            "location_source IN ('gps', 'map', 'photo', 'route_point', 'text')",
        )


def downgrade():
    # A place chosen from the route's list or described in words was, before, a place on the map.
    op.execute("UPDATE findings SET location_source = 'map' WHERE location_source IN ('route_point', 'text')")
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_findings_location_source_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_findings_location_source_known'), "location_source IN ('gps', 'map', 'photo')"
        )
        batch_op.drop_constraint(op.f('ck_findings_kind_known'), type_='check')
        batch_op.alter_column('location_source',
               existing_type=sa.String(length=12),
               type_=sa.VARCHAR(length=10),
               existing_nullable=False)
        batch_op.drop_column('language')
        batch_op.drop_column('kind')
        batch_op.drop_column('location_text')

    with op.batch_alter_table('audio', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audio_finding_id'))

    op.drop_table('audio')
