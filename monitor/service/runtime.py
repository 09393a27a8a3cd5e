"""`ServiceHooks`: what `newsmon run` calls around the App's life as a service.

    hooks = ServiceHooks(app)      # reads $NOTIFY_SOCKET, $WATCHDOG_USEC; binds [http] listen
    app.start(); hooks.started()   # READY=1 + STATUS=, then STATUS= and WATCHDOG=1 on a timer
    hooks.reloading(); app.reload(...); hooks.reloaded()   # RELOADING=1 ... READY=1
    hooks.stopping(); app.stop(); hooks.close()            # STOPPING=1
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from monitor.service.health import Snapshot, readiness, snapshot
from monitor.service.notify import Notifier, watchdog_interval

log = logging.getLogger(__name__)
STATUS_EVERY = 30.0  # seconds between STATUS= refreshes


def app_snapshot(app: Any) -> Snapshot:
    return snapshot(app.store, [f.name for f in app.config.feeds])


class ServiceHooks:
    def __init__(self, app: Any, notifier: Notifier | None = None, status_every: float = STATUS_EVERY):
        self.app = app
        self.notifier = notifier or Notifier.from_env()
        self.watchdog_every = watchdog_interval()
        self.status_every = status_every
        self.http: Any = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._listen = app.config.http.listen
        if app.config.http.address is not None:
            self._start_http(*app.config.http.address)

    def _start_http(self, host: str, port: int) -> None:
        from monitor.service.http import HealthServer

        try:
            self.http = HealthServer(host, port, lambda: readiness(self.app), self.app.metrics.render)
        except OSError as exc:  # the daemon still runs: alerts matter more than metrics
            log.error("http.listen %s: cannot listen (%s); /healthz, /readyz and /metrics are off "
                      "(pick a free port in [http] listen, or remove it)", self._listen,
                      exc.strerror or exc)
            return
        self.http.start()

    # -- the life cycle ---------------------------------------------------------------------
    def started(self) -> None:
        self.notifier.ready(self.status())
        if self.notifier.enabled:
            self._ticker = threading.Thread(target=self._tick, name="sd-notify", daemon=True)
            self._ticker.start()
        if self.watchdog_every:
            log.info("systemd watchdog: pinging every %.1f s", self.watchdog_every)

    def reloading(self) -> None:
        self.notifier.reloading()

    def reloaded(self, ok: bool) -> None:
        # READY=1 ends the reload either way: a refused config keeps the old one running.
        status = self.status()
        self.notifier.ready(status if ok else f"reload refused (config error, see the log); {status}")
        if ok and self.app.config.http.listen != self._listen:
            log.warning("http.listen changed to %s: it takes effect at the next restart",
                        self.app.config.http.listen)

    def stopping(self) -> None:
        self._stop.set()
        self.notifier.stopping()

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        if self.http is not None:
            self.http.stop()
        self.notifier.close()

    # -- STATUS= and WATCHDOG=1 ---------------------------------------------------------------
    def status(self) -> str:
        try:
            return app_snapshot(self.app).status_line(len(self.app.config.folders))
        except Exception as exc:  # a locked state file must not stop the pings
            return f"state unreadable: {type(exc).__name__}"

    def alive(self) -> bool:
        """The watchdog is fed only while the pipeline thread runs: a wedged or dead
        pipeline makes systemd restart us (WatchdogSec=), which is the point."""
        thread = getattr(self.app.pipeline, "_thread", None)
        return thread is not None and thread.is_alive()

    def _tick(self) -> None:
        now = time.monotonic()
        next_status = now + self.status_every
        next_ping = now if self.watchdog_every else float("inf")
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_ping and self.watchdog_every:
                if self.alive():
                    self.notifier.watchdog()
                else:
                    log.error("pipeline thread is not running; not feeding the systemd watchdog")
                next_ping = now + self.watchdog_every
            if now >= next_status:
                self.notifier.status(self.status())
                next_status = now + self.status_every
            self._stop.wait(max(0.01, min(next_ping, next_status) - time.monotonic()))
