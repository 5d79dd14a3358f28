"""outbox: parked_at for events that failed every attempt; indexes for the retention purges;
export_parts: finished CSV exports in PostgreSQL, readable by every web instance

Revision ID: 0006_ops_parked_events
Revises: 0005_search_vector
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_ops_parked_events"
down_revision = "0005_search_vector"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_parts",
        sa.Column("export_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("export_id", "seq", name="pk_export_parts"),
    )
    op.create_index("ix_export_parts_created_at", "export_parts", ["created_at"])
    op.add_column("outbox", sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_outbox_parked", "outbox", ["parked_at"], postgresql_where=sa.text("parked_at IS NOT NULL"))
    op.create_index("ix_outbox_processed", "outbox", ["processed_at"],
                    postgresql_where=sa.text("processed_at IS NOT NULL"))
    # Parked events no longer count as waiting: the pending index leaves them out.
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["occurred_at"],
                    postgresql_where=sa.text("processed_at IS NULL AND parked_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_export_parts_created_at", table_name="export_parts")
    op.drop_table("export_parts")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["occurred_at"], postgresql_where=sa.text("processed_at IS NULL"))
    op.drop_index("ix_outbox_processed", table_name="outbox")
    op.drop_index("ix_outbox_parked", table_name="outbox")
    op.drop_column("outbox", "parked_at")
