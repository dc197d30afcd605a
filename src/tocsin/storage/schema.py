"""Table definitions shared by SQLite and PostgreSQL.

Every row carries `tenant_id` from the first migration on, so tenant isolation can be enforced later without a
data migration. Timestamps are integer microseconds since the epoch (NULL for Go's zero time) so both engines
store them exactly; fingerprints are 16-digit hex strings because PostgreSQL has no unsigned 64-bit type.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

alerts = Table(
    "alerts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("fingerprint", String(16), primary_key=True),
    Column("labels", Text, nullable=False),
    Column("annotations", Text, nullable=False),
    Column("starts_at", BigInteger, nullable=False),
    Column("ends_at", BigInteger, nullable=True),
    Column("updated_at", BigInteger, nullable=False),
    Column("generator_url", Text, nullable=False),
    Column("timeout", Boolean, nullable=False),
)

silences = Table(
    "silences",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("matchers", Text, nullable=False),
    Column("starts_at", BigInteger, nullable=False),
    Column("ends_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("comment", Text, nullable=False),
)

nflog = Table(
    "nflog",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("group_key", Text, primary_key=True),
    Column("receiver", Text, primary_key=True),
    Column("integration", String(64), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("timestamp", BigInteger, nullable=False),
    Column("firing", Text, nullable=False),
    Column("resolved", Text, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("data", Text, nullable=False, server_default="{}"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("group_key", Text, nullable=False),
    Column("receiver", Text, nullable=False),
    Column("integration", String(64), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Index("ix_outbox_status", "tenant_id", "status"),
    Index("ix_outbox_group", "tenant_id", "group_key"),
)

acks = Table(
    "acks",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("group_key", Text, primary_key=True),
    Column("receiver", Text, primary_key=True),
    Column("acked_by", Text, nullable=False),
    Column("acked_at", BigInteger, nullable=False),
    Column("comment", Text, nullable=False),
    Column("fingerprints", Text, nullable=False),
    Column("source", String(32), nullable=False),
)
