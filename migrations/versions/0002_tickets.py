"""tickets: list indexes end with id, so filtered lists read pages in index order

With many tickets sharing an updated_at (bulk changes, imports), an index on
(status, priority, updated_at) still has to sort every tie by id; with id in
the index the list reads exactly per_page + 1 entries.

Revision ID: 0002_tickets
Revises: 0001
"""

from alembic import op

revision = "0002_tickets"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_support_tickets_status_priority_updated": ("status", "priority", "updated_at"),
    "ix_support_tickets_assignee_status_updated": ("assignee_id", "status", "updated_at"),
    "ix_support_tickets_customer_id_updated": ("customer_id", "updated_at"),
}


def upgrade():
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="support_tickets")
        op.create_index(name, "support_tickets", [*columns, "id"])


def downgrade():
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="support_tickets")
        op.create_index(name, "support_tickets", list(columns))
