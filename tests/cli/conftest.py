"""Fixtures: one Alertmanager and one Tocsin per module, each started with the same routing config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.compat.compat_support import IMPLEMENTATIONS, ServerProcess, start_server

CONFIG = """\
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1h
  routes:
  - matchers: ['severity="critical"']
    receiver: pager
    continue: true
    routes:
    - matchers: ['team=~"db|web"']
      receiver: db-pager
  - match:
      team: db
    receiver: db
  - match_re:
      team: 'web.*'
    receiver: web
  - matchers: ['env!="prod"', 'service=~"api|auth"']
    receiver: dev
inhibit_rules:
- source_matchers: ['alertname="Outage"']
  target_matchers: ['severity="warning"']
  equal: [tag]
receivers:
- name: default
- name: pager
- name: db-pager
- name: db
- name: web
- name: dev
"""


@pytest.fixture(scope="module", params=IMPLEMENTATIONS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A running server (Debian's Alertmanager 0.25, then `tocsin serve`) shared by a module's tests."""
    impl: str = request.param
    proc = start_server(impl, CONFIG, tmp_path_factory.mktemp(f"cli-{impl}"))
    yield proc
    proc.stop()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty HOME: no amtool.yml unless a test writes one."""
    path = tmp_path / "home"
    path.mkdir()
    return path
