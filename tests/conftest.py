"""Real parts for tests: an HTTP endpoint that records POSTs, an SMTP server, a config writer."""

from __future__ import annotations

import http.server
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = ROOT / "seeds" / "izium-2022-09.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Endpoint:
    """A chat-style webhook on 127.0.0.1 that can go down and come back on the same port."""

    def __init__(self, status: int = 200):
        self.port = free_port()
        self.status = status
        self.received: list[dict[str, Any]] = []
        self.arrivals: list[float] = []
        self._server: http.server.ThreadingHTTPServer | None = None
        self._cond = threading.Condition()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    def up(self) -> None:
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    payload = json.loads(raw)
                except ValueError:
                    payload = {"raw": raw.decode("utf-8", "replace")}
                self.send_response(outer.status)
                self.end_headers()
                if outer.status < 300:
                    with outer._cond:
                        outer.received.append(payload)
                        outer.arrivals.append(time.time())
                        outer._cond.notify_all()

            def log_message(self, *args: Any) -> None:
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    ep = Endpoint()
    ep.up()
    yield ep
    ep.down()


class SmtpSink:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[bytes] = []
        self._cond = threading.Condition()
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                with sink._cond:
                    sink.messages.append(envelope.content)
                    sink._cond.notify_all()
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def url(self) -> str:
        return (f"mailto://127.0.0.1:{self.port}?from=newsmon@example.com"
                f"&to=analyst@example.com&mode=insecure")

    def wait_for(self, count: int, timeout: float = 20) -> list[bytes]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    yield sink
    sink.stop()


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a TOML config into tmp_path and return its path."""

    def _write(text: str, name: str = "newsmon.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def drop_file(folder: Path, name: str, text: str) -> None:
    """Write under a hidden temp name, then rename into place: how a careful writer drops a file."""
    tmp = folder / f".{name}.tmp"
    tmp.write_text(text)
    os.rename(tmp, folder / name)


def newsmon_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", *args]


@pytest.fixture
def open_app(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """`open_app(config_text, clock)`: write the config, open an `App` on tmp_path/state
    (no threads: tests drive its stages); every App opened is stopped at the end."""
    from monitor.app import App
    from monitor.settings import load_config

    apps: list[Any] = []

    def _open(text: str, clock: Callable[[], Any]) -> Any:
        cfg = tmp_path / "c.toml"
        cfg.write_text(text, encoding="utf-8")
        app = App(load_config(cfg), state_dir=tmp_path / "state", clock=clock, echo_alerts=False)
        app.open()
        apps.append(app)
        return app

    yield _open
    for app in apps:
        app.stop()
