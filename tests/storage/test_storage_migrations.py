"""The fast path for new databases must produce what the Alembic migrations produce."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from tocsin.storage.migrate import HEAD_REVISION, alembic_config, current_revision, upgrade_to_head


def test_head_constant_matches_alembic_scripts() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


def _schema(url: str) -> dict[str, list[tuple[str, str, bool]]]:
    eng = create_engine(url)
    with eng.connect() as conn:
        insp = inspect(conn)
        return {
            t: [(c["name"], str(c["type"]), bool(c["nullable"])) for c in insp.get_columns(t)]
            for t in sorted(insp.get_table_names())
        }


def test_fast_path_equals_real_migrations(tmp_path: Path) -> None:
    fast = f"sqlite:///{tmp_path / 'fast.db'}"
    slow = f"sqlite:///{tmp_path / 'slow.db'}"
    with create_engine(fast).begin() as conn:
        upgrade_to_head(conn)
        assert current_revision(conn) == HEAD_REVISION
    with create_engine(slow).begin() as conn:
        from alembic import command

        command.upgrade(alembic_config(conn), "head")
        assert current_revision(conn) == HEAD_REVISION
    assert _schema(fast) == _schema(slow)
    # a second start at head is a no-op
    with create_engine(fast).begin() as conn:
        upgrade_to_head(conn)
