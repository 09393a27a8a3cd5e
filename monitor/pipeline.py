"""The path of an article: RawItem -> normalise -> seen? -> match -> route -> outbox.

One intake thread runs every stage in order, so SQLite has a single writer
and an article is never matched twice at once. Sources only enqueue.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from monitor.alerts.route import RecentSends, plan_alerts
from monitor.article import Article, RawItem, normalise
from monitor.coordination import Coordinator, Solo
from monitor.match.engine import Matcher
from monitor.match.types import Match
from monitor.redact import mask_url
from monitor.settings.models import Config
from monitor.sources.base import Done
from monitor.store.base import NewAlert
from monitor.store.sql import Store

log = logging.getLogger(__name__)

Outcome = Literal["alerted", "matched-no-target", "no-match", "recorded", "seen", "duplicate",
                  "skipped", "claimed"]


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    article: Article | None = None
    matches: tuple[Match, ...] = ()
    alerts: int = 0


def build_alerts(article: Article, matches: Sequence[Match], config: Config, now: datetime,
                 recent_sends: RecentSends) -> list[NewAlert]:
    """One alert per target naming every rule that matched for it, sent now or held
    under the rules' policy (digest, quiet hours, throttle): `monitor.alerts.route`."""
    return plan_alerts(article, matches, config.rules, config.alerts, now, recent_sends)


class Pipeline:
    def __init__(self, config: Config, store: Store, matcher: Matcher,
                 wake: Callable[[Sequence[str]], None], clock: Callable[[], datetime],
                 coord: Coordinator | None = None):
        self.config = config
        self.coord: Coordinator = coord or Solo()
        self.store = store
        self.matcher = matcher
        self._wake = wake
        self._clock = clock
        self._queue: queue.Queue[tuple[RawItem, bool, Done | None] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._busy = 0

    # -- configuration swap (reload) ----------------------------------
    def swap(self, config: Config, matcher: Matcher) -> None:
        """New rules take effect for the next item; items are never half-matched."""
        self.config, self.matcher = config, matcher

    # -- intake (any thread) -------------------------------------------
    def submit(self, items: Sequence[RawItem], alert: bool = True, done: Done | None = None) -> None:
        """Queue `items`; `done()` runs after the last one went through without an error
        (`monitor.sources.base.Sink`)."""
        batch = _Batch(len(items), done) if done is not None else None
        with self._idle:
            self._busy += len(items)
        for item in items:
            self._queue.put((item, alert, batch.step if batch else None))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pipeline", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every submitted item went through (tests, `--once`)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def _run(self) -> None:
        while (entry := self._queue.get()) is not None:
            item, alert, step = entry
            ok = False
            try:
                # An item another instance is handling is not done here: its source offers it
                # again later (by then it is seen, or that instance died and its lease expired).
                ok = self.process(item, alert).outcome != "claimed"
            except Exception:
                log.exception("internal error while processing %s; the item is skipped",
                              item.origin or item.key)
            finally:
                if step is not None:
                    step(ok)
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    # -- the stages (intake thread, or directly in tests) --
    def process(self, raw: RawItem, alert: bool = True) -> Result:
        article = normalise(raw, self._clock())
        if self.store.is_seen(article.id, article.content_hash):
            log.debug("already seen: %s from %s", article.id, article.source)
            return Result("seen", article)
        # Instances sharing a database: the one holding the article's lease matches it.
        lease = f"article:{article.id}"
        if not self.coord.hold(lease):
            log.debug("article %s is being handled by another instance", article.id)
            return Result("claimed", article)
        try:
            return self._match_and_record(article, alert)
        finally:
            self.coord.release(lease)

    def _match_and_record(self, article: Article, alert: bool) -> Result:
        matches = tuple(self.matcher.match(article)) if alert else ()
        alerts = (build_alerts(article, matches, self.config, self._clock(), self.store.recent_sends)
                  if matches else [])
        if not self.store.record(article, alerts, self._clock(), rules=[m.rule for m in matches]):
            return Result("duplicate", article)
        if alerts:
            log.info("article %s (%s) matched %s: %d alert(s) queued", article.id,
                     mask_url(article.origin) or article.source, ", ".join(m.rule for m in matches),
                     len(alerts))
            self._wake([a.target for a in alerts])
            return Result("alerted", article, matches, len(alerts))
        if matches:
            log.info("article %s (%s) matched %s (no target to notify)", article.id,
                     mask_url(article.origin) or article.source, ", ".join(m.rule for m in matches))
            return Result("matched-no-target", article, matches)
        return Result("no-match" if alert else "recorded", article)



class _Batch:
    """Counts a batch's items through the pipeline; calls `done(all_ok)` after the last one."""

    def __init__(self, size: int, done: Done):
        self._left, self._ok, self._done = size, True, done
        if size == 0:
            done(True)

    def step(self, ok: bool) -> None:
        self._left -= 1  # only the pipeline thread steps
        self._ok = self._ok and ok
        if self._left == 0:
            self._done(self._ok)
