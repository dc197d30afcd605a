"""SQLAlchemy Core (async) implementation of the repository for SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import event, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tocsin.model.ack import Acknowledgement
from tocsin.model.alert import Alert
from tocsin.model.matchers import Matcher, MatchType
from tocsin.model.notification import NflogEntry, OutboxEntry
from tocsin.model.silence import Silence
from tocsin.storage import schema
from tocsin.storage.migrate import upgrade_to_head
from tocsin.storage.repository import AckKey, NflogKey
from tocsin.storage.timeconv import from_micros, from_micros_opt, to_micros

_CHUNK = 500
_ROW_CHUNK = 2000


def _alert_rows(alerts: Sequence[Alert]) -> list[tuple[Any, ...]]:
    """Rows of `schema.alerts` (columns in table order).

    Alerts of one request share their timestamp objects, so conversions are memoised by identity for the chunk.
    """
    micros: dict[int, int] = {}
    keep: list[datetime] = []  # keeps the ids in `micros` valid while the chunk is built

    def us(t: datetime) -> int:
        v = micros.get(id(t))
        if v is None:
            v = micros[id(t)] = to_micros(t)
            keep.append(t)
        return v

    dumps = orjson.dumps
    return [
        (
            a.tenant,
            f"{a.fingerprint:016x}",
            dumps(a.labels).decode(),
            dumps(a.annotations).decode(),
            us(a.starts_at),
            None if a.ends_at is None else us(a.ends_at),
            us(a.updated_at),
            a.generator_url,
            a.timeout,
        )
        for a in alerts
    ]


def sqlite_url_for_dir(storage_path: str) -> str:
    os.makedirs(storage_path, exist_ok=True)
    return f"sqlite+aiosqlite:///{os.path.abspath(os.path.join(storage_path, 'tocsin.db'))}"


def _set_sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL + NORMAL: a committed transaction survives a crash of the process (kill -9); only an OS crash
    # could lose the last commits. busy_timeout lets CLI tools read while the server writes.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


class SqlRepository:
    """Persists alerts, silences and the notification log."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        # Only the dialect in use is imported (PostgreSQL's costs start-up time on the embedded default).
        if self._dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            self._insert: Any = postgresql.insert
        else:
            from sqlalchemy.dialects import sqlite

            self._insert = sqlite.insert
        self._upserts: dict[tuple[str, tuple[str, ...]], Any] = {}
        self._upsert_sql: dict[str, str] = {}

    @classmethod
    async def open(cls, url: str) -> SqlRepository:
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            kwargs["pool_size"] = 5
        engine = create_async_engine(url, **kwargs)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to_head)
        return cls(engine)

    async def close(self) -> None:
        await self._engine.dispose()

    # -- alerts -------------------------------------------------------------------------------------------

    async def upsert_alerts(self, alerts: Sequence[Alert]) -> None:
        await self._upsert_rows(schema.alerts, alerts, _alert_rows, ["tenant_id", "fingerprint"])

    async def delete_alerts(self, keys: Sequence[tuple[str, int]]) -> None:
        t = schema.alerts
        await self._delete(t, (t.c.tenant_id, t.c.fingerprint), [(k[0], f"{k[1]:016x}") for k in keys])

    async def load_alerts(self) -> list[Alert]:
        async with self._engine.connect() as conn:
            result = await conn.execute(select(schema.alerts))
            return [
                Alert(
                    labels=orjson.loads(r.labels),
                    annotations=orjson.loads(r.annotations),
                    starts_at=from_micros(r.starts_at),
                    ends_at=from_micros_opt(r.ends_at),
                    updated_at=from_micros(r.updated_at),
                    generator_url=r.generator_url,
                    timeout=bool(r.timeout),
                    fingerprint=int(r.fingerprint, 16),
                    tenant=r.tenant_id,
                )
                for r in result
            ]

    # -- silences -----------------------------------------------------------------------------------------

    async def upsert_silences(self, silences: Sequence[Silence]) -> None:
        rows = [
            {
                "tenant_id": s.tenant,
                "id": s.id,
                "matchers": orjson.dumps(
                    [{"name": m.name, "type": m.type.value, "value": m.value} for m in s.matchers]
                ).decode(),
                "starts_at": to_micros(s.starts_at),
                "ends_at": to_micros(s.ends_at),
                "updated_at": to_micros(s.updated_at),
                "created_by": s.created_by,
                "comment": s.comment,
            }
            for s in silences
        ]
        await self._upsert(schema.silences, rows, ["tenant_id", "id"])

    async def delete_silences(self, keys: Sequence[tuple[str, str]]) -> None:
        t = schema.silences
        await self._delete(t, (t.c.tenant_id, t.c.id), list(keys))

    async def load_silences(self) -> list[Silence]:
        async with self._engine.connect() as conn:
            result = await conn.execute(select(schema.silences))
            return [
                Silence(
                    id=r.id,
                    matchers=[
                        Matcher(m["name"], MatchType(m["type"]), m["value"]) for m in orjson.loads(r.matchers)
                    ],
                    starts_at=from_micros(r.starts_at),
                    ends_at=from_micros(r.ends_at),
                    updated_at=from_micros(r.updated_at),
                    created_by=r.created_by,
                    comment=r.comment,
                    tenant=r.tenant_id,
                )
                for r in result
            ]

    # -- notification log ---------------------------------------------------------------------------------

    async def upsert_nflog(self, entries: Sequence[NflogEntry]) -> None:
        rows = [
            {
                "tenant_id": e.tenant,
                "group_key": e.group_key,
                "receiver": e.receiver,
                "integration": e.integration,
                "idx": e.idx,
                "timestamp": to_micros(e.timestamp),
                "firing": orjson.dumps(sorted(e.firing)).decode(),
                "resolved": orjson.dumps(sorted(e.resolved)).decode(),
                "expires_at": to_micros(e.expires_at),
                "data": orjson.dumps(e.data).decode(),
            }
            for e in entries
        ]
        await self._upsert(schema.nflog, rows, ["tenant_id", "group_key", "receiver", "integration", "idx"])

    async def delete_nflog(self, keys: Sequence[NflogKey]) -> None:
        t = schema.nflog
        cols = (t.c.tenant_id, t.c.group_key, t.c.receiver, t.c.integration, t.c.idx)
        await self._delete(t, cols, list(keys))

    async def load_nflog(self) -> list[NflogEntry]:
        async with self._engine.connect() as conn:
            result = await conn.execute(select(schema.nflog))
            return [
                NflogEntry(
                    group_key=r.group_key,
                    receiver=r.receiver,
                    integration=r.integration,
                    idx=r.idx,
                    timestamp=from_micros(r.timestamp),
                    firing=frozenset(orjson.loads(r.firing)),
                    resolved=frozenset(orjson.loads(r.resolved)),
                    expires_at=from_micros(r.expires_at),
                    tenant=r.tenant_id,
                    data=orjson.loads(r.data) if r.data else {},
                )
                for r in result
            ]

    # -- outbox -------------------------------------------------------------------------------------------

    async def upsert_outbox(self, entries: Sequence[OutboxEntry]) -> None:
        rows = [
            {
                "tenant_id": e.tenant,
                "id": e.id,
                "group_key": e.group_key,
                "receiver": e.receiver,
                "integration": e.integration,
                "idx": e.idx,
                "status": e.status,
                "created_at": to_micros(e.created_at),
                "updated_at": to_micros(e.updated_at),
                "next_attempt_at": to_micros(e.next_attempt_at),
                "attempts": e.attempts,
                "last_error": e.last_error,
                "payload": orjson.dumps(e.payload).decode(),
            }
            for e in entries
        ]
        await self._upsert(schema.outbox, rows, ["tenant_id", "id"])

    async def delete_outbox(self, keys: Sequence[tuple[str, str]]) -> None:
        t = schema.outbox
        await self._delete(t, (t.c.tenant_id, t.c.id), list(keys))

    async def load_outbox(
        self,
        statuses: Sequence[str] | None = None,
        group_key: str | None = None,
        limit: int | None = None,
        tenant: str | None = None,
    ) -> list[OutboxEntry]:
        """Outbox rows, newest first (the delivery history when statuses include "delivered")."""
        t = schema.outbox
        q = select(t).order_by(t.c.created_at.desc())
        if statuses is not None:
            q = q.where(t.c.status.in_(list(statuses)))
        if group_key is not None:
            q = q.where(t.c.group_key == group_key)
        if tenant is not None:
            q = q.where(t.c.tenant_id == tenant)
        if limit is not None:
            q = q.limit(limit)
        async with self._engine.connect() as conn:
            result = await conn.execute(q)
            return [
                OutboxEntry(
                    id=r.id,
                    group_key=r.group_key,
                    receiver=r.receiver,
                    integration=r.integration,
                    idx=r.idx,
                    status=r.status,
                    created_at=from_micros(r.created_at),
                    updated_at=from_micros(r.updated_at),
                    next_attempt_at=from_micros(r.next_attempt_at),
                    attempts=r.attempts,
                    last_error=r.last_error,
                    payload=orjson.loads(r.payload),
                    tenant=r.tenant_id,
                )
                for r in result
            ]

    async def delete_outbox_before(self, cutoff: datetime, statuses: Sequence[str]) -> int:
        """Forget finished deliveries older than the retention period."""
        t = schema.outbox
        async with self._engine.begin() as conn:
            result = await conn.execute(
                t.delete().where(t.c.status.in_(list(statuses)), t.c.updated_at < to_micros(cutoff))
            )
            return int(result.rowcount or 0)

    # -- acknowledgements ---------------------------------------------------------------------------------

    async def upsert_acks(self, acks: Sequence[Acknowledgement]) -> None:
        rows = [
            {
                "tenant_id": a.tenant,
                "group_key": a.group_key,
                "receiver": a.receiver,
                "acked_by": a.acked_by,
                "acked_at": to_micros(a.acked_at),
                "comment": a.comment,
                "fingerprints": orjson.dumps([f"{fp:016x}" for fp in sorted(a.fingerprints)]).decode(),
                "source": a.source,
            }
            for a in acks
        ]
        await self._upsert(schema.acks, rows, ["tenant_id", "group_key", "receiver"])

    async def delete_acks(self, keys: Sequence[AckKey]) -> None:
        t = schema.acks
        await self._delete(t, (t.c.tenant_id, t.c.group_key, t.c.receiver), list(keys))

    async def load_acks(self) -> list[Acknowledgement]:
        async with self._engine.connect() as conn:
            result = await conn.execute(select(schema.acks))
            return [
                Acknowledgement(
                    group_key=r.group_key,
                    receiver=r.receiver,
                    acked_by=r.acked_by,
                    acked_at=from_micros(r.acked_at),
                    comment=r.comment,
                    fingerprints=frozenset(int(fp, 16) for fp in orjson.loads(r.fingerprints)),
                    source=r.source,
                    tenant=r.tenant_id,
                )
                for r in result
            ]

    # -- helpers ------------------------------------------------------------------------------------------

    async def _upsert(self, table: Any, rows: list[dict[str, Any]], keys: list[str]) -> None:
        if not rows:
            return
        # Building the statement (the `excluded` column proxies) costs more than a small write; build it once.
        cache_key = (table.name, tuple(keys))
        stmt = self._upserts.get(cache_key)
        if stmt is None:
            stmt = self._insert(table)
            update_cols = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
            stmt = self._upserts[cache_key] = stmt.on_conflict_do_update(index_elements=keys, set_=update_cols)
        async with self._engine.begin() as conn:
            for i in range(0, len(rows), _CHUNK):
                await conn.execute(stmt, rows[i : i + _CHUNK])

    async def _upsert_rows(
        self,
        table: Any,
        items: Sequence[Any],
        to_rows: Callable[[Sequence[Any]], list[tuple[Any, ...]]],
        keys: list[str],
    ) -> None:
        """Bulk upsert straight through the driver, rows built chunk by chunk.

        The ingestion hot path writes tens of thousands of rows a second; handing the driver plain tuples with a
        statement compiled once avoids SQLAlchemy's per-row parameter processing, and building the rows per
        chunk keeps the memory peak of a large group commit small.
        """
        if not items:
            return
        sql = self._upsert_sql.get(table.name)
        if sql is None:
            stmt = self._insert(table)
            update_cols = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_=update_cols)
            compiled = stmt.compile(dialect=self._engine.dialect)
            order = [c.name for c in table.columns]
            if list(compiled.positiontup or []) != order:
                raise RuntimeError(f"unexpected parameter order for {table.name}: {compiled.positiontup}")
            sql = self._upsert_sql[table.name] = compiled.string
        async with self._engine.begin() as conn:
            for i in range(0, len(items), _ROW_CHUNK):
                await conn.exec_driver_sql(sql, to_rows(items[i : i + _ROW_CHUNK]))

    async def _delete(self, table: Any, cols: tuple[Any, ...], keys: list[tuple[Any, ...]]) -> None:
        if not keys:
            return
        async with self._engine.begin() as conn:
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i : i + _CHUNK]
                await conn.execute(table.delete().where(tuple_(*cols).in_(chunk)))


__all__ = ["SqlRepository", "sqlite_url_for_dir"]
