"""Helpers that run an Alertmanager-compatible server and the peers that talk to it.

Tests run once against Debian's real Alertmanager (the reference) and once against
`tocsin serve`, started with the very same Alertmanager flags, so an assertion that
holds for the reference is a compatibility requirement for Tocsin.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPAT_DIR = Path(__file__).resolve().parent
ALERTMANAGER_BIN = "/usr/bin/prometheus-alertmanager"
AMTOOL_BIN = "/usr/bin/amtool"
PROMETHEUS_BIN = "/usr/bin/prometheus"
IMPLEMENTATIONS = ("alertmanager", "tocsin")
STARTUP_TIMEOUT = 20.0


def tocsin_bin() -> str:
    """Where `tocsin` lives: the project venv unless TOCSIN_BIN says otherwise."""
    return os.environ.get("TOCSIN_BIN", str(REPO_ROOT / ".venv" / "bin" / "tocsin"))


def free_port() -> int:
    """A port the kernel just handed out; racy by nature but fine on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def require_executable(path: str) -> None:
    """Fail (never skip) when a peer binary is missing, naming the package to install."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is not installed; .ci/run installs it with apt", pytrace=False)


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """GET returning (status, body) without raising on 4xx/5xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return int(resp.status), bytes(resp.read())
    except urllib.error.HTTPError as err:
        return int(err.code), bytes(err.read())


def http_json(method: str, url: str, payload: Any = None, timeout: float = 5.0) -> tuple[int, Any]:
    """A JSON request returning (status, decoded body or None)."""
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, body = int(resp.status), resp.read()
    except urllib.error.HTTPError as err:
        status, body = int(err.code), err.read()
    try:
        return status, json.loads(body) if body.strip() else None
    except json.JSONDecodeError:
        return status, body.decode(errors="replace")


def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str | Callable[[], str], interval: float = 0.05
) -> None:
    """Poll `predicate` until true; fail naming `what` (a text, or a function giving the latest state)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() >= deadline:
            described = what() if callable(what) else what
            pytest.fail(f"timed out after {timeout:.1f}s waiting for {described}", pytrace=False)
        time.sleep(interval)


@dataclass
class ServerProcess:
    """One running server (Alertmanager or Tocsin), its files and its log."""

    impl: str
    port: int
    config_path: Path
    storage_path: Path
    log_path: Path
    route_prefix: str
    proc: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Base URL including the route prefix, as amtool and Prometheus want it."""
        return f"http://{self.address}{self.route_prefix}"

    def api(self, path: str) -> str:
        return f"{self.url}/api/v2{path}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def reload(self, config_text: str | None = None) -> None:
        """Rewrite the config if given, then SIGHUP, the way operators reload Alertmanager."""
        if config_text is not None:
            self.config_path.write_text(config_text)
        self.proc.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def server_command(
    impl: str, config: Path, storage: Path, port: int, route_prefix: str, external_url: str = ""
) -> list[str]:
    """The Alertmanager command line; Tocsin's `serve` takes the same flags."""
    flags = [
        f"--config.file={config}",
        f"--storage.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}",
        # Alertmanager gossips on 0.0.0.0:9094 by default: parallel runs would collide.
        "--cluster.listen-address=",
        "--log.level=debug",
    ]
    if route_prefix:
        flags.append(f"--web.route-prefix={route_prefix}")
    if external_url:
        flags.append(f"--web.external-url={external_url}")
    if impl == "alertmanager":
        require_executable(ALERTMANAGER_BIN)
        return [ALERTMANAGER_BIN, *flags]
    if impl == "tocsin":
        require_executable(tocsin_bin())
        return [tocsin_bin(), "serve", *flags]
    raise ValueError(f"unknown implementation {impl!r}; expected one of {IMPLEMENTATIONS}")


