#!/usr/bin/env python3
"""Notification latency and throughput: Tocsin versus Debian's prometheus-alertmanager, in one run.

Both servers get the same configuration: every alert is its own group (``group_by: ['...']``), group_wait 0s,
group_interval 1m, one webhook receiver pointing at a loopback HTTP server that this script runs in a child
process. The receiver timestamps each request with the system-wide monotonic clock and finds the ``seq`` label
of the alert(s) it carries, so delivery times can be matched to send times taken in this process.

1. Latency: a steady offered load (default 1,000 alerts/s for 15 s, batches of 10 every 10 ms, one asyncio
   client) after a 1 s warm-up; latency = webhook arrival - start of the POST that carried the alert.
2. Throughput: 20,000 alerts (20,000 groups) posted as fast as possible; webhook deliveries are counted until
   all arrived (or a time limit); notifications/s = deliveries / (last arrival - first POST).
3. Templates: Tocsin's template engine, in process, renders the Slack title/text and the e-mail HTML of a
   10-alert group, renders/s for each.

Each server runs alone (one after the other, a fresh server and data directory per measurement); client,
server and receiver are not pinned and share the machine's cores.

Usage: nice -n 10 .venv/bin/python bench/notify.py [--rate 1000] [--duration 15] [--burst 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from benchservers import free_port, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """
route:
  receiver: hook
  group_by: ['...']
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:{port}/hook
        send_resolved: false
"""
WARMUP_SEQ = 100_000_000  # warm-up alerts carry seq >= this and are left out of the figures
SEQ_RE = re.compile(rb'"seq":\s*"(\d+)"')
LEN_RE = re.compile(rb"content-length:\s*(\d+)")


# --------------------------------------------------------------------------------------------------------------
# Webhook receiver (child process)


class _HookProtocol(asyncio.Protocol):
    """A minimal HTTP/1.1 server: cheap enough that it is not the bottleneck at tens of thousands of requests/s."""

    def __init__(self, state: dict[str, Any]) -> None:
        self._state = state
        self._buf = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def data_received(self, data: bytes) -> None:
        self._buf += data
        while True:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buf[:end]).lower()
            if b"transfer-encoding: chunked" in head:
                raise RuntimeError("chunked request bodies are not supported by the bench receiver")
            m = LEN_RE.search(head)
            total = end + 4 + (int(m.group(1)) if m else 0)
            if len(self._buf) < total:
                return
            body = bytes(self._buf[end + 4 : total])
            del self._buf[:total]
            self._handle(head, body)

    def _handle(self, head: bytes, body: bytes) -> None:
        now = time.monotonic()
        st = self._state
        out = b""
        if head.startswith(b"post"):
            seqs = {int(s) for s in SEQ_RE.findall(body)}
            st["log"].append((now, sorted(seqs)))
            st["seen"].update(seqs)
        elif head.startswith(b"get /count"):
            out = str(len(st["seen"])).encode()
        elif head.startswith(b"get /dump"):
            out = json.dumps(st["log"]).encode()
            st["log"] = []
            st["seen"] = set()
        assert self._transport is not None
        self._transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(out), out))


def _receiver_main(sock: socket.socket) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    async def serve() -> None:
        state: dict[str, Any] = {"log": [], "seen": set()}
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _HookProtocol(state), sock=sock, backlog=4096)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def _receiver_get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
        data: bytes = r.read()
        return data


# --------------------------------------------------------------------------------------------------------------
# Servers


def server_cmd(name: str, cfg: Path, data: Path, port: int) -> list[str]:
    if name == "tocsin":
        return [str(ROOT / ".venv" / "bin" / "tocsin"), "serve", f"--config.file={cfg}", f"--storage.path={data}",
                f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
    return ["/usr/bin/prometheus-alertmanager", f"--config.file={cfg}", f"--storage.path={data}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"]


def notify_latency_metric(port: int) -> tuple[float, int]:
    """Sum and count of alertmanager_notification_latency_seconds (time spent in the webhook send itself)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    total, count = 0.0, 0
    for line in text.splitlines():
        if line.startswith("alertmanager_notification_latency_seconds_sum") and 'integration="webhook"' in line:
            total = float(line.rsplit(" ", 1)[1])
        if line.startswith("alertmanager_notification_latency_seconds_count") and 'integration="webhook"' in line:
            count = int(float(line.rsplit(" ", 1)[1]))
    return total, count


