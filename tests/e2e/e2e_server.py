"""Start a real Alertmanager-compatible server process for end-to-end tests.

Both implementations get the same Alertmanager flags, a free loopback port and a
private storage directory; the configuration comes from a Python string.  The
Debian `prometheus-alertmanager` 0.25 is the reference: where it lacks a flag that
Tocsin accepts (see `UNSUPPORTED_BY_ALERTMANAGER`) the flag is dropped for it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

IMPLEMENTATIONS = ("alertmanager", "tocsin")

ALERTMANAGER_BIN = os.environ.get("TOCSIN_E2E_ALERTMANAGER", "/usr/bin/prometheus-alertmanager")
TOCSIN_BIN = os.environ.get("TOCSIN_E2E_TOCSIN", str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tocsin"))

# Flags of newer Alertmanager releases that Debian's 0.25 rejects.
UNSUPPORTED_BY_ALERTMANAGER = frozenset({"dispatch.start-delay"})

READY_TIMEOUT = float(os.environ.get("TOCSIN_E2E_READY_TIMEOUT", "30"))


def free_port() -> int:
    """A port that was free a moment ago; good enough on loopback for tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command_for(impl: str, flags: dict[str, str]) -> list[str]:
    if impl == "alertmanager":
        args = [ALERTMANAGER_BIN, "--cluster.listen-address="]
        return args + [f"--{k}={v}" for k, v in flags.items() if k not in UNSUPPORTED_BY_ALERTMANAGER]
    if impl == "tocsin":
        return [TOCSIN_BIN, "serve"] + [f"--{k}={v}" for k, v in flags.items()]
    raise ValueError(f"unknown implementation {impl!r}; expected one of {IMPLEMENTATIONS}")


@dataclass
class ServerProcess:
    """One server process; it can be stopped, killed and started again on the same storage."""

    impl: str
    workdir: Path
    config: str
    extra_flags: dict[str, str] = field(default_factory=dict)
    route_prefix: str = ""
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _api: ApiClient | None = None

    @property
    def config_path(self) -> Path:
        return self.workdir / "config.yml"

    @property
    def storage_path(self) -> Path:
        return self.workdir / "data"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"server-{self.starts}.log"

    @property
    def external_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.route_prefix}"

    @property
    def base_url(self) -> str:
        return self.external_url

    def flags(self) -> dict[str, str]:
        flags = {
            "config.file": str(self.config_path),
            "storage.path": str(self.storage_path),
            "web.listen-address": f"127.0.0.1:{self.port}",
            "web.external-url": self.external_url,
            "log.level": "debug",
            "log.format": "logfmt",
            "data.retention": "120h",
            "alerts.gc-interval": "30m",
            "dispatch.start-delay": "0s",
        }
        if self.route_prefix:
            flags["web.route-prefix"] = self.route_prefix
        flags.update(self.extra_flags)
        return flags

    def write_config(self, text: str) -> None:
        self.config = text
        self.config_path.write_text(text)

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.storage_path.mkdir(exist_ok=True)
        self.config_path.write_text(self.config)
        self.starts += 1
        with self.log_path.open("wb") as log:
            try:
                self.proc = subprocess.Popen(
                    command_for(self.impl, self.flags()),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.workdir,
                )
            except FileNotFoundError as exc:
                raise AssertionError(f"{self.impl}: cannot start server: {exc}") from exc
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"{self.impl} exited with {self.proc.returncode} before it was ready:\n{self.log_tail()}"
                )
            try:
                r = httpx.get(f"{self.base_url}/-/ready", timeout=1.0)
                if r.status_code == 200:
                    return
                last = f"status {r.status_code}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"{self.impl} not ready after {READY_TIMEOUT}s ({last}):\n{self.log_tail()}")

    def stop(self) -> None:
        """Graceful stop (SIGTERM), escalating to SIGKILL if it lingers."""
        if self._api is not None:
            self._api.close()
            self._api = None
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to flush anything."""
        assert self.proc is not None and self.proc.poll() is None, "server is not running"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def sighup(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, "server is not running"
        self.proc.send_signal(signal.SIGHUP)

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the current run's log, and of earlier runs' (before a restart)."""
        parts = []
        for run in range(1, self.starts + 1):
            path = self.workdir / f"server-{run}.log"
            try:
                parts.append(f"[run {run}]\n" + path.read_text(errors="replace")[-chars:])
            except OSError:
                parts.append(f"[run {run}] (no log)")
        return "\n".join(parts) or "(no log)"

    @property
    def api(self) -> ApiClient:
        if self._api is None:
            self._api = ApiClient(self.base_url)
        return self._api


class ApiClient:
    """The few API v2 calls the scenarios need, with errors that show the server's answer."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        # No keep-alive: a connection must not outlive a killed and restarted server.
        self.http = httpx.Client(base_url=base_url, timeout=10.0, limits=httpx.Limits(max_keepalive_connections=0))

    def close(self) -> None:
        self.http.close()

    @staticmethod
    def _ok(r: httpx.Response) -> httpx.Response:
        if r.status_code // 100 != 2:
            raise AssertionError(f"{r.request.method} {r.request.url} -> {r.status_code}: {r.text[:2000]}")
        return r

    def post_alerts(self, *alerts: dict[str, Any]) -> None:
        self._ok(self.http.post("/api/v2/alerts", json=list(alerts)))

    def get_alerts(self, **params: str) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = self._ok(self.http.get("/api/v2/alerts", params=params)).json()
        return body

    def alert_by_name(self, name: str) -> dict[str, Any]:
        found = [a for a in self.get_alerts() if a["labels"].get("alertname") == name]
        assert len(found) == 1, f"expected one alert {name!r} in the API, got {found}"
        return found[0]

    def get_groups(self) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = self._ok(self.http.get("/api/v2/alerts/groups")).json()
        return body

    def post_silence(self, silence: dict[str, Any]) -> str:
        sid: str = self._ok(self.http.post("/api/v2/silences", json=silence)).json()["silenceID"]
        return sid

    def get_silences(self) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = self._ok(self.http.get("/api/v2/silences")).json()
        return body

    def get_silence(self, sid: str) -> dict[str, Any]:
        body: dict[str, Any] = self._ok(self.http.get(f"/api/v2/silence/{sid}")).json()
        return body

    def delete_silence(self, sid: str) -> None:
        self._ok(self.http.delete(f"/api/v2/silence/{sid}"))

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = self._ok(self.http.get("/api/v2/status")).json()
        return body

    def reload(self) -> httpx.Response:
        return self.http.post("/-/reload")
