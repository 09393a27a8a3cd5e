"""The optional HTTP endpoint (`[http] listen`): /healthz, /readyz, /metrics.

Plain `http.server` in one daemon thread: a scrape every few seconds needs
nothing more. Bound to 127.0.0.1 by default; it shows counts, never content.
"""

from __future__ import annotations

import http.server
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class HealthServer:
    def __init__(self, host: str, port: int, ready: Callable[[], list[str]], metrics: Callable[[], bytes]):
        self._ready, self._metrics = ready, metrics
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            server_version = "newsmon"
            sys_version = ""

            def do_GET(self) -> None:
                outer._route(self)

            def log_message(self, *args: Any) -> None:  # scrapes would flood the journal
                pass

        self._server = http.server.ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="http", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()
        host, port = self.address
        log.info("health and metrics on http://%s:%d/ (/healthz, /readyz, /metrics)", host, port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _route(self, req: http.server.BaseHTTPRequestHandler) -> None:
        path = req.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(req, 200, b"ok\n")
        elif path == "/readyz":
            try:
                problems = self._ready()
            except Exception as exc:  # a check that crashes means "not ready", with the reason
                problems = [f"readiness check failed: {type(exc).__name__}: {exc}"]
            body = "ready\n" if not problems else "".join(f"not ready: {p}\n" for p in problems)
            self._send(req, 503 if problems else 200, body.encode())
        elif path == "/metrics":
            self._send(req, 200, self._metrics(), METRICS_TYPE)
        else:
            self._send(req, 404, b"not found: try /healthz, /readyz or /metrics\n")

    @staticmethod
    def _send(req: http.server.BaseHTTPRequestHandler, status: int, body: bytes,
              content_type: str = "text/plain; charset=utf-8") -> None:
        req.send_response(status)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(len(body)))
        req.send_header("Cache-Control", "no-store")
        req.end_headers()
        req.wfile.write(body)
