"""App: builds the runtime from a `Config`; start() / reload() / stop() / run_once().

The only module that wires rooms together. Everything it starts can run
inside a test: pass a state dir and, if needed, a clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.alerts import alertlog
from monitor.alerts.deliver import Sender
from monitor.alerts.worker import Delivery, Lanes, deliver_pending_once, lane_targets, schedule_digests
from monitor.article import RawItem
from monitor.match.engine import Matcher
from monitor.pipeline import Pipeline
from monitor.settings import Config, ConfigError
from monitor.settings.errors import ConfigProblem
from monitor.settings.types import format_duration
from monitor.sources.folders import FolderWatcher
from monitor.store.base import NewAlert
from monitor.store.sql import Store, open_store

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_state_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("newsmon", appauthor=False))


def compile_matcher(config: Config, cache_dir: Path | None) -> Matcher:
    """Compile every rule; rule problems found here become config errors."""
    try:
        homes = {f.source_name: f.home for f in config.folders if f.home}
        homes.update({f.name: f.home for f in config.feeds if f.home})
        return Matcher.compile(config.rules, places=config.places, cache_dir=cache_dir, homes=homes)
    except ConfigError:
        raise
    except Exception as exc:
        path, message = getattr(exc, "path", None), getattr(exc, "message", None)
        if path is None or message is None:
            raise
        raise ConfigError([ConfigProblem(config.source_file or "config", str(path), str(message))]) from None


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
        self.watcher: FolderWatcher | None = None
        self.scheduler: Any = None
        self.feeds: Any = None
        self.web: Any = None  # the web console's server (monitor/web/), when [web] listen is set
        self._started = False
        self._lock = threading.RLock()

    # -- building --------------------------------------------------------
    def open(self) -> None:
        """Everything but threads: state, rules, targets (`--once` stops here)."""
        self.store = open_store(self.state_dir)
        self.store.keep_articles = bool(self.config.web.keep_articles)
        alertlog.configure(self.state_dir / "alerts.log", echo=self.echo_alerts)
        matcher = compile_matcher(self.config, self.state_dir)
        self.sender = Sender(self.config.targets)
        self.delivery = Delivery(self.store, self.sender, self.config.alerts, self.clock, self.config.rules)
        self.pipeline = Pipeline(self.config, self.store, matcher, self._wake, self.clock)
        self.watcher = FolderWatcher(self.config.folders, self.pipeline.submit_file)
        self.feeds = self._make_feeds(self.config)
        self.prune()
        log.info("state in %s; %d folder(s), %d feed(s), %d rule(s), %d target(s)", self.state_dir,
                 len(self.config.folders), len(self.config.feeds), len(self.config.rules),
                 len(self.config.targets))

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
        return FeedPoller(config, self.store.sources, self._submit, self.notify, self.clock)

    def _submit(self, items: Sequence[RawItem], alert: bool = True) -> None:
        assert self.pipeline is not None
        self.pipeline.submit(items, alert)

    def _wake(self, targets: Sequence[str]) -> None:
        if self.lanes is not None:
            self.lanes.wake(tuple(targets))

    def notify(self, targets: Sequence[str], title: str, body: str, key: str) -> None:
        """Queue a notice that is not about an article (feed health, digests)."""
        assert self.store is not None
        alerts = [NewAlert(target=t, key=key, title=title, body=body) for t in targets
                  if t in self.config.targets]
        if self.store.enqueue(alerts, self.clock()):
            self._wake([a.target for a in alerts])

    # -- running ---------------------------------------------------------
    def run_once(self) -> OnceSummary:
        """Process what is there, poll feeds once, try every pending delivery once."""
        if self.store is None:
            self.open()
        assert self.pipeline and self.watcher and self.store and self.sender
        for folder, path in self.watcher.scan():
            self.pipeline.process_file(folder, path)
        if self.feeds is not None:
            self.pipeline.start()
            self.feeds.poll_all()
            self.pipeline.drain()
            self.pipeline.stop()
        assert self.delivery is not None
        delivered, queued = deliver_pending_once(self.delivery)
        if queued:
            log.warning("%d alert(s) remain queued for retry; they are sent on the next run", queued)
        return OnceSummary(delivered, queued)

    def start(self) -> None:
        with self._lock:
            if self.store is None:
                self.open()
            assert self.pipeline and self.watcher and self.store and self.sender
            from apscheduler.schedulers.background import BackgroundScheduler

            assert self.delivery is not None
            self.lanes = Lanes(self.delivery, lane_targets(list(self.config.targets), self.config.rules))
            self.lanes.start()
            self.pipeline.start()
            # Watch first, then scan: a file dropped in between is seen twice, never missed.
            self.watcher.start()
            for folder, path in self.watcher.scan():
                self.pipeline.submit_file(folder, path)
            self.scheduler = BackgroundScheduler(timezone=UTC)
            self.scheduler.start()
            schedule_digests(self.scheduler, self.delivery, self.config.rules, self._wake)
            self.scheduler.add_job(self._prune_job, "interval", hours=24, id="prune",
                                   replace_existing=True)
            if self.feeds is not None:
                self.feeds.schedule(self.scheduler)
            self._started = True
            if self.config.web.listen:
                from monitor.web.server import start_console

                self.web = start_console(self)
            log.info("newsmon running; watching %d folder(s)", len(self.config.folders))

    def reload(self, config: Config) -> None:
        """Swap in a new config; on any error the old one stays in force."""
        with self._lock:
            matcher = compile_matcher(config, self.state_dir)
            assert self.pipeline is not None
            old = self.config
            self.config = config
            self.pipeline.swap(config, matcher)
            if self.store is not None:
                self.store.keep_articles = bool(config.web.keep_articles)
            if config.targets != old.targets or config.alerts != old.alerts or config.rules != old.rules:
                self._restart_lanes()
            if config.folders != old.folders and self.watcher is not None:
                self.watcher.stop()
                self.watcher = FolderWatcher(config.folders, self.pipeline.submit_file)
                if self._started:
                    self.watcher.start()
                    for folder, path in self.watcher.scan():
                        self.pipeline.submit_file(folder, path)
            if self.feeds is not None:
                self.feeds.close()
            self.feeds = self._make_feeds(config)
            if self.feeds is not None and self.scheduler is not None:
                self.feeds.schedule(self.scheduler)
            log.info("configuration reloaded: %d rule(s), %d target(s)", len(config.rules),
                     len(config.targets))

    def _restart_lanes(self) -> None:
        assert self.store is not None
        if self.lanes is not None:
            self.lanes.stop()
        self.sender = Sender(self.config.targets)
        self.delivery = Delivery(self.store, self.sender, self.config.alerts, self.clock, self.config.rules)
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
            if self.watcher is not None:
                self.watcher.stop()
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=False)
                self.scheduler = None
            if self.feeds is not None:
                self.feeds.close()
            if self.pipeline is not None:
                self.pipeline.stop()
            if self.lanes is not None:
                self.lanes.stop()
            if self.store is not None:
                pending = self.store.count("pending")
                if pending:
                    log.info("%d alert(s) stay queued for the next start", pending)
                self.store.close()
            self._started = False