# --------------------------------------------------------------------------------------------------------------
# Client


def alert_json(seq: int, phase: str) -> dict[str, Any]:
    return {"labels": {"alertname": "NotifyBench", "phase": phase, "seq": str(seq), "instance": f"host-{seq % 500}",
                       "severity": "warning"},
            "annotations": {"summary": f"bench alert {seq}"}, "generatorURL": "http://prometheus:9090/graph"}


@dataclass
class SendLog:
    sent: dict[int, float] = field(default_factory=dict)  # seq -> monotonic time the POST started
    post_latency: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    max_lag: float = 0.0  # how far behind its schedule the sender fell


async def _post(client: Any, url: str, seqs: range, phase: str, log: SendLog) -> None:
    body = json.dumps([alert_json(s, phase) for s in seqs])
    t = time.monotonic()
    for s in seqs:
        log.sent[s] = t
    try:
        r = await client.post(url, content=body, headers={"Content-Type": "application/json"})
        if r.status_code != 200:
            log.errors.append(f"{r.status_code} {r.text[:200]}")
    except Exception as e:  # reported, not fatal
        log.errors.append(repr(e))
    log.post_latency.append(time.monotonic() - t)


async def steady_load(port: int, rate: float, duration: float, batch: int, seq0: int, phase: str) -> SendLog:
    import httpx

    log = SendLog()
    url = f"http://127.0.0.1:{port}/api/v2/alerts"
    interval = batch / rate
    n_batches = int(duration * rate / batch)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=64), timeout=10) as client:
        tasks = []
        start = time.monotonic() + 0.05
        for k in range(n_batches):
            target = start + k * interval
            delay = target - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                log.max_lag = max(log.max_lag, -delay)
            seqs = range(seq0 + k * batch, seq0 + (k + 1) * batch)
            tasks.append(asyncio.create_task(_post(client, url, seqs, phase, log)))
        await asyncio.gather(*tasks)
    return log


async def burst_load(port: int, total: int, batch: int, concurrency: int, deadline: float) -> tuple[SendLog, float]:
    import httpx

    log = SendLog()
    url = f"http://127.0.0.1:{port}/api/v2/alerts"
    queue = list(range(0, total, batch))

    stop_at = time.monotonic() + deadline
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency), timeout=10) as client:

        async def worker() -> None:
            while queue and time.monotonic() < stop_at:
                first = queue.pop(0)
                await _post(client, url, range(first, min(first + batch, total)), "burst", log)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return log, time.monotonic()


def wait_delivered(rport: int, want: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if int(_receiver_get(rport, "/count")) >= want:
            return
        time.sleep(0.1)


def dump(rport: int) -> list[tuple[float, list[int]]]:
    return [(float(t), list(s)) for t, s in json.loads(_receiver_get(rport, "/dump"))]


def ms(x: float) -> str:
    return "lost" if x == math.inf else f"{x:.1f}"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


# --------------------------------------------------------------------------------------------------------------
# Measurements


def run_server(name: str, tmp: Path, rport: int, body: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    cfg = tmp / "config.yml"
    data = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=tmp))
    port = free_port()
    proc = subprocess.Popen(server_cmd(name, cfg, data, port), stdout=subprocess.DEVNULL,
                            stderr=open(data / "server.log", "w"))  # noqa: SIM115 - closed with the process
    try:
        wait_ready(port)
        dump(rport)  # start from an empty receiver log
        return body(port)
    finally:
        stop(proc)
        errs = (data / "server.log").read_text().strip()
        if errs:
            print(f"  {name} stderr (last lines):\n    " + "\n    ".join(errs.splitlines()[-5:]), file=sys.stderr)


