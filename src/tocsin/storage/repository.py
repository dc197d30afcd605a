"""The repository contract that the alerting services persist through.

One implementation (`SqlRepository`) serves SQLite and PostgreSQL; services never import SQLAlchemy themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from tocsin.model.ack import Acknowledgement
from tocsin.model.alert import Alert
from tocsin.model.notification import NflogEntry, OutboxEntry
from tocsin.model.silence import Silence

NflogKey = tuple[str, str, str, str, int]
AckKey = tuple[str, str, str]  # tenant, group key, receiver


class Repository(Protocol):
    async def upsert_alerts(self, alerts: Sequence[Alert]) -> None: ...

    async def delete_alerts(self, keys: Sequence[tuple[str, int]]) -> None:
        """Delete alerts by (tenant, fingerprint)."""
        ...

    async def load_alerts(self) -> list[Alert]: ...

    async def upsert_silences(self, silences: Sequence[Silence]) -> None: ...

    async def delete_silences(self, keys: Sequence[tuple[str, str]]) -> None: ...

    async def load_silences(self) -> list[Silence]: ...

    async def upsert_nflog(self, entries: Sequence[NflogEntry]) -> None: ...

    async def delete_nflog(self, keys: Sequence[NflogKey]) -> None: ...

    async def load_nflog(self) -> list[NflogEntry]: ...

    async def upsert_outbox(self, entries: Sequence[OutboxEntry]) -> None: ...

    async def delete_outbox(self, keys: Sequence[tuple[str, str]]) -> None: ...

    async def load_outbox(
        self,
        statuses: Sequence[str] | None = None,
        group_key: str | None = None,
        limit: int | None = None,
        tenant: str | None = None,
    ) -> list[OutboxEntry]: ...

    async def delete_outbox_before(self, cutoff: datetime, statuses: Sequence[str]) -> int: ...

    async def upsert_acks(self, acks: Sequence[Acknowledgement]) -> None: ...

    async def delete_acks(self, keys: Sequence[AckKey]) -> None: ...

    async def load_acks(self) -> list[Acknowledgement]: ...

    async def close(self) -> None: ...
