"""tickets: merged_into_id and related links; saved ticket views, personal or shared with a role
(views:share for managers); satisfaction surveys sent on solve;
first-response breaches

Revision ID: 0015_merge_links_views
Revises: 0014_macros
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0015_merge_links_views"
down_revision = "0014_macros"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("support_tickets", sa.Column("merged_into_id", UUID(as_uuid=True), sa.ForeignKey(
        "support_tickets.id", name="fk_support_tickets_merged_into_id_support_tickets")))
    op.create_index("ix_support_tickets_merged_into", "support_tickets", ["merged_into_id"],
                    postgresql_where=sa.text("merged_into_id IS NOT NULL"))
    op.create_table(
        "ticket_links",
        sa.Column("ticket_id", UUID(as_uuid=True), sa.ForeignKey(
            "support_tickets.id", ondelete="CASCADE", name="fk_ticket_links_ticket_id_support_tickets"),
            nullable=False),
        sa.Column("other_id", UUID(as_uuid=True), sa.ForeignKey(
            "support_tickets.id", ondelete="CASCADE", name="fk_ticket_links_other_id_support_tickets"),
            nullable=False),
        sa.Column("created_by", UUID(as_uuid=True), sa.ForeignKey("users.id", name="fk_ticket_links_created_by_users")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("ticket_id", "other_id", name="pk_ticket_links"),
    )
    op.create_table(
        "saved_views",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("owner_id", UUID(as_uuid=True), sa.ForeignKey(
            "users.id", ondelete="CASCADE", name="fk_saved_views_owner_id_users"), nullable=False),
        sa.Column("role_name", sa.String(50), sa.ForeignKey(
            "roles.name", ondelete="SET NULL", onupdate="CASCADE", name="fk_saved_views_role_name_roles")),
        sa.Column("query", sa.String(2000), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_saved_views"),
    )
    op.create_index("ix_saved_views_owner_position", "saved_views", ["owner_id", "position"])
    op.create_index("ix_saved_views_role_position", "saved_views", ["role_name", "position"])
    op.add_column("support_tickets", sa.Column("first_response_breached_at", sa.DateTime(timezone=True)))
    op.create_table(
        "csat_surveys",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("ticket_id", UUID(as_uuid=True), sa.ForeignKey(
            "support_tickets.id", ondelete="CASCADE", name="fk_csat_surveys_ticket_id_support_tickets"),
            nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), sa.ForeignKey(
            "customers.id", ondelete="CASCADE", name="fk_csat_surveys_customer_id_customers"), nullable=False),
        sa.Column("agent_id", UUID(as_uuid=True), sa.ForeignKey(
            "users.id", ondelete="SET NULL", name="fk_csat_surveys_agent_id_users")),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True)),
        sa.Column("score", sa.Integer()),
        sa.Column("comment", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_csat_surveys"),
        sa.UniqueConstraint("ticket_id", name="uq_csat_surveys_ticket_id"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_csat_surveys_score"),
    )
    op.create_index("ix_csat_surveys_rated_at", "csat_surveys", ["rated_at"])
    op.create_index("ix_csat_surveys_customer", "csat_surveys", ["customer_id", "rated_at"])
    op.execute(sa.text("UPDATE roles SET permissions = permissions || CAST(:g AS jsonb) "
                       "WHERE name = 'manager' AND builtin AND NOT permissions @> CAST(:g AS jsonb)")
               .bindparams(g=json.dumps(["views:share"])))


def downgrade():
    op.drop_table("csat_surveys")
    op.drop_table("saved_views")
    op.drop_table("ticket_links")
    op.drop_index("ix_support_tickets_merged_into", "support_tickets")
    op.drop_column("support_tickets", "merged_into_id")
    op.drop_column("support_tickets", "first_response_breached_at")
