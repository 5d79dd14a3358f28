"""agent queue: an agent's open tickets in SLA order, read from one partial index

Revision ID: 0016_agent_queue
Revises: 0006_two_factor_totp
"""

from alembic import op

revision = "0016_agent_queue"
down_revision = "0015_merge_links_views"
branch_labels = None
depends_on = None


def upgrade():
    # The agent's home: WHERE assignee_id = :me AND status IN (open statuses)
    # ORDER BY resolution_due_at NULLS LAST, id — an index range read in order, LIMIT stops it.
    op.create_index(
        "ix_support_tickets_queue",
        "support_tickets",
        ["assignee_id", "resolution_due_at", "id"],
        postgresql_where="status IN ('open', 'pending', 'on_hold')",
    )
    # The agent's recent tickets: WHERE assignee_id = :me ORDER BY created_at DESC.
    op.create_index("ix_support_tickets_assignee_created", "support_tickets", ["assignee_id", "created_at", "id"])


def downgrade():
    op.drop_index("ix_support_tickets_assignee_created", table_name="support_tickets")
    op.drop_index("ix_support_tickets_queue", table_name="support_tickets")
