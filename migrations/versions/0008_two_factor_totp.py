"""two-factor sign-in: TOTP secrets, recovery codes, remembered devices, roles.requires_two_factor

Revision ID: 0006_two_factor_totp
Revises: 0005_search_vector
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0006_two_factor_totp"
down_revision = "lk7_list_keys"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("roles", sa.Column("requires_two_factor", sa.Boolean(), nullable=False,
                                     server_default=sa.text("false")))
    op.execute("UPDATE roles SET requires_two_factor = true WHERE name = 'admin'")
    op.create_table(
        "user_two_factor",
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE",
                                                               name="fk_user_two_factor_user_id_users"),
                  primary_key=True),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("enabled_at", sa.DateTime(timezone=True)),
        sa.Column("last_step", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "two_factor_recovery_codes",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey(
            "users.id", ondelete="CASCADE", name="fk_two_factor_recovery_codes_user_id_users"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_two_factor_recovery_codes_user", "two_factor_recovery_codes", ["user_id"])
    op.create_table(
        "two_factor_devices",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey(
            "users.id", ondelete="CASCADE", name="fk_two_factor_devices_user_id_users"), nullable=False),
        sa.Column("user_agent", sa.String(500), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_two_factor_devices_user", "two_factor_devices", ["user_id"])


def downgrade():
    op.drop_table("two_factor_devices")
    op.drop_table("two_factor_recovery_codes")
    op.drop_table("user_two_factor")
    op.drop_column("roles", "requires_two_factor")
