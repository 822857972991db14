"""areas as tenants: areas, their member organisations, area_id on walks, estates and
measures; the operator role; an index for the near-duplicate hint

Existing data (and every existing organisation) lands in one default area, "Standardområde",
which an operator can rename; a database without any data gets no area (seed-demo / the first
`areas create` makes one).

Revision ID: 119c1706b36d
Revises: f617d5094fe8
Create Date: 2026-12-02 01:52:45.492230

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import walkapp.db

# revision identifiers, used by Alembic.
revision = '119c1706b36d'
down_revision = 'f617d5094fe8'
branch_labels = None
depends_on = None

DEFAULT_AREA = "Standardområde"
TENANT_TABLES = ("walks", "estates", "measures")


def upgrade():
    op.create_table('areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', walkapp.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas')),
    sa.UniqueConstraint('name', name=op.f('uq_areas_name'))
    )
    op.create_table('area_memberships',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_area_memberships_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_area_memberships_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('area_id', 'organisation_id', name=op.f('pk_area_memberships'))
    )
    with op.batch_alter_table('area_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_memberships_organisation_id'), ['organisation_id'], unique=False)

    # Nullable first: existing rows get the default area, then the column is made NOT NULL.
    for table in TENANT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('area_id', sa.Integer(), nullable=True))

    conn = op.get_bind()
    has_data = any(
        conn.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
        for table in ("organisations", *TENANT_TABLES)
    )
    if has_data:
        areas = sa.table("areas", sa.column("id", sa.Integer), sa.column("name", sa.String),
                         sa.column("created_at", walkapp.db.UTCDateTime(timezone=True)))
        conn.execute(areas.insert().values(name=DEFAULT_AREA, created_at=datetime.now(UTC)))
        area_id = conn.execute(sa.select(areas.c.id).where(areas.c.name == DEFAULT_AREA)).scalar_one()
        conn.execute(sa.text(
            "INSERT INTO area_memberships (area_id, organisation_id) SELECT :area, id FROM organisations"
        ), {"area": area_id})
        for table in TENANT_TABLES:
            conn.execute(sa.text(f"UPDATE {table} SET area_id = :area"), {"area": area_id})

    for table in TENANT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('area_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_area_id'), ['area_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_area_id_areas'), 'areas', ['area_id'], ['id'])

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index('ix_findings_walk_lat', ['walk_id', 'lat'], unique=False)

    # Autogenerate does not see check constraints: the national operator role.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint(
            'role_known', "role IN ('admin', 'coordinator', 'staff', 'operator')"
        )


def downgrade():
    op.execute("UPDATE users SET role = 'staff' WHERE role = 'operator'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', "role IN ('admin', 'coordinator', 'staff')")

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_walk_lat')

    for table in reversed(TENANT_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_area_id_areas'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_area_id'))
            batch_op.drop_column('area_id')

    with op.batch_alter_table('area_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_memberships_organisation_id'))

    op.drop_table('area_memberships')
    op.drop_table('areas')
