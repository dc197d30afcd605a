"""The real server on both storage back-ends: state survives a kill -9 on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from tests.e2e.e2e_server import ServerProcess

CONFIG = """
route:
  receiver: blackhole
  group_by: [alertname]
receivers:
- name: blackhole
"""
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage_flags(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield {}
        return
    import asyncio

    name = f"tocsin_e2e_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield {"storage.url": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"}
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_state_survives_kill_9(tmp_path: Path, storage_flags: dict[str, str]) -> None:
    server = ServerProcess("tocsin", tmp_path, CONFIG, extra_flags={**storage_flags, "log.format": "json"})
    server.start()
    try:
        base = server.base_url
        server.api.post_alerts(
            {"labels": {"alertname": "DiskFull", "instance": "db-1"}, "annotations": {"summary": "90%"}},
            {"labels": {"alertname": "Down", "job": "api"}},
        )
        now = datetime.now(UTC)
        silence = {
            "matchers": [{"name": "alertname", "value": "Down", "isRegex": False}],
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(hours=1)).isoformat(),
            "createdBy": "test",
            "comment": "maintenance",
        }
        sid = httpx.post(f"{base}/api/v2/silences", json=silence).json()["silenceID"]
        before = httpx.get(f"{base}/api/v2/alerts").json()
        server.kill()
        server.start()
        after = httpx.get(f"{server.base_url}/api/v2/alerts").json()
        assert {a["fingerprint"]: a["labels"] for a in after} == {a["fingerprint"]: a["labels"] for a in before}
        assert {a["labels"]["alertname"]: a["startsAt"] for a in after} == {
            a["labels"]["alertname"]: a["startsAt"] for a in before
        }
        down = next(a for a in after if a["labels"]["alertname"] == "Down")
        assert down["status"]["silencedBy"] == [sid]
        sil = httpx.get(f"{server.base_url}/api/v2/silence/{sid}").json()
        assert sil["comment"] == "maintenance" and sil["status"]["state"] == "active"
        # --log.format=json: every line the server wrote is a JSON object
        lines = [ln for ln in server.log_path.read_text().splitlines() if ln.strip()]
        assert lines and all(isinstance(json.loads(ln), dict) for ln in lines)
    finally:
        server.stop()
