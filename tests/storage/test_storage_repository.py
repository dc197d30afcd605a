"""The same repository code against SQLite and the real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tocsin.model.alert import Alert
from tocsin.model.labels import fingerprint
from tocsin.model.matchers import parse_matcher
from tocsin.model.notification import NflogEntry
from tocsin.model.silence import Silence
from tocsin.storage.sql import SqlRepository
from tocsin.storage.writer import WriteBehind

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _alert(name: str, **kw: object) -> Alert:
    labels = {"alertname": name, "ünïcode": "✓ \"quoted\" \n"}
    base = dict(
        labels=labels,
        annotations={"summary": "s"},
        starts_at=T0,
        ends_at=T0 + timedelta(minutes=5),
        updated_at=T0,
        generator_url="http://prom/graph",
        timeout=True,
        fingerprint=fingerprint(labels),
    )
    base.update(kw)
    return Alert(**base)  # type: ignore[arg-type]


async def test_alert_round_trip_is_exact(repo: SqlRepository) -> None:
    a = _alert("A")
    b = _alert("B", ends_at=None, timeout=False)
    await repo.upsert_alerts([a, b])
    loaded = sorted(await repo.load_alerts(), key=lambda x: x.labels["alertname"])
    assert loaded == [a, b]
    # fingerprints above 2**63 survive (PostgreSQL has no unsigned bigint)
    big = _alert("C", fingerprint=2**64 - 1)
    await repo.upsert_alerts([big])
    assert any(x.fingerprint == 2**64 - 1 for x in await repo.load_alerts())


async def test_upsert_replaces_and_delete_removes(repo: SqlRepository) -> None:
    a = _alert("A")
    await repo.upsert_alerts([a])
    a2 = _alert("A", annotations={"summary": "changed"})
    await repo.upsert_alerts([a2])
    assert [x.annotations for x in await repo.load_alerts()] == [{"summary": "changed"}]
    await repo.delete_alerts([(a.tenant, a.fingerprint)])
    assert await repo.load_alerts() == []


async def test_silence_and_nflog_round_trip(repo: SqlRepository) -> None:
    s = Silence(
        id="7d2e1a4c-0000-4000-8000-000000000001",
        matchers=[parse_matcher('job=~"api|web"'), parse_matcher('env!="dev"')],
        starts_at=T0,
        ends_at=T0 + timedelta(hours=1),
        updated_at=T0,
        created_by="alice",
        comment="maintenance",
    )
    await repo.upsert_silences([s])
    assert await repo.load_silences() == [s]
    e = NflogEntry(
        group_key='{}:{alertname="A"}',
        receiver="ops",
        integration="webhook",
        idx=0,
        timestamp=T0,
        firing=frozenset({1, 2**64 - 1}),
        resolved=frozenset(),
        expires_at=T0 + timedelta(days=5),
    )
    await repo.upsert_nflog([e])
    assert await repo.load_nflog() == [e]
    await repo.delete_nflog([e.key])
    await repo.delete_silences([(s.tenant, s.id)])
    assert await repo.load_nflog() == [] and await repo.load_silences() == []


async def test_write_behind_coalesces_and_flushes(repo: SqlRepository) -> None:
    w = WriteBehind(repo)
    w.start()
    for i in range(50):
        w.put_alert(_alert("A", annotations={"n": str(i)}))
    w.put_alerts([_alert(f"X{i}") for i in range(1200)])
    await w.flushed()
    loaded = {x.labels["alertname"]: x for x in await repo.load_alerts()}
    assert len(loaded) == 1201
    assert loaded["A"].annotations == {"n": "49"}
    doomed = loaded["X5"]
    w.delete_alert(doomed.tenant, doomed.fingerprint)
    await w.stop()  # stop writes what is still queued
    assert "X5" not in {x.labels["alertname"] for x in await repo.load_alerts()}
