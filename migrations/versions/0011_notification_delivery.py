"""notification delivery: dedupe counts, held and digest emails, resolved @mentions of notes

Revision ID: 0011_notification_delivery
Revises: 0006_two_factor_totp
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0011_notification_delivery"
down_revision = "0006_two_factor_totp"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("notifications", sa.Column("group_key", sa.String(80)))
    op.add_column("notifications", sa.Column("count", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("notifications", sa.Column("updated_at", sa.DateTime(timezone=True)))
    # Folding looks for the user's latest unread notification of a kind about one ticket.
    op.create_index("ix_notifications_fold", "notifications", ["user_id", "kind", "group_key", "created_at"],
                    postgresql_where=sa.text("read_at IS NULL AND group_key IS NOT NULL"))
    op.add_column("ticket_comments", sa.Column("mentions", JSONB(), nullable=False, server_default="[]"))
    op.create_table(
        "notification_emails",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey(
            "users.id", ondelete="CASCADE", name="fk_notification_emails_user_id_users"), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("link", sa.String(500)),
        sa.Column("group_key", sa.String(80)),
        sa.Column("group_label", sa.String(600)),
        sa.Column("count", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("correlation_id", sa.String(64)),
        sa.CheckConstraint("mode IN ('now', 'hourly', 'daily')", name="ck_notification_emails_mode"),
    )
    op.create_index("ix_notification_emails_due", "notification_emails", ["due_at"],
                    postgresql_where=sa.text("sent_at IS NULL"))
    op.create_index("ix_notification_emails_user_id_fold", "notification_emails", ["user_id", "kind", "group_key"],
                    postgresql_where=sa.text("sent_at IS NULL"))


def downgrade():
    op.drop_table("notification_emails")
    op.drop_column("ticket_comments", "mentions")
    op.drop_index("ix_notifications_fold", table_name="notifications")
    op.drop_column("notifications", "updated_at")
    op.drop_column("notifications", "count")
    op.drop_column("notifications", "group_key")
