"""follow-up cycle: walk status history, follow-up walk and its checks, feedback pages,
parked findings, the public note on a measure, the follow-up meeting's time

Revision ID: eec658c14069
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-01 22:23:00.267176

"""
import sqlalchemy as sa
from alembic import op

import walkapp.db


# revision identifiers, used by Alembic.
revision = 'eec658c14069'
down_revision = '7c1d2e3f4a5b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('walk_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=43), nullable=False),
    sa.Column('published_at', walkapp.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', walkapp.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_feedback_pages_published_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['walk_id'], ['walks.id'], name=op.f('fk_feedback_pages_walk_id_walks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_pages')),
    sa.UniqueConstraint('code', name=op.f('uq_feedback_pages_code'))
    )
    with op.batch_alter_table('feedback_pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_pages_walk_id'), ['walk_id'], unique=False)

    op.create_table('walk_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('walk_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_participant_id', sa.Integer(), nullable=True),
    sa.Column('at', walkapp.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['by_participant_id'], ['participants.id'], name=op.f('fk_walk_status_changes_by_participant_id_participants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_walk_status_changes_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['walk_id'], ['walks.id'], name=op.f('fk_walk_status_changes_walk_id_walks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_walk_status_changes'))
    )
    with op.batch_alter_table('walk_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_walk_status_changes_walk_id'), ['walk_id'], unique=False)

    op.create_table('finding_checks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('walk_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('verdict', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('observed_at', walkapp.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('phone_observed_at', sa.String(length=64), nullable=True),
    sa.Column('created_at', walkapp.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("verdict IN ('fixed', 'still', 'worse')", name=op.f('ck_finding_checks_verdict_known')),
    sa.CheckConstraint('participant_id IS NOT NULL OR user_id IS NOT NULL', name=op.f('ck_finding_checks_has_reporter')),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_finding_checks_finding_id_findings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_finding_checks_participant_id_participants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_finding_checks_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['walk_id'], ['walks.id'], name=op.f('fk_finding_checks_walk_id_walks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding_checks'))
    )
    with op.batch_alter_table('finding_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_checks_finding_id'), ['finding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finding_checks_walk_id'), ['walk_id'], unique=False)

    op.create_table('check_photos',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('check_id', sa.Uuid(), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('created_at', walkapp.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('width > 0 AND height > 0', name=op.f('ck_check_photos_size_positive')),
    sa.ForeignKeyConstraint(['check_id'], ['finding_checks.id'], name=op.f('fk_check_photos_check_id_finding_checks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_photos')),
    sa.UniqueConstraint('check_id', 'sha256', name=op.f('uq_check_photos_check_id_sha256')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_check_photos_storage_key'))
    )
    with op.batch_alter_table('check_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_photos_check_id'), ['check_id'], unique=False)

    with op.batch_alter_table('measures', schema=None) as batch_op:
        # Existing measures have no public note yet; the server default fills them.
        batch_op.add_column(sa.Column('public_note', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('walks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_time', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('previous_walk_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_walks_previous_walk_id'), ['previous_walk_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_walks_previous_walk_id_walks'), 'walks', ['previous_walk_id'], ['id'], ondelete='SET NULL')

    # Autogenerate does not see check constraints: the meeting may park a finding.
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_findings_state_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_findings_state_known'),
            "state IN ('new', 'triaged', 'duplicate', 'dismissed', 'parked')",
        )


def downgrade():
    # A parked finding was undecided, which is what "new" meant before parking existed.
    op.execute("UPDATE findings SET state = 'new' WHERE state = 'parked'")
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_findings_state_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_findings_state_known'), "state IN ('new', 'triaged', 'duplicate', 'dismissed')"
        )
    with op.batch_alter_table('walks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_walks_previous_walk_id_walks'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_walks_previous_walk_id'))
        batch_op.drop_column('previous_walk_id')
        batch_op.drop_column('follow_up_time')

    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_column('public_note')

    with op.batch_alter_table('check_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_photos_check_id'))

    op.drop_table('check_photos')
    with op.batch_alter_table('finding_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_checks_walk_id'))
        batch_op.drop_index(batch_op.f('ix_finding_checks_finding_id'))

    op.drop_table('finding_checks')
    with op.batch_alter_table('walk_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_walk_status_changes_walk_id'))

    op.drop_table('walk_status_changes')
    with op.batch_alter_table('feedback_pages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_pages_walk_id'))

    op.drop_table('feedback_pages')
