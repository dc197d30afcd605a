#!/usr/bin/env python3
"""Ingest throughput of POST /api/v2/alerts: Tocsin versus Debian's prometheus-alertmanager, in one run.

Each server gets the same configuration (one route, a receiver without integrations, so only ingestion,
routing and grouping are measured). wrk posts batches of 100 distinct alerts; the batches cycle through
20,000 distinct alerts, so after the first pass every request re-sends (merges) known alerts, as Prometheus
does on each evaluation. Alerts/s = requests/s x 100. RSS is read from /proc after the run, with 20,000 active
alerts in each server. Tocsin persists every alert to SQLite before answering 200.

Usage: .venv/bin/python bench/ingest.py [--duration 10] [--connections 16] [--alerts 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchservers import free_port, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """
route:
  receiver: blackhole
  group_by: [alertname, shard]
  group_wait: 30s
  group_interval: 5m
receivers:
  - name: blackhole
"""

LUA = r"""
local bodies = {}
local nbodies = %(nbodies)d
local batch = %(batch)d
counter = 0
function init(args)
  for b = 0, nbodies - 1 do
    local parts = {}
    for i = 0, batch - 1 do
      local n = b * batch + i
      parts[#parts + 1] = string.format(
        '{"labels":{"alertname":"BenchAlert","shard":"%%d","instance":"host-%%d:9100",' ..
        '"job":"node","severity":"warning"},' ..
        '"annotations":{"summary":"bench alert %%d"},"generatorURL":"http://prometheus:9090/graph"}', n %% 16, n, n)
    end
    bodies[b] = "[" .. table.concat(parts, ",") .. "]"
  end
end
function request()
  local body = bodies[counter %% nbodies]
  counter = counter + 1
  return wrk.format("POST", "/api/v2/alerts", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
"""


def rss_mib(pid: int) -> float:
    total = 0
    # Tocsin is one process; include children in case a wrapper is used.
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    pids = [pid, *(int(p) for p in children)]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def active_alerts(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/alerts", timeout=30) as r:
        return len(json.load(r))


def run_wrk(port: int, script: Path, duration: int, connections: int) -> tuple[float, str]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    )
    m = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    if not m:
        raise RuntimeError(out.stdout + out.stderr)
    errors = out.stderr.strip().splitlines()
    if errors:
        print(f"  wrk reported {len(errors)} bad responses, first: {errors[0]}", file=sys.stderr)
    lat = {k: v for k, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", out.stdout, re.M)}
    return float(m.group(1)), f"p50 {lat.get('50')} p90 {lat.get('90')} p99 {lat.get('99')}"


def bench_server(name: str, cmd: list[str], port: int, args: argparse.Namespace, script: Path) -> dict[str, object]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port)
        # warm-up pass: create all distinct alerts once
        run_wrk(port, script, 3, args.connections)
        rps, lat = run_wrk(port, script, args.duration, args.connections)
        time.sleep(0.5)
        active = active_alerts(port)
        rss = rss_mib(proc.pid)
        return {"server": name, "alerts_per_s": rps * args.batch, "requests_per_s": rps, "latency": lat,
                "active_alerts": active, "rss_mib": rss}
    finally:
        stop(proc)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--alerts", type=int, default=20_000)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--only", choices=["tocsin", "alertmanager"], default=None)
    args = p.parse_args()
    if shutil.which("wrk") is None:
        print("wrk not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="tocsin-bench-"))
    cfg = tmp / "config.yml"
    cfg.write_text(CONFIG)
    script = tmp / "alerts.lua"
    script.write_text(LUA % {"nbodies": args.alerts // args.batch, "batch": args.batch})
    results = []
    tocsin_bin = str(ROOT / ".venv" / "bin" / "tocsin")
    servers = []
    if args.only in (None, "tocsin"):
        port = free_port()
        servers.append(("tocsin", [tocsin_bin, "serve", f"--config.file={cfg}", f"--storage.path={tmp / 'tocsin'}",
                                   f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"], port))
    if args.only in (None, "alertmanager"):
        port = free_port()
        servers.append(("alertmanager", ["prometheus-alertmanager", f"--config.file={cfg}",
                                         f"--storage.path={tmp / 'am'}", f"--web.listen-address=127.0.0.1:{port}",
                                         "--cluster.listen-address=", "--log.level=warn"], port))
    for name, cmd, port in servers:
        print(f"benchmarking {name} ...", file=sys.stderr)
        results.append(bench_server(name, cmd, port, args, script))
    db = tmp / "tocsin" / "tocsin.db"
    persisted = None
    if db.exists():
        with sqlite3.connect(db) as conn:
            persisted = conn.execute("select count(*) from alerts").fetchone()[0]
    print(f"\nPOST /api/v2/alerts, batches of {args.batch}, {args.alerts} distinct alerts, "
          f"wrk -t2 -c{args.connections} -d{args.duration}s, {os.cpu_count()} cores shared by wrk and server")
    print(f"{'server':<14}{'alerts/s':>12}{'req/s':>10}  {'latency (per request)':<36}{'active':>8}{'RSS MiB':>10}")
    for r in results:
        print(f"{r['server']:<14}{r['alerts_per_s']:>12,.0f}{r['requests_per_s']:>10,.0f}  {r['latency']:<36}"
              f"{r['active_alerts']:>8}{r['rss_mib']:>10.1f}")
    if persisted is not None:
        print(f"tocsin rows persisted in SQLite: {persisted}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
