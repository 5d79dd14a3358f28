"""notifications: one per (event, recipient) instead of one per event

An event may notify several people (every admin when an account locks); a redelivered
event must still not notify anyone twice.

Revision ID: 0004_notifications
Revises: 0003_tickets
"""
from alembic import op

revision = "0004_notifications"
down_revision = "0003_tickets"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_constraint("uq_notifications_event_id", "notifications", type_="unique")
    op.create_unique_constraint("uq_notifications_event_id_user_id", "notifications", ["event_id", "user_id"])


def downgrade():
    op.drop_constraint("uq_notifications_event_id_user_id", "notifications", type_="unique")
    op.create_unique_constraint("uq_notifications_event_id", "notifications", ["event_id"])
