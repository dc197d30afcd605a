"""Initial schema: alerts, silences and the notification log, each keyed by tenant.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(16), primary_key=True),
        sa.Column("labels", sa.Text, nullable=False),
        sa.Column("annotations", sa.Text, nullable=False),
        sa.Column("starts_at", sa.BigInteger, nullable=False),
        sa.Column("ends_at", sa.BigInteger, nullable=True),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("generator_url", sa.Text, nullable=False),
        sa.Column("timeout", sa.Boolean, nullable=False),
    )
    op.create_table(
        "silences",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("matchers", sa.Text, nullable=False),
        sa.Column("starts_at", sa.BigInteger, nullable=False),
        sa.Column("ends_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_table(
        "nflog",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("group_key", sa.Text, primary_key=True),
        sa.Column("receiver", sa.Text, primary_key=True),
        sa.Column("integration", sa.String(64), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("firing", sa.Text, nullable=False),
        sa.Column("resolved", sa.Text, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("nflog")
    op.drop_table("silences")
    op.drop_table("alerts")
