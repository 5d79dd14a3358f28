"""customer health: a stored score per customer, its history, tunable weights, ticket reopen counts

A row of customer_health exists for every customer: existing customers get one here (not yet
computed: computed_at NULL, filled by `flask health recompute` and the scheduled full recompute), and
a statement-level insert trigger adds one for every new customer, whichever way it is inserted
(the service, COPY in the seed, a test factory). The customer list joins it and sorts on its index.

support_tickets.reopened_count is kept by a row trigger: a change of status from solved/closed back
to an open status counts one reopen.

Revision ID: 0010_customer_health
Revises: 0006_two_factor_totp
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0010_customer_health"
down_revision = "0011_notification_delivery"
branch_labels = None
depends_on = None

HEALTH_ROWS = """
CREATE FUNCTION customer_health_row() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO customer_health (customer_id) SELECT id FROM new_customers ORDER BY id ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER customer_health_row AFTER INSERT ON customers REFERENCING NEW TABLE AS new_customers
    FOR EACH STATEMENT EXECUTE FUNCTION customer_health_row();
"""

REOPENS = """
CREATE FUNCTION ticket_count_reopen() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    NEW.reopened_count := OLD.reopened_count + 1;
    RETURN NEW;
END $$;
CREATE TRIGGER ticket_count_reopen BEFORE UPDATE OF status ON support_tickets FOR EACH ROW
    WHEN (OLD.status IN ('solved', 'closed') AND NEW.status IN ('open', 'pending', 'on_hold'))
    EXECUTE FUNCTION ticket_count_reopen();
"""


def upgrade():
    op.add_column("support_tickets", sa.Column("reopened_count", sa.Integer(), nullable=False, server_default="0"))
    op.execute(REOPENS)
    op.create_table(
        "customer_health",
        sa.Column("customer_id", UUID(as_uuid=True), sa.ForeignKey(
            "customers.id", ondelete="CASCADE", name="fk_customer_health_customer_id_customers"), primary_key=True),
        sa.Column("score", sa.SmallInteger(), nullable=False, server_default="100"),
        sa.Column("band", sa.String(10), nullable=False, server_default="healthy"),
        sa.Column("components", JSONB(), nullable=False, server_default="{}"),
        sa.Column("mrr", sa.Numeric(12, 2), nullable=False, server_default="0"),
        sa.Column("computed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("customer_id", name="pk_customer_health"),
    )
    # Room on each page, so a recompute that leaves score, band and MRR alone is a HOT update.
    op.execute("ALTER TABLE customer_health SET (fillfactor = 70)")
    op.create_index("ix_customer_health_score_id", "customer_health", ["score", "customer_id"])
    op.create_index("ix_customer_health_band_score_id", "customer_health", ["band", "score", "customer_id"])
    op.create_index("ix_customer_health_band_mrr", "customer_health", ["band", "mrr", "customer_id"])
    op.create_table(
        "customer_health_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("customer_id", UUID(as_uuid=True), sa.ForeignKey(
            "customers.id", ondelete="CASCADE", name="fk_customer_health_history_customer_id_customers"),
            nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("band", sa.String(10), nullable=False),
        sa.Column("components", JSONB(), nullable=False, server_default="{}"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_health_history"),
    )
    op.create_index("ix_customer_health_history_customer_at", "customer_health_history",
                    ["customer_id", "recorded_at"])
    op.create_table(
        "health_settings",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("weight_revenue", sa.SmallInteger(), nullable=False),
        sa.Column("weight_support", sa.SmallInteger(), nullable=False),
        sa.Column("weight_sla", sa.SmallInteger(), nullable=False),
        sa.Column("weight_satisfaction", sa.SmallInteger(), nullable=False),
        sa.Column("healthy_min", sa.SmallInteger(), nullable=False),
        sa.Column("at_risk_below", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", UUID(as_uuid=True)),
        sa.PrimaryKeyConstraint("id", name="pk_health_settings"),
        sa.CheckConstraint("id = 1", name="ck_health_settings_single_row"),
    )
    op.execute("INSERT INTO health_settings VALUES (1, 30, 25, 25, 20, 70, 40, now(), NULL)")
    op.execute("INSERT INTO customer_health (customer_id) SELECT id FROM customers")
    op.execute(HEALTH_ROWS)


def downgrade():
    op.execute("DROP TRIGGER customer_health_row ON customers")
    op.execute("DROP FUNCTION customer_health_row()")
    op.drop_table("health_settings")
    op.drop_table("customer_health_history")
    op.drop_table("customer_health")
    op.execute("DROP TRIGGER ticket_count_reopen ON support_tickets")
    op.execute("DROP FUNCTION ticket_count_reopen()")
    op.drop_column("support_tickets", "reopened_count")
