"""Alembic environment: migrations always run on a connection handed in by tocsin.storage.migrate."""

from __future__ import annotations

from alembic import context

from tocsin.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through tocsin.storage.migrate.upgrade_to_head")
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
