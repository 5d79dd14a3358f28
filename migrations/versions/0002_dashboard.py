"""dashboard rollups: daily ticket counts, open backlog, daily revenue

Aggregates over 1,000,000 tickets cannot answer in milliseconds from the base
tables, so statement-level triggers (with transition tables, so one COPY of a
million rows costs one grouped upsert, not a million) keep three small tables
exact inside the writing transaction. A daily worker job
(workers.jobs.dashboard.rebuild_rollups) recomputes them from scratch as a safety net.

Revision ID: 0002_dashboard
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_dashboard"
down_revision = "0001"
branch_labels = None
depends_on = None

NO_ASSIGNEE = "00000000-0000-0000-0000-000000000000"

# d(created_at, resolved_at, resolution_due_at, priority, status, assignee_id, sign)
TICKET_APPLY = f"""
    , daily AS (
        SELECT day, priority, sum(o) AS opened, sum(r) AS resolved, sum(s) AS in_sla FROM (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, priority, sign AS o, 0 AS r, 0 AS s FROM d
            UNION ALL
            SELECT (resolved_at AT TIME ZONE 'UTC')::date, priority, 0, sign,
                   CASE WHEN resolution_due_at IS NULL OR resolved_at <= resolution_due_at THEN sign ELSE 0 END
            FROM d WHERE resolved_at IS NOT NULL
        ) x GROUP BY day, priority
        HAVING sum(o) <> 0 OR sum(r) <> 0 OR sum(s) <> 0
    ), up_daily AS (
        INSERT INTO ticket_daily_stats AS t (day, priority, opened, resolved, resolved_in_sla)
        SELECT day, priority, opened, resolved, in_sla FROM daily ORDER BY day, priority
        ON CONFLICT (day, priority) DO UPDATE SET opened = t.opened + EXCLUDED.opened,
            resolved = t.resolved + EXCLUDED.resolved, resolved_in_sla = t.resolved_in_sla + EXCLUDED.resolved_in_sla
    )
    INSERT INTO ticket_open_counts AS c (priority, assignee_key, open_count)
    SELECT priority, coalesce(assignee_id, '{NO_ASSIGNEE}'::uuid), sum(sign) FROM d
    WHERE status IN ('open', 'pending', 'on_hold')
    GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (priority, assignee_key) DO UPDATE SET open_count = c.open_count + EXCLUDED.open_count;
"""
TICKET_COLS = "created_at, resolved_at, resolution_due_at, priority, status, assignee_id"
TICKET_KEY = "(o.created_at, o.resolved_at, o.resolution_due_at, o.priority, o.status, o.assignee_id)"

TICKET_FUNCTION = f"""
CREATE FUNCTION dashboard_ticket_rollup() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH d AS (SELECT {TICKET_COLS}, 1 AS sign FROM new_rows) {TICKET_APPLY}
    ELSIF TG_OP = 'DELETE' THEN
        WITH d AS (SELECT {TICKET_COLS}, -1 AS sign FROM old_rows) {TICKET_APPLY}
    ELSE
        -- Most updates (title, comments, version) touch nothing counted: skip those rows.
        WITH changed AS (
            SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE {TICKET_KEY} IS DISTINCT FROM {TICKET_KEY.replace('o.', 'n.')}
        ), d AS (
            SELECT {TICKET_COLS}, -1 AS sign FROM old_rows WHERE id IN (SELECT id FROM changed)
            UNION ALL
            SELECT {TICKET_COLS}, 1 FROM new_rows WHERE id IN (SELECT id FROM changed)
        ) {TICKET_APPLY}
    END IF;
    RETURN NULL;
END $$;
"""

REVENUE_APPLY = """
    INSERT INTO revenue_daily AS r (day, amount, paid_count)
    SELECT (paid_at AT TIME ZONE 'UTC')::date, sum(amount * sign), sum(sign) FROM d
    WHERE status = 'paid' AND paid_at IS NOT NULL
    GROUP BY 1 HAVING sum(sign) <> 0 OR sum(amount * sign) <> 0 ORDER BY 1
    ON CONFLICT (day) DO UPDATE SET amount = r.amount + EXCLUDED.amount, paid_count = r.paid_count + EXCLUDED.paid_count;