def start_server(
    impl: str, config_text: str, workdir: Path, route_prefix: str = "", external_url: str = ""
) -> ServerProcess:
    """Start a server and return once /-/ready answers 200; fail with its log otherwise."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "alertmanager.yml"
    config.write_text(config_text)
    storage = workdir / "data"
    storage.mkdir(exist_ok=True)
    port = free_port()
    log_path = workdir / "server.log"
    cmd = server_command(impl, config, storage, port, route_prefix, external_url)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = ServerProcess(impl, port, config, storage, log_path, route_prefix, proc)
    ready_url = f"{server.url}/-/ready"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"{impl} exited with {proc.returncode} before becoming ready\ncommand: {' '.join(cmd)}\n{server.log()}",
                pytrace=False,
            )
        with contextlib.suppress(OSError):
            if http_get(ready_url, timeout=1.0)[0] == 200:
                return server
        if time.monotonic() >= deadline:
            server.stop()
            pytest.fail(
                f"{impl} not ready at {ready_url} after {STARTUP_TIMEOUT}s\n{server.log()}",
                pytrace=False,
            )
        time.sleep(0.05)


@dataclass
class Delivery:
    """One notification as the receiver saw it."""

    path: str
    payload: Any
    received_at: float


@dataclass
class WebhookReceiver:
    """A loopback HTTP endpoint that records every POSTed JSON body."""

    port: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def record(self, path: str, body: bytes) -> None:
        try:
            payload: Any = json.loads(body)
        except json.JSONDecodeError:
            payload = body.decode(errors="replace")
        with self._cond:
            self.deliveries.append(Delivery(path, payload, time.monotonic()))
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Delivery], bool], timeout: float, what: str) -> Delivery:
        """Block until a delivery satisfies `predicate`; fail naming `what` and what did arrive."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for delivery in self.deliveries:
                    if predicate(delivery):
                        return delivery
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = json.dumps([d.payload for d in self.deliveries], indent=1)[:4000]
                    pytest.fail(f"no {what} within {timeout}s; received: {seen}", pytrace=False)
                self._cond.wait(remaining)


def _handler_for(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            receiver.record(self.path, self.rfile.read(length))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: pytest output is for failures."""

    return Handler


@contextlib.contextmanager
def serve_webhook() -> Iterator[WebhookReceiver]:
    """Run a WebhookReceiver on a free loopback port for the duration of the block."""
    receiver = WebhookReceiver()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
    httpd.daemon_threads = True
    receiver.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, name="compat-webhook", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@dataclass
class PrometheusProcess:
    """A running Prometheus server with its rule file, so tests can rewrite rules and reload."""

    port: int
    config_path: Path
    rules_path: Path
    log_path: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def reload_rules(self, rules_text: str) -> None:
        self.rules_path.write_text(rules_text)
        self.proc.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_prometheus(workdir: Path, config_text: str, rules_text: str) -> PrometheusProcess:
    """Start Debian's Prometheus with `config_text` (whose rule_files is rules.yml); wait for /-/ready."""
    require_executable(PROMETHEUS_BIN)
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "prometheus.yml"
    rules = workdir / "rules.yml"
    config.write_text(config_text)
    rules.write_text(rules_text)
    port = free_port()
    log_path = workdir / "prometheus.log"
    cmd = [
        PROMETHEUS_BIN,
        f"--config.file={config}",
        f"--storage.tsdb.path={workdir / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--web.external-url=http://127.0.0.1:{port}/",
        # Prometheus learns its Alertmanagers about 5 s after start and drops what
        # it evaluated before; the default 1 m resend delay would hold the alert back.
        "--rules.alert.resend-delay=1s",
        "--log.level=debug",
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir)
    prom = PrometheusProcess(port, config, rules, log_path, proc)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"prometheus exited with {proc.returncode}\n{prom.log()}", pytrace=False)
        with contextlib.suppress(OSError):
            if http_get(f"{prom.url}/-/ready", timeout=1.0)[0] == 200:
                return prom
        if time.monotonic() >= deadline:
            prom.stop()
            pytest.fail(f"prometheus not ready after {STARTUP_TIMEOUT}s\n{prom.log()}", pytrace=False)
        time.sleep(0.1)


def run_tool(args: list[str], timeout: float = 30.0, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a peer CLI (amtool, promtool) and fail with its output when it fails."""
    require_executable(args[0])
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(args)} exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}",
            pytrace=False,
        )
    return result


_FNV64_OFFSET = 0xCBF29CE484222325
_FNV64_PRIME = 0x100000001B3
_LABEL_SEPARATOR = 0xFF


def alert_fingerprint(labels: dict[str, str]) -> str:
    """Alertmanager's alert fingerprint: FNV-1a 64 over sorted name/value pairs, 16 hex digits.

    Clients (the acceptance suite, Grafana) compute it themselves and compare, so
    Tocsin must produce exactly this value, not just any stable hash.
    """
    digest = _FNV64_OFFSET
    for name in sorted(labels):
        for part in (name.encode(), labels[name].encode()):
            for byte in (*part, _LABEL_SEPARATOR):
                digest = ((digest ^ byte) * _FNV64_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{digest:016x}"
