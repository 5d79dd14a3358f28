"""outbox: parked_at for events that failed every attempt; indexes for the retention purges

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
    op.add_column("outbox", sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_outbox_parked", "outbox", ["parked_at"], postgresql_where=sa.text("parked_at IS NOT NULL"))
    op.create_index("ix_outbox_processed", "outbox", ["processed_at"],
                    postgresql_where=sa.text("processed_at IS NOT NULL"))
    # Parked events no longer count as waiting: the pending index leaves them out.
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["occurred_at"],
                    postgresql_where=sa.text("processed_at IS NULL AND parked_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["occurred_at"], postgresql_where=sa.text("processed_at IS NULL"))
    op.drop_index("ix_outbox_processed", table_name="outbox")
    op.drop_index("ix_outbox_parked", table_name="outbox")
    op.drop_column("outbox", "parked_at")