"""

REVENUE_FUNCTION = f"""
CREATE FUNCTION dashboard_revenue_rollup() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH d AS (SELECT paid_at, amount, status, 1 AS sign FROM new_rows) {REVENUE_APPLY}
    ELSIF TG_OP = 'DELETE' THEN
        WITH d AS (SELECT paid_at, amount, status, -1 AS sign FROM old_rows) {REVENUE_APPLY}
    ELSE
        WITH d AS (
            SELECT paid_at, amount, status, -1 AS sign FROM old_rows
            UNION ALL SELECT paid_at, amount, status, 1 FROM new_rows
        ) {REVENUE_APPLY}
    END IF;
    RETURN NULL;
END $$;
"""

# The safety net: recompute everything while writers wait (SHARE locks block writes, not reads).
REBUILD_FUNCTION = f"""
CREATE FUNCTION dashboard_rebuild_rollups() RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    LOCK TABLE support_tickets, invoices IN SHARE MODE;
    DELETE FROM ticket_daily_stats;
    DELETE FROM ticket_open_counts;
    DELETE FROM revenue_daily;
    WITH d AS (SELECT {TICKET_COLS}, 1 AS sign FROM support_tickets) {TICKET_APPLY}
    WITH d AS (SELECT paid_at, amount, status, 1 AS sign FROM invoices) {REVENUE_APPLY}
END $$;
"""


# TRUNCATE fires no DELETE triggers: empty the rollups with their table.
TRUNCATE_FUNCTION = """
CREATE FUNCTION dashboard_truncate_rollups() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_TABLE_NAME = 'support_tickets' THEN
        DELETE FROM ticket_daily_stats;
        DELETE FROM ticket_open_counts;
    ELSE
        DELETE FROM revenue_daily;
    END IF;
    RETURN NULL;
END $$;
"""


def _triggers(table: str, function: str) -> None:
    for event, refs in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER {table}_rollup_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    op.execute(
        f"CREATE TRIGGER {table}_rollup_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION dashboard_truncate_rollups()"
    )


def upgrade():
    op.create_table(
        "ticket_daily_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("resolved", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("resolved_in_sla", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "priority", name=op.f("pk_ticket_daily_stats")),
    )
    op.create_table(
        "ticket_open_counts",
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("assignee_key", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("open_count", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("priority", "assignee_key", name=op.f("pk_ticket_open_counts")),
    )
    op.create_table(
        "revenue_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False, server_default="0"),
        sa.Column("paid_count", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_revenue_daily")),
    )
    op.execute(TICKET_FUNCTION)
    op.execute(REVENUE_FUNCTION)
    op.execute(TRUNCATE_FUNCTION)
    _triggers("support_tickets", "dashboard_ticket_rollup")
    _triggers("invoices", "dashboard_revenue_rollup")
    # An agent's own SLA: tickets they resolved in a range, index-only.
    op.create_index("ix_support_tickets_assignee_resolved", "support_tickets", ["assignee_id", "resolved_at"],
                    postgresql_include=["resolution_due_at"], postgresql_where=sa.text("resolved_at IS NOT NULL"))
    op.execute(REBUILD_FUNCTION)
    # fill_: the rows that exist already.
    op.execute("SELECT dashboard_rebuild_rollups()")


def downgrade():
    for table in ("support_tickets", "invoices"):
        for event in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_rollup_{event} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS dashboard_ticket_rollup()")
    op.execute("DROP FUNCTION IF EXISTS dashboard_revenue_rollup()")
    op.execute("DROP FUNCTION IF EXISTS dashboard_rebuild_rollups()")
    op.execute("DROP FUNCTION IF EXISTS dashboard_truncate_rollups()")
    op.drop_index("ix_support_tickets_assignee_resolved", table_name="support_tickets")
    op.drop_table("revenue_daily")
    op.drop_table("ticket_open_counts")
    op.drop_table("ticket_daily_stats")
