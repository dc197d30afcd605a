"""Storage back-ends under test: SQLite in a temp dir and a throw-away database on the real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from tocsin.storage.sql import SqlRepository, sqlite_url_for_dir

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlRepository]:
    if request.param == "sqlite":
        r = await SqlRepository.open(sqlite_url_for_dir(str(tmp_path)))
        yield r
        await r.close()
        return
    name = f"tocsin_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        r = await SqlRepository.open(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
        yield r
        await r.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
