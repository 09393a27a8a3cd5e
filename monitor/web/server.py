"""The console's HTTP server: uvicorn in a thread of the daemon, started by `App.start()`.

A console that cannot listen (port taken) is logged and left off; the daemon
keeps running: monitoring matters more than its console.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)


class ConsoleServer:
    def __init__(self, asgi: Any, host: str, port: int):
        import uvicorn

        self.host, self.port = host, port
        config = uvicorn.Config(asgi, host=host, port=port, log_level="warning", access_log=False,
                                lifespan="off", server_header=False, timeout_graceful_shutdown=3)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="web-console", daemon=True)
        self.error = ""

    def _run(self) -> None:
        try:
            self._server.run()
        except SystemExit:  # uvicorn exits when it cannot bind
            self.error = "could not listen (is the port in use?)"
        except Exception as exc:  # keep the daemon alive whatever the console does
            self.error = f"{type(exc).__name__}: {exc}"

    def start(self, timeout: float = 10) -> bool:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._thread.is_alive() and not self._server.started:
            time.sleep(0.02)
        return bool(self._server.started)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


def start_console(app: Any) -> ConsoleServer | None:
    """Serve the console for a running `App` at `[web] listen`; None if it cannot listen."""
    from monitor.settings.web import split_listen
    from monitor.web.app import create_app
    from monitor.web.console import Console

    web = app.config.web
    host, port = split_listen(web.listen)
    console = Console.for_app(app)
    server = ConsoleServer(create_app(console, web), host, port)
    if not server.start():
        log.error("web console not started on %s: %s; newsmon keeps running without it", web.listen,
                  server.error or "it did not come up in time")
        server.stop()
        return None
    log.info("web console on http://%s/%s", web.listen, "" if web.password_hash or web.token else
             " (loopback only, no sign-in)")
    return server
