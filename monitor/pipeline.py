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
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from monitor.alerts.route import RecentSends, plan_alerts
from monitor.article import Article, RawItem, normalise
from monitor.coordination import Coordinator, Solo
from monitor.match.engine import Matcher
from monitor.match.types import Match
from monitor.redact import mask_url
from monitor.settings.folders import FolderConfig
from monitor.settings.models import Config
from monitor.sources.files import SkipFile, read_article_file
from monitor.sources.folders import file_key
from monitor.store.base import NewAlert
from monitor.store.sql import Store

log = logging.getLogger(__name__)
ARTICLE_LEASE = timedelta(minutes=2)  # longer than matching and recording one article takes

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
        self._queue: queue.Queue[tuple[str, object, bool] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._busy = 0

    # -- configuration swap (reload) ----------------------------------
    def swap(self, config: Config, matcher: Matcher) -> None:
        """New rules take effect for the next item; items are never half-matched."""
        self.config, self.matcher = config, matcher

    # -- intake (any thread) -------------------------------------------
    def submit(self, items: Sequence[RawItem], alert: bool = True) -> None:
        for item in items:
            self._put(("raw", item, alert))

    def submit_file(self, folder: FolderConfig, path: Path) -> None:
        self._put(("file", (folder, path), True))

    def _put(self, entry: tuple[str, object, bool]) -> None:
        with self._idle:
            self._busy += 1
        self._queue.put(entry)

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
            kind, payload, alert = entry
            try:
                if kind == "file":
                    assert isinstance(payload, tuple)
                    self.process_file(payload[0], payload[1])
                else:
                    self.process(payload, alert)  # type: ignore[arg-type]
            except Exception:
                log.exception("internal error while processing %s; the item is skipped", payload)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    # -- the stages (intake thread, or directly in `--once` and tests) --
    def process_file(self, folder: FolderConfig, path: Path) -> Result:
        key = file_key(folder, path)
        from monitor.article import article_id

        if self.store.is_seen(article_id(folder.source_name, key)):
            log.debug("already processed: %s", path)
            return Result("seen")
        # A file skipped before and unchanged since is not read (or warned about) again
        # at each start; once it changes (fixed, or finished writing) it is read anew.
        skip_key = f"skipped:{folder.source_name}:{key}"
        stamp = _stamp(path)
        before = self.store.sources.get(skip_key)
        if before is not None and stamp is not None and before.get("stamp") == list(stamp):
            log.debug("still skipped (unchanged): %s: %s", path, before.get("reason"))
            return Result("skipped")
        try:
            raw = read_article_file(path, folder.source_name, folder.max_bytes, key=key, tags=folder.tags)
        except SkipFile as skip:
            log.warning("skipped file %s: %s", path, skip.reason)
            if stamp is not None:
                self.store.sources.put(skip_key, {"stamp": list(stamp), "reason": skip.reason})
            return Result("skipped")
        return self.process(raw)

    def process(self, raw: RawItem, alert: bool = True) -> Result:
        article = normalise(raw, self._clock())
        if self.store.is_seen(article.id, article.content_hash):
            log.debug("already seen: %s from %s", article.id, article.source)
            return Result("seen", article)
        # Instances sharing a database: the one holding the article's lease matches it.
        lease = f"article:{article.id}"
        if not self.coord.hold(lease, ARTICLE_LEASE):
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


def _stamp(path: Path) -> tuple[int, int] | None:
    """Size and mtime (ns) of a file: what tells a changed file from an unchanged one."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns
