"""Brings the schema to the current Alembic revision on start-up, on the connection the server holds.

A database already at head costs one query. A brand-new database gets `create_all` plus the head revision
stamped (what Alembic documents for new databases), which keeps Alembic's import off the start-up path:
Alertmanager's acceptance tests give a server well under a second to start. Anything in between runs the real
Alembic migrations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, inspect, select
from sqlalchemy.engine import Connection

from tocsin.storage.schema import metadata

_MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION = "0004"

_version_table = Table("alembic_version", MetaData(), Column("version_num", String(32), primary_key=True))


def alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(select(_version_table.c.version_num)).scalar_one_or_none()


def upgrade_to_head(connection: Connection) -> None:
    revision = current_revision(connection)
    if revision == HEAD_REVISION:
        return
    if revision is None and not inspect(connection).get_table_names():
        metadata.create_all(connection)
        _version_table.create(connection)
        connection.execute(_version_table.insert().values(version_num=HEAD_REVISION))
        return
    from alembic import command

    command.upgrade(alembic_config(connection), "head")
