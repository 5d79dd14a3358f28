"""SLA business calendar (time zone, weekly hours, holidays) and the pause while a ticket is pending

Revision ID: 0017_sla_calendar
Revises: 0016_agent_queue
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017_sla_calendar"
down_revision = "0016_agent_queue"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sla_calendar",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("tz", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("hours", JSONB, nullable=False, server_default="{}"),
        sa.Column("holidays", JSONB, nullable=False, server_default="[]"),
        sa.CheckConstraint("id = 1", name="ck_sla_calendar_single_row"),
    )
    op.add_column("support_tickets", sa.Column("pending_since", sa.DateTime(timezone=True)))
    op.add_column("support_tickets", sa.Column("paused_minutes", sa.Integer, nullable=False, server_default="0"))
    # Tickets already pending start their pause now (their time pending so far is not known).
    op.execute("UPDATE support_tickets SET pending_since = now() WHERE status = 'pending'")


def downgrade():
    op.drop_column("support_tickets", "paused_minutes")
    op.drop_column("support_tickets", "pending_since")
    op.drop_table("sla_calendar")
