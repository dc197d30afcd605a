"""`tocsin template render --config --alerts --receiver` shows each integration's request, secrets masked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_preview_shows_requests_without_secrets(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yml"
    cfg.write_text(
        """
route: {receiver: everything, group_by: [alertname]}
receivers:
- name: everything
  webhook_configs: [{url: 'http://127.0.0.1:9/hook?token=abc'}]
  slack_configs: [{api_url: 'https://hooks.slack.com/services/T/B/SECRET-HOOK', channel: '#ops'}]
  pagerduty_configs: [{routing_key: 'rk-SECRET'}]
"""
    )
    alerts = tmp_path / "a.json"
    alerts.write_text('[{"labels":{"alertname":"DiskFull","severity":"critical"},"annotations":{"summary":"95%"}}]')
    proc = subprocess.run(
        [sys.executable, "-m", "tocsin.cli", "template", "render", "--config", str(cfg), "--alerts", str(alerts),
         "--receiver", "everything"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for section in ("=== webhook[0]", "=== slack[0]", "=== pagerduty[0]"):
        assert section in out
    assert '"groupKey": "{}:{alertname=\\"DiskFull\\"}"' in out
    assert '"event_action": "trigger"' in out
    assert "SECRET" not in out and "token=abc" not in out
    bad = subprocess.run(
        [sys.executable, "-m", "tocsin.cli", "template", "render", "--config", str(cfg), "--alerts", str(alerts),
         "--receiver", "nobody"],
        capture_output=True, text=True, check=False,
    )
    assert bad.returncode == 1 and "no receiver named 'nobody'" in bad.stderr
