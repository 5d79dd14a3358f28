"""list keys: every list sort is an index ending in id, so keyset pages are index ranges

A keyset page asks for rows after (sort value, id); an index on exactly that key
answers with a range read of per_page + 1 entries. The single-column indexes
these replace left ties (every agent shares a role, every customer a tier) to
be sorted on each page.

Revision ID: lk7_list_keys
Revises: 0005_search_vector
"""

from alembic import op

revision = "lk7_list_keys"
down_revision = "0006_ops_parked_events"
branch_labels = None
depends_on = None

# name: (table, columns, the index it replaces or None)
INDEXES = {
    "ix_users_name_id": ("users", "name, id", None),
    "ix_users_role_name_id": ("users", "role_name, id", "ix_users_role_name"),
    "ix_customers_company_lower_id": ("customers", "lower(company_name), id", "ix_customers_company_lower"),
    "ix_customers_contact_email_lower_id": ("customers", "lower(contact_email), id",
                                            "ix_customers_contact_email_lower"),
    "ix_customers_subscription_tier_id": ("customers", "subscription_tier, id", None),
    "ix_customers_status_id": ("customers", "status, id", None),
    "ix_notifications_user_id_created_at_id": ("notifications", "user_id, created_at, id",
                                               "ix_notifications_user_id_created_at"),
}
OLD = {
    "ix_users_role_name": ("users", "role_name"),
    "ix_customers_company_lower": ("customers", "lower(company_name)"),
    "ix_customers_contact_email_lower": ("customers", "lower(contact_email)"),
    "ix_notifications_user_id_created_at": ("notifications", "user_id, created_at"),
}


def upgrade():
    for name, (table, columns, replaces) in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} ({columns})")
        if replaces:
            op.execute(f"DROP INDEX {replaces}")


def downgrade():
    for name, (table, columns) in OLD.items():
        op.execute(f"CREATE INDEX {name} ON {table} ({columns})")
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
