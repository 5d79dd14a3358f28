"""ticket bulk runs: a result per ticket, progress for large bulks, and the values before for undo

Revision ID: 0013_ticket_bulk_runs
Revises: 0006_two_factor_totp
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0013_ticket_bulk_runs"
down_revision = "0012_search_everywhere"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_bulk_runs",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("actor_id", UUID(as_uuid=True),
                  sa.ForeignKey("users.id", name="fk_ticket_bulk_runs_actor_id_users")),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("value", JSONB()),
        sa.Column("loaded_at", sa.DateTime(timezone=True)),
        sa.Column("versions", JSONB(), nullable=False, server_default="{}"),
        sa.Column("ticket_ids", JSONB(), nullable=False, server_default="[]"),
        sa.Column("state", sa.String(10), nullable=False, server_default="queued"),
        sa.Column("total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("processed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("results", JSONB(), nullable=False, server_default="[]"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("undone_at", sa.DateTime(timezone=True)),
        sa.Column("undo_results", JSONB(), nullable=False, server_default="[]"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_bulk_runs"),
    )
    op.create_index("ix_ticket_bulk_runs_actor_created", "ticket_bulk_runs", ["actor_id", "created_at"])


def downgrade():
    op.drop_table("ticket_bulk_runs")