def measure_latency(port: int, rport: int, args: argparse.Namespace) -> dict[str, Any]:
    asyncio.run(steady_load(port, args.rate, 1.0, args.batch, WARMUP_SEQ, "warm"))
    wait_delivered(rport, int(args.rate), 10)
    time.sleep(0.5)
    before = notify_latency_metric(port)
    log = asyncio.run(steady_load(port, args.rate, args.duration, args.batch, 0, "lat"))
    wait_delivered(rport, int(args.rate) + len(log.sent), 15)
    after = notify_latency_metric(port)
    recv: dict[int, float] = {}
    requests = 0
    for t, seqs in dump(rport):
        requests += 1
        for s in seqs:
            if s < WARMUP_SEQ:
                recv.setdefault(s, t)
    # An alert that never arrived counts as infinitely late, so percentiles are over everything that was sent.
    lat = [(recv[s] - t0) * 1000 if s in recv else math.inf for s, t0 in log.sent.items()]
    arrived = [x for x in lat if x != math.inf]
    sends = after[1] - before[1]
    return {
        "sent": len(log.sent), "delivered": len(arrived), "errors": log.errors, "lag_ms": log.max_lag * 1000,
        "p50": pct(lat, 0.50), "p90": pct(lat, 0.90), "p99": pct(lat, 0.99),
        "max": max(arrived, default=math.nan), "mean": statistics.fmean(arrived) if arrived else math.nan,
        "requests": requests,
        "post_p50": pct(log.post_latency, 0.5) * 1000, "post_p99": pct(log.post_latency, 0.99) * 1000,
        "send_mean": (after[0] - before[0]) / sends * 1000 if sends else float("nan"),
        "over_target": sum(1 for x in lat if x >= 50.0),
    }


