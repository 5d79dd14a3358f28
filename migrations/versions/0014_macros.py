"""macros: canned replies and field changes, shared or personal; the built-in roles get macros:*

Revision ID: 0014_macros
Revises: 0013_ticket_bulk_runs
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0014_macros"
down_revision = "0013_ticket_bulk_runs"
branch_labels = None
depends_on = None

GRANTS = {"agent": ["macros:use", "macros:create"], "manager": ["macros:*"]}


def upgrade():
    op.create_table(
        "macros",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False, server_default=""),
        sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("owner_id", UUID(as_uuid=True),
                  sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_macros_owner_id_users")),
        sa.Column("created_by", UUID(as_uuid=True), sa.ForeignKey("users.id", name="fk_macros_created_by_users")),
        sa.Column("actions", JSONB(), nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_macros"),
    )
    op.create_index("ix_macros_owner_name", "macros", ["owner_id", "name"])
    for role, grants in GRANTS.items():
        op.execute(sa.text("UPDATE roles SET permissions = permissions || CAST(:g AS jsonb) "
                           "WHERE name = :r AND builtin AND NOT permissions @> CAST(:g AS jsonb)")
                   .bindparams(g=json.dumps(grants), r=role))


def downgrade():
    op.drop_table("macros")
