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

from monitor.alerts.policy import HOUR
from monitor.alerts.route import STORY_REASON, AlertContext, Plan, Skipped, plan_alerts
from monitor.article import Article, RawItem, normalise
from monitor.coordination import Coordinator, Solo
from monitor.identity import Identity, Prior, decide_identity
from monitor.match.engine import Matcher
from monitor.match.types import Match
from monitor.redact import mask_url
from monitor.settings.models import Config
from monitor.settings.rules import RuleConfig
from monitor.settings.types import format_duration
from monitor.sources.base import Done
from monitor.store.base import StoryWrite
from monitor.store.sql import Store
from monitor.stories import StoryDecision, StoryStage, to_bytes

log = logging.getLogger(__name__)

Outcome = Literal["alerted", "matched-no-target", "no-match", "recorded", "seen", "duplicate",
                  "skipped", "copy", "update-ignored", "claimed"]


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    article: Article | None = None
    matches: tuple[Match, ...] = ()
    alerts: int = 0
    story: StoryDecision | None = None
    skipped: tuple[Skipped, ...] = ()  # (rule, target) left out: already alerted on the article/story


def build_alerts(article: Article, matches: Sequence[Match], config: Config, now: datetime,
                 context: AlertContext) -> Plan:
    """One alert per target naming every rule that matched for it, sent now or held
    under the rules' policy (digest, quiet hours, throttle): `monitor.alerts.route`."""
    return plan_alerts(article, matches, config.rules, config.alerts, now, context)


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
        self.stories = StoryStage(config.stories, store, clock(), shared=self.coord.shared)
        self._on_update = config.on_update_by_source()

    # -- configuration swap (reload) ----------------------------------
    def swap(self, config: Config, matcher: Matcher) -> None:
        """New rules take effect for the next item; items are never half-matched."""
        self.config, self.matcher = config, matcher
        self._on_update = config.on_update_by_source()
        self.stories.configure(config.stories, self._clock())

    # -- intake (any thread) -------------------------------------------
    def submit(self, items: Sequence[RawItem], alert: bool = True, done: Done | None = None) -> None:
        """Queue `items`; `done(ok)` runs after the last one went through, `ok` if none hit an
        error or was left to another instance (`monitor.sources.base.Sink`)."""
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
        now = self._clock()
        article = normalise(raw, now)
        identity = self._identity(article, now)
        if identity.action == "seen":
            log.debug("already seen: %s from %s", article.id, article.source)
            return Result("seen", article)
        # Instances sharing a database: the one holding the article's lease decides and records it.
        lease = f"article:{article.id}"
        if not self.coord.hold(lease):
            log.debug("article %s is being handled by another instance", article.id)
            return Result("claimed", article)
        try:
            return self._decide_and_record(article, identity, alert, now)
        finally:
            self.coord.release(lease)

    def _decide_and_record(self, article: Article, identity: Identity, alert: bool, now: datetime) -> Result:
        where = mask_url(article.origin) or article.source
        if identity.action == "update-ignored":
            log.info("article %s (%s) was updated; not re-matched (on_update = \"ignore\")",
                     article.id, where)
            self.store.update_content(article, now)
            return Result("update-ignored", article)
        if identity.action == "copy":
            return self._record_copy(article, identity, now, where)
        matches = tuple(self.matcher.match(article)) if alert else ()
        story, sig = self.stories.place(article, identity, now, matched=bool(matches))
        plan = Plan()
        if matches:
            context = self._context(article, matches, identity, story, now)
            plan = build_alerts(article, matches, self.config, now, context)
        update = identity.action == "update"
        alerted = identity.alerted_before | set(plan.rules_alerted)
        write = StoryWrite(story.story_id, to_bytes(sig) if sig is not None else None, story.story_at)
        if not self.store.record(article, plan.alerts, now, rules=[m.rule for m in matches],
                                 alerted=sorted(alerted), story=write, update=update):
            return Result("duplicate", article)
        self.stories.added(article.id, story, sig, now)
        self._log_story(article, identity, story, plan, where)
        fresh = [a for a in plan.alerts if a.reason != STORY_REASON]
        outcome: Outcome = ("alerted" if fresh else "matched-no-target" if matches else
                            "no-match" if alert else "recorded")
        result = Result(outcome, article, matches, len(fresh), story, plan.skipped)
        if fresh:
            log.info("article %s (%s) matched %s: %d alert(s) queued", article.id, where,
                     ", ".join(m.rule for m in matches), len(fresh))
            self._wake([a.target for a in fresh])
        elif matches:
            log.info("article %s (%s) matched %s (%s)", article.id, where, ", ".join(m.rule for m in matches),
                     "already alerted" if plan.skipped else "no target to notify")
        return result

    # -- the dedupe stage: identity, then stories ------------------------
    def _identity(self, article: Article, now: datetime) -> Identity:
        known = self.store.seen_row(article.id)
        copy = None
        if known is None and self.config.content_window:
            copy = self.store.content_copy(article.content_hash, now - self.config.content_window, article.id)
        on_update = self._on_update.get(article.source, self.config.on_update)
        return decide_identity(article, Prior(known, copy), on_update)

    def _record_copy(self, article: Article, identity: Identity, now: datetime, where: str) -> Result:
        original = identity.known
        assert original is not None
        story = original.story_id or original.id
        log.info("article %s (%s) has the same text as %s (%s), recorded %s: merged, no alert "
                 "(content_window %s)", article.id, where, original.id,
                 mask_url(original.url) or original.source,
                 (original.content_at or original.first_seen).isoformat(timespec="seconds"),
                 format_duration(self.config.content_window))
        if not self.store.record(article, [], now, story=StoryWrite(story), content_at=original.content_at):
            return Result("duplicate", article)
        return Result("copy", article, story=StoryDecision(story, "copy", original.id, 1.0))

    def _context(self, article: Article, matches: Sequence[Match], identity: Identity,
                 story: StoryDecision, now: datetime) -> AlertContext:
        """Everything `plan_alerts` needs from the store, read in one place before deciding."""
        by_name = {r.name: r for r in self.config.rules}
        targets = list(dict.fromkeys(t for m in matches if m.rule in by_name for t in by_name[m.rule].notify))
        throttled = [t for m in matches if m.rule in by_name and by_name[m.rule].max_per_hour is not None
                     for t in by_name[m.rule].notify]
        need_sends = bool(throttled) or self.config.alerts.max_per_hour is not None
        return AlertContext(
            sends=self.store.sends_since(targets, now - HOUR) if need_sends else {},
            article_alerted=identity.alerted_before,
            story_id=story.story_id,
            # A story begun by this very article has alerted nothing yet: no need to ask.
            story_alerted=self._story_alerted(story, identity, by_name),
            version=article.content_hash if identity.action == "update" else "",
        )

    def _story_alerted(self, story: StoryDecision, identity: Identity,
                       by_name: dict[str, RuleConfig]) -> frozenset[tuple[str, str]]:
        """(rule, target) pairs the story already alerted: a rule alerts all its targets at
        once, so the rules its articles alerted (their seen rows) say it all."""
        # A story begun by this very article has alerted nothing yet: no need to ask.
        joined = story.reason == "near-duplicate" or identity.action == "update"
        if not self.config.stories.enabled or not joined:
            return frozenset()
        rules = self.store.story_alerted(story.story_id)
        return frozenset((r, t) for r in rules if r in by_name for t in by_name[r].notify)

    def _log_story(self, article: Article, identity: Identity, story: StoryDecision, plan: Plan,
                   where: str) -> None:
        if identity.action == "update":
            assert identity.known is not None
            log.info("article %s (%s) was updated: re-matched; rules that alerted before (%s) do not "
                     "alert again", article.id, where, ", ".join(sorted(identity.known.alerted)) or "none")
        elif story.reason == "near-duplicate":
            log.info("article %s (%s) joins story %s: near-duplicate of %s (similarity %.2f)", article.id,
                     where, story.story_id, story.joined, story.similarity)
        for skip in plan.skipped:
            log.info("article %s: rule %s already alerted %s for this %s; %s", article.id, skip.rule,
                     skip.target, "article" if skip.reason == "already-alerted-article" else "story",
                     "recorded" if skip.reason == "already-alerted-article"
                     else "listed as \"also reported by\" in its next digest")



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
