"""App: builds the runtime from a `Config`; start() / reload() / stop() / run_once().

The only module that wires rooms together. Everything it starts can run
inside a test: pass a state dir and, if needed, a clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor import native
from monitor.alerts import alertlog
from monitor.alerts.deliver import Sender
from monitor.alerts.notices import notice_alerts
from monitor.alerts.worker import Delivery, Lanes, deliver_pending_once, lane_targets, schedule_digests
from monitor.article import RawItem
from monitor.coordination import Coordinator, Shared, Solo
from monitor.pipeline import Pipeline
from monitor.service.metrics import Metrics
from monitor.service.runtime import app_snapshot
from monitor.settings import Config
from monitor.settings.types import format_duration
from monitor.sources.base import Done, Source
from monitor.sources.foldersource import FolderSource
from monitor.store.sql import Store, open_store
from monitor.validate import compile_matcher  # rule problems -> config errors naming their file

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_state_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("newsmon", appauthor=False))


def open_state(config: Config, state_dir: Path, clock: Clock) -> tuple[Store, Coordinator]:
    """SQLite in the state dir (one instance), or the shared database of `[state] url`."""
    if config.state.url is None:
        return open_store(state_dir), Solo()
    store = open_store(config.state.url)
    return store, Shared(store.leases, store.instances, clock, config.state.lease_ttl)


@dataclass(frozen=True)
class OnceSummary:
    delivered: int
    queued: int


class App:
    def __init__(self, config: Config, state_dir: Path | None = None, clock: Clock = utcnow,
                 echo_alerts: bool = True):
        self.config = config
        self.state_dir = Path(state_dir or config.state_dir or default_state_dir())
        self.clock = clock
        self.echo_alerts = echo_alerts
        self.store: Store | None = None
        self.pipeline: Pipeline | None = None
        self.sender: Sender | None = None
        self.lanes: Lanes | None = None
        self.delivery: Delivery | None = None
        self.folders: FolderSource | None = None
        self.scheduler: Any = None
        self.feeds: Any = None
        self.coord: Coordinator = Solo()
        self.web: Any = None  # the web console's server (monitor/web/), when [web] listen is set
        self._started = False
        self._lock = threading.RLock()
        self.metrics = Metrics()  # per App: tests with several Apps do not share counters

    # -- building --------------------------------------------------------
    def open(self) -> None:
        """Everything but threads: state, rules, targets (`--once` stops here)."""
        self.store, self.coord = open_state(self.config, self.state_dir, self.clock)
        self.store.keep_articles = bool(self.config.web.keep_articles)
        alertlog.configure(self.state_dir / "alerts.log", echo=self.echo_alerts)
        with self.metrics.compiling():
            matcher = compile_matcher(self.config, self.state_dir)
        self.metrics.reloaded(self.clock())
        self.sender = Sender(self.config.targets)
        self.delivery = Delivery(self.store, self.sender, self.config.alerts, self.clock, self.config.rules,
                                 coord=self.coord)
        self.pipeline = Pipeline(self.config, self.store, matcher, self._wake, self.clock, coord=self.coord)
        self.folders = FolderSource(self.config.folders, self.store.sources, self.pipeline.submit)
        self.feeds = self._make_feeds(self.config)
        self.metrics.instrument(self.pipeline, self.store)
        self.metrics.watch(lambda: astuple(app_snapshot(self)))
        self.prune()
        log.info("state in %s; %d folder(s), %d feed(s), %d rule(s), %d target(s)", self.state_dir,
                 len(self.config.folders), len(self.config.feeds), len(self.config.rules),
                 len(self.config.targets))
        if any(rule.locations is not None for rule in self.config.rules):
            log.info("place matcher: %s", native.state().describe())

    def prune(self) -> tuple[int, int]:
        """Drop finished alerts and notification-log entries past `retention` (at
        open, then daily): a daemon that runs for years keeps a bounded state file."""
        if self.store is not None and self.config.web.keep_articles:
            from monitor.store.articles import prune_texts

            prune_texts(self.store, self.clock() - self.config.web.keep_articles)
        retention = self.config.retention
        if self.store is None or not retention:
            return 0, 0
        alerts, entries = self.store.prune(self.clock() - retention)
        if alerts or entries:
            log.info("pruned %d finished alert(s) and %d notification-log entr%s older than %s",
                     alerts, entries, "y" if entries == 1 else "ies", format_duration(retention))
        return alerts, entries

    def _prune_job(self) -> None:
        try:
            self.prune()
        except Exception:  # a locked or full disk: try again tomorrow, keep running
            log.exception("pruning old alerts failed; the state file keeps them for now")

    def _make_feeds(self, config: Config) -> Any:
        if not config.feeds:
            return None
        try:
            from monitor.sources.feeds import FeedPoller
        except ImportError:
            log.error("feed polling is not available in this build; [[feeds]] are ignored")
            return None
        assert self.store is not None
        sources = self.metrics.observe_sources(self.store.sources)
        return FeedPoller(config, sources, self._submit, self.notify, self.clock, coord=self.coord)

    def _submit(self, items: Sequence[RawItem], alert: bool = True, done: Done | None = None) -> None:
        assert self.pipeline is not None
        self.pipeline.submit(items, alert, done)

    def sources(self) -> list[Source]:
        """Folders first: their start-up scan is local and quick to hand over."""
        return [s for s in (self.folders, self.feeds) if s is not None]

    def _wake(self, targets: Sequence[str]) -> None:
        if self.lanes is not None:
            self.lanes.wake(tuple(targets))

    def notify(self, targets: Sequence[str], title: str, body: str, key: str) -> None:
        """Queue a notice that is not about an article (feed health), routed like an alert
        under the [alerts] policy, with a priority by kind (`monitor.alerts.notices`)."""
        assert self.store is not None
        now = self.clock()
        alerts = notice_alerts(targets, title, body, key, self.config.alerts, list(self.config.targets), now)
        if self.store.enqueue(alerts, now):
            self._wake([a.target for a in alerts])

    # -- running ---------------------------------------------------------
    def run_once(self) -> OnceSummary:
        """Process what is there, poll feeds once, try every pending delivery once."""
        if self.store is None:
            self.open()
        assert self.pipeline and self.store and self.sender
        self.pipeline.start()
        for source in self.sources():
            source.run_once()
        self.pipeline.drain()
        self.pipeline.stop()
        assert self.delivery is not None
        delivered, queued = deliver_pending_once(self.delivery)
        self.coord.stop()  # shared state: give back what this run claimed
        if queued:
            log.warning("%d alert(s) remain queued for retry; they are sent on the next run", queued)
        return OnceSummary(delivered, queued)

    def start(self) -> None:
        with self._lock:
            if self.store is None:
                self.open()
            assert self.pipeline and self.store and self.sender
            from apscheduler.schedulers.background import BackgroundScheduler

            assert self.delivery is not None
            self.coord.start()
            self.lanes = Lanes(self.delivery, lane_targets(list(self.config.targets), self.config.rules))
            self.lanes.start()
            self.pipeline.start()
            self.scheduler = BackgroundScheduler(timezone=UTC)
            self.scheduler.start()
            schedule_digests(self.scheduler, self.delivery, self.config.rules, self._wake)
            self.scheduler.add_job(self._prune_job, "interval", hours=24, id="prune",
                                   replace_existing=True)
            for source in self.sources():
                source.start(self.scheduler)
            self._started = True
            if self.config.web.listen:
                from monitor.web.server import start_console

                self.web = start_console(self)
            log.info("newsmon running; watching %d folder(s)", len(self.config.folders))

    def reload(self, config: Config) -> None:
        """Swap in a new config; on any error the old one stays in force."""
        with self._lock:
            with self.metrics.compiling():
                matcher = compile_matcher(config, self.state_dir)
            assert self.pipeline is not None
            old = self.config
            self.config = config
            self.pipeline.swap(config, matcher)
            if self.store is not None:
                self.store.keep_articles = bool(config.web.keep_articles)
            if config.targets != old.targets or config.alerts != old.alerts or config.rules != old.rules:
                self._restart_lanes()
            if config.folders != old.folders and self.folders is not None and self.store is not None:
                self.folders.close()
                self.folders = FolderSource(config.folders, self.store.sources, self.pipeline.submit)
                if self._started:
                    self.folders.start(self.scheduler)
            if self.feeds is not None:
                self.feeds.close()
            self.feeds = self._make_feeds(config)
            if self.feeds is not None and self.scheduler is not None:
                self.feeds.start(self.scheduler)
            self.metrics.reloaded(self.clock())
            log.info("configuration reloaded: %d rule(s), %d target(s)", len(config.rules),
                     len(config.targets))

    def _restart_lanes(self) -> None:
        assert self.store is not None
        if self.lanes is not None:
            self.lanes.stop()
        self.sender = Sender(self.config.targets)
        self.delivery = Delivery(self.store, self.sender, self.config.alerts, self.clock, self.config.rules,
                                 coord=self.coord)
        if self._started:
            self.lanes = Lanes(self.delivery, lane_targets(list(self.config.targets), self.config.rules))
            self.lanes.start()
        if self.scheduler is not None:
            schedule_digests(self.scheduler, self.delivery, self.config.rules, self._wake)

    def stop(self) -> None:
        """Stop intake first, then the pipeline, then lanes; pending alerts stay queued."""
        with self._lock:
            if self.web is not None:
                self.web.stop()
                self.web = None
            if self.folders is not None:
                self.folders.close()
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=False)
                self.scheduler = None
            if self.feeds is not None:
                self.feeds.close()
            if self.pipeline is not None:
                self.pipeline.stop()
            if self.lanes is not None:
                self.lanes.stop()
            if self._started:
                self.coord.stop()
            if self.store is not None:
                pending = self.store.count("pending")
                if pending:
                    log.info("%d alert(s) stay queued for the next start", pending)
                self.store.close()
            self._started = False
