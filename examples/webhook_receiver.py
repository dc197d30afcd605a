#!/usr/bin/env python3
"""A minimal webhook receiver for trying Tocsin out: prints every notification it receives.

    python3 examples/webhook_receiver.py [PORT]      (default 5001, listens on 127.0.0.1)
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            payload = json.loads(body)
            alerts = ", ".join(
                f"{a['labels'].get('alertname', '?')}[{a['status']}]" for a in payload.get("alerts", [])
            )
            print(f"{payload.get('receiver')} {payload.get('status')} group={payload.get('groupKey')}: {alerts}")
            print(json.dumps(payload, indent=2), flush=True)
        except (ValueError, KeyError):
            print(body.decode(errors="replace"), flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5001
    print(f"listening on http://127.0.0.1:{port}/", flush=True)
    HTTPServer(("127.0.0.1", port), Handler).serve_forever()