def measure_throughput(port: int, rport: int, args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.monotonic()
    log, posted_at = asyncio.run(burst_load(port, args.burst, 100, 4, args.burst_timeout))
    wait_delivered(rport, len(log.sent), max(1.0, args.burst_timeout - (time.monotonic() - t0)))
    records = dump(rport)
    arrivals = sorted(t for t, seqs in records for _ in seqs)
    n = len(arrivals)
    distinct = len({s for _, seqs in records for s in seqs})
    last = arrivals[-1] if arrivals else t0
    per_second: dict[int, int] = {}
    for t in arrivals:
        per_second[int(t - t0)] = per_second.get(int(t - t0), 0) + 1
    return {
        "sent": len(log.sent), "delivered": distinct, "duplicates": n - distinct, "errors": log.errors,
        "post_s": posted_at - t0, "requests": len(records),
        "total_s": last - t0, "rate": n / (last - t0) if n else 0.0,
        "peak": max(per_second.values()) if per_second else 0,
        "per_second": [per_second.get(i, 0) for i in range(int(last - t0) + 1)],
    }


def measure_templates(seconds: float) -> list[tuple[str, float, int]]:
    import datetime as dt

    from tocsin.notify.template import AlertView, Templates, template_data

    templates = Templates.from_globs([], include_defaults=True)
    start = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    alerts = [
        AlertView(
            labels={"alertname": "HighLatency", "instance": f"web-{i}:9100", "job": "web", "severity": "critical"},
            annotations={"summary": f"p99 latency above 500 ms on web-{i}", "description": "Requests are slow."},
            starts_at=start + dt.timedelta(seconds=i), generator_url=f"http://prometheus:9090/graph?g0.expr=up{i}",
            fingerprint=f"{i:016x}", status="firing" if i < 7 else "resolved",
            ends_at=start + dt.timedelta(minutes=5) if i >= 7 else dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        )
        for i in range(10)
    ]
    data = template_data("team-web", {"alertname": "HighLatency", "job": "web"}, alerts, "http://tocsin:9093")
    out = []
    cases: list[tuple[str, Callable[[str, Any], str]]] = [
        ('{{ template "slack.default.title" . }}', templates.render_text),
        ('{{ template "slack.default.text" . }}', templates.render_text),
        ('{{ template "email.default.html" . }}', templates.render_html),
    ]
    for text, fn in cases:
        size = len(fn(text, data))  # also compiles and caches the template
        n = 0
        t0 = time.perf_counter()
        while (elapsed := time.perf_counter() - t0) < seconds:
            for _ in range(20):
                fn(text, data)
            n += 20
        out.append((text + (" (render_html)" if fn == templates.render_html else ""), n / elapsed, size))
    return out


# --------------------------------------------------------------------------------------------------------------


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=1000.0, help="offered load of the latency test, alerts/s")
    p.add_argument("--duration", type=float, default=15.0, help="length of the latency test, s")
    p.add_argument("--batch", type=int, default=10, help="alerts per POST in the latency test")
    p.add_argument("--burst", type=int, default=20_000, help="alerts (= groups) in the throughput test")
    p.add_argument("--burst-timeout", type=float, default=40.0, help="give up waiting for deliveries after, s")
    p.add_argument("--template-seconds", type=float, default=2.0)
    p.add_argument("--only", choices=["tocsin", "alertmanager"], default=None)
    args = p.parse_args()
    command = "nice -n 10 .venv/bin/python bench/notify.py " + " ".join(sys.argv[1:])

    tmp = Path(tempfile.mkdtemp(prefix="tocsin-notify-bench-"))
    rsock = socket.socket()
    rsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    rsock.bind(("127.0.0.1", 0))
    rport = int(rsock.getsockname()[1])
    receiver = multiprocessing.get_context("spawn").Process(target=_receiver_main, args=(rsock,), daemon=True)
    receiver.start()
    rsock.close()
    (tmp / "config.yml").write_text(CONFIG.format(port=rport))
    names = [n for n in ("tocsin", "alertmanager") if args.only in (None, n)]
    try:
        for _ in range(100):
            try:
                _receiver_get(rport, "/count")
                break
            except OSError:
                time.sleep(0.05)
        lat: dict[str, dict[str, Any]] = {}
        thr: dict[str, dict[str, Any]] = {}
        for name in names:
            print(f"latency: {name} ...", file=sys.stderr)
            lat[name] = run_server(name, tmp, rport, lambda port: measure_latency(port, rport, args))
        for name in names:
            print(f"throughput: {name} ...", file=sys.stderr)
            thr[name] = run_server(name, tmp, rport, lambda port: measure_throughput(port, rport, args))
        print("templates ...", file=sys.stderr)
        tpl = measure_templates(args.template_seconds)
    finally:
        receiver.terminate()
        receiver.join(5)
        shutil.rmtree(tmp, ignore_errors=True)

    cores = (f"{os.cpu_count()} cores, shared unpinned by the client (this process), the server under test and the"
             " webhook receiver (a child process); one server at a time, a fresh one per measurement")
    print(f"\ncommand: {command}\n{cores}")
    print(f"\n1. End-to-end latency, POST /api/v2/alerts -> webhook, group_wait 0s, one group per alert, "
          f"{args.rate:,.0f} alerts/s for {args.duration:g} s in batches of {args.batch} (after a 1 s warm-up)")
    print(f"{'server':<14}{'delivered':>14}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'mean ms':>9}"
          f"{'>=50ms':>8}{'POST p50/p99 ms':>17}{'send ms':>9}{'lag ms':>8}")
    for name, r in lat.items():
        print(f"{name:<14}{r['delivered']:>7}/{r['sent']:<6}{ms(r['p50']):>9}{ms(r['p90']):>9}{ms(r['p99']):>9}"
              f"{ms(r['max']):>9}{ms(r['mean']):>9}{r['over_target']:>8}{r['post_p50']:>8.1f}/{r['post_p99']:<8.1f}"
              f"{r['send_mean']:>9.2f}{r['lag_ms']:>8.1f}")
        if r["errors"]:
            print(f"  {len(r['errors'])} POSTs failed, first: {r['errors'][0]}")
    print("  lost = not delivered by the end of the wait (counted as infinitely late); send ms = mean of the server's"
          " own\n  alertmanager_notification_latency_seconds{integration=\"webhook\"}; lag ms = worst lateness of the"
          " client's send schedule")
    print(f"\n2. Sustained notifications/s to a local webhook: {args.burst:,} alerts = {args.burst:,} groups,"
          f" group_wait 0s, POSTed in batches of 100 by 4 concurrent requests (limit {args.burst_timeout:g} s)")
    print(f"{'server':<14}{'delivered':>14}{'dupl.':>7}{'POSTs done s':>14}{'last arrival s':>16}{'notif/s':>10}"
          f"{'peak 1s':>9}")
    for name, r in thr.items():
        print(f"{name:<14}{r['delivered']:>7}/{r['sent']:<6}{r['duplicates']:>7}{r['post_s']:>14.2f}{r['total_s']:>16.2f}"
              f"{r['rate']:>10,.0f}{r['peak']:>9,}")
        print(f"  deliveries per second: {r['per_second']}")
        if r["errors"]:
            print(f"  {len(r['errors'])} POSTs failed, first: {r['errors'][0]}")
    print(f"\n3. Tocsin template engine, in process, 10-alert group, {args.template_seconds:g} s per template")
    print(f"{'template':<60}{'renders/s':>12}{'output chars':>14}")
    for text, rate, size in tpl:
        print(f"{text:<60}{rate:>12,.0f}{size:>14,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
