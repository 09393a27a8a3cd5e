"""Feed polling: per-feed schedule, backoff, backfill and health.

`FeedPoller` owns one asyncio loop thread (all HTTP) and one process pool
(all parsing), so polling never blocks folder events or deliveries. The
decisions (when next, is it healthy, which entries alert) are pure functions
in feedpolicy.py with the clock passed in; the poller does the I/O around them.

State per feed lives in the source-state store under `feed:<name>`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import concurrent.futures.process
import contextlib
import logging
import multiprocessing
import os
import random
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from monitor.article import RawItem
from monitor.coordination import Coordinator, Rechecks, Solo
from monitor.redact import mask_text, mask_url
from monitor.settings import Config
from monitor.settings.feeds import FeedConfig
from monitor.settings.types import format_duration
from monitor.sources.base import Sink
from monitor.sources.feedparse import ParsedFeed, parse_feed
from monitor.sources.feedpolicy import backfill_alerts, clamp_future, health_step, hold_until, parse_time
from monitor.sources.fetch import Fetcher, FetchResult
from monitor.sources.workerguard import die_with_parent
from monitor.store.base import SourceStateStore

log = logging.getLogger("monitor.feeds")

STATE_PREFIX = "feed:"
PARSE_TIMEOUT = 60.0  # seconds one feed may take to parse
RECENT_KEYS = 3000  # entry keys remembered per feed (to count and skip known entries)
# States of feeds polled within this window share one transaction: each commit is an fsync,
# which cost more CPU than the rest of a 304 poll. Only delays the write, never reorders it.
SAVE_LINGER = 0.2  # seconds
Submit = Sink  # (items, alert, done): `done(ok)` once all went through, `ok` if all were recorded
HAND_OVER_WAIT = 60.0  # seconds a poll waits for the pipeline to record its new entries
Notify = Callable[[Sequence[str], str, str, str], None]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def state_key(feed_name: str) -> str:
    return STATE_PREFIX + feed_name


# --- the poller --------------------------------------------------------------------------------


class FeedPoller:
    def __init__(
        self,
        config: Config,
        sources: SourceStateStore,
        submit: Submit,
        notify: Notify,
        clock: Callable[[], datetime],
        coord: Coordinator | None = None,
    ) -> None:
        self.config = config
        self.coord: Coordinator = coord or Solo()
        self.sources = sources
        self.submit = submit
        self.notify = notify
        self.clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._fetcher: Fetcher | None = None
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._io = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="feed-io")
        self._in_flight: set[str] = set()
        self._moved_logged: set[str] = set()
        self._rechecks = Rechecks()  # when to look at another instance's feeds next
        # Group commit of feed states: saves queued while a write runs share the next one.
        self._unsaved: dict[str, dict[str, Any]] = {}
        self._save_waiters: list[asyncio.Future[None]] = []
        self._writer: asyncio.Task[None] | None = None
        self._lock = threading.Lock()
        self._closed = False

    # -- lifecycle

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RuntimeError("FeedPoller is closed")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=loop.run_forever, name="feed-poll", daemon=True)
                self._thread.start()
                self._loop = loop
            return self._loop

    def _parse_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: this process has threads (scheduler, loop, watchdog).
                # Workers exit when this process dies, even by kill -9 (workerguard.py).
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    self.config.fetch.parse_workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=die_with_parent, initargs=(os.getpid(),),
                )
            return self._pool

    def _reset_pool(self, pool: concurrent.futures.ProcessPoolExecutor, kill: bool) -> None:
        with self._lock:
            if self._pool is not pool:
                return  # another feed already replaced it
            self._pool = None
        if kill:
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            loop, thread = self._loop, self._thread
            self._loop = None
        if loop is not None:
            fut = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
                fut.result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=5)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._io.shutdown(wait=False, cancel_futures=True)

    async def _shutdown(self) -> None:
        """Cancel polls in flight (a reload or stop must not wait for a slow feed), close HTTP."""
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._unsaved:  # states of polls that finished but were not written yet
            batch, self._unsaved = self._unsaved, {}
            try:
                await self._run_io(self._put_many, batch)
            except Exception:
                log.exception("could not save the state of %d feed(s)", len(batch))
        if self._fetcher is not None:
            await self._fetcher.aclose()

    # -- as a `monitor.sources.base.Source`

    def run_once(self) -> None:
        self.poll_all()

    def start(self, scheduler: Any) -> None:
        self.schedule(scheduler)

    # -- scheduling

    def schedule(self, scheduler: Any) -> None:
        """(Re)create one interval job per enabled feed; drop jobs of feeds no longer configured."""
        wanted = {f"feed:{f.name}": f for f in self.config.feeds if f.enabled}
        for job in scheduler.get_jobs():
            if job.id.startswith("feed:") and job.id not in wanted:
                job.remove()
        jitter_cap = self.config.fetch.jitter.total_seconds()
        start = datetime.now(self.clock().tzinfo)
        for job_id, feed in wanted.items():
            seconds = feed.interval.total_seconds()
            # First polls spread over a few seconds, not 1,000 requests in one instant.
            first = start + timedelta(seconds=random.uniform(0, min(jitter_cap, seconds / 4, 10.0)))
            scheduler.add_job(
                self._job,
                "interval",
                seconds=seconds,
                jitter=min(jitter_cap, seconds / 4) or None,
                args=[feed.name],
                id=job_id,
                name=f"poll feed {feed.name}",
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                next_run_time=first,
            )

    def _job(self, name: str) -> None:
        feed = next((f for f in self.config.feeds if f.name == name), None)
        if feed is None or self._closed:
            return  # a job of a poller replaced by a reload, firing once more
        loop = self._ensure_loop()
        fut = asyncio.run_coroutine_threadsafe(self._poll(feed, force=False), loop)
        fut.add_done_callback(_log_crash)

    def poll_all(self) -> None:
        """Poll every enabled feed once, now, and return when all are submitted."""
        feeds = [f for f in self.config.feeds if f.enabled]
        if not feeds:
            return
        loop = self._ensure_loop()

        async def everything() -> None:
            # One read of every feed's state instead of one round trip per feed.
            states = await self._run_io(self.sources.all, STATE_PREFIX)
            await asyncio.gather(
                *(self._poll(f, force=True, state=states.get(state_key(f.name))) for f in feeds)
            )

        asyncio.run_coroutine_threadsafe(everything(), loop).result()

    # -- one poll

    async def _poll(self, feed: FeedConfig, *, force: bool, state: dict[str, Any] | None = None) -> None:
        if feed.name in self._in_flight:
            return
        self._in_flight.add(feed.name)
        try:
            await self._poll_inner(feed, force, state)
        except Exception:
            log.exception("feed %s: poll crashed", feed.name)
        finally:
            self._in_flight.discard(feed.name)

    async def _run_io(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    async def _poll_inner(self, feed: FeedConfig, force: bool, loaded: dict[str, Any] | None) -> None:
        if not self.coord.shared:
            return await self._poll_held(feed, force, loaded)
        # Several instances: the lease holder polls, and only if nobody polled it this interval.
        lease = f"feed:{feed.name}"
        if not force and not self.coord.owns(lease) and not await self._overdue_elsewhere(feed):
            return  # another live instance's share (no round trip: hashing, not a query)
        # The instance's lease ttl, renewed by its heartbeat while the poll runs: a dead
        # instance's feeds are free again after `lease_ttl`, not after a fetch timeout.
        if not await self._run_io(self.coord.hold, lease):
            return
        try:
            fresh = await self._run_io(self.sources.get, state_key(feed.name))
            last = parse_time((fresh or {}).get("last_attempt"))
            slack = timedelta(seconds=1) + self.config.fetch.jitter
            if not force and last is not None and self.clock() < last + feed.interval - slack:
                return  # polled by another instance this interval
            await self._poll_held(feed, force, fresh)
        finally:
            await self._run_io(self.coord.release, lease)

    async def _overdue_elsewhere(self, feed: FeedConfig) -> bool:
        """Another instance's feed, checked now and then (every 5 intervals, at least every
        2 lease ttls): True if it is long overdue there, so this instance polls it. That
        instance may run a config without this feed, or have a stuck poller. "Long" is 10
        intervals + 2 ttls: instances that are merely behind (more feeds than they can poll)
        must not start polling each other's shares, which would only add to the load."""
        now, interval, ttl = self.clock(), feed.interval, self.coord.ttl
        if not self._rechecks.due(feed.name, now, max(interval * 5, ttl * 2)):
            return False
        state = await self._run_io(self.sources.get, state_key(feed.name)) or {}
        due = parse_time(state.get("last_attempt"))
        if due is not None:
            due = max(due + interval, parse_time(state.get("hold_until")) or due)
        if due is not None and now <= due + interval * 9 + ttl * 2:
            return False
        log.warning("feed %s: not polled by the instance it falls to (last poll %s); polling it here",
                    feed.name, state.get("last_attempt") or "never")
        return True

    async def _poll_held(self, feed: FeedConfig, force: bool, loaded: dict[str, Any] | None) -> None:
        key = state_key(feed.name)
        if loaded is None:
            loaded = await self._run_io(self.sources.get, key)
        state: dict[str, Any] = dict(loaded or {})
        shown_url = mask_url(feed.url)  # the state is shown by `status`: never a token in it
        if state.get("url") not in (shown_url, feed.url):  # (older states hold the raw URL)
            state = {}  # a new feed, or its URL changed: start over
        state["url"] = shown_url
        now = self.clock()
        hold = parse_time(state.get("hold_until"))
        # Scheduled polls respect backoff/ttl/skipHours; `poll_all` only an explicit Retry-After.
        limit = hold if not force else parse_time(state.get("retry_until"))
        # A scheduled tick may come up to `jitter` early; it should not cost a whole interval.
        slack = timedelta(seconds=1) + (timedelta(0) if force else self.config.fetch.jitter)
        if limit is not None and now < limit - slack:
            if force:
                log.info("feed %s: skipped, server asked to wait until %s", feed.name, limit.isoformat())
            return
        if self._fetcher is None:
            self._fetcher = Fetcher(self.config.fetch)
        allow = feed.allow_private if feed.allow_private is not None else self.config.fetch.allow_private
        result = await self._fetcher.fetch(
            feed.url,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            headers=feed.headers,
            auth=(feed.auth.username, feed.auth.password) if feed.auth else None,
            allow_private=allow,
        )
        now = self.clock()
        state["last_attempt"] = _iso(now)
        state["last_status"] = result.status
        parsed: ParsedFeed | None = None
        error, kind = result.error, str(result.kind)
        if result.outcome == "ok":
            parsed, error, kind = await self._parse(feed, result, state.get("recent") or ())
        moved_to = mask_url(result.moved_to) if result.moved_to else None
        if moved_to and (
            moved_to != state.get("moved_to") or feed.name not in self._moved_logged
        ):
            self._moved_logged.add(feed.name)  # once per run, and again when the target changes
            log.warning(
                "feed %s: moved permanently (HTTP 301/308) to %s; update its url in the config",
                feed.name, moved_to,
            )  # fmt: skip
        state["moved_to"] = moved_to
        if error:
            self._failed(feed, state, result, error, kind, now)
        else:
            await self._succeeded(feed, state, result, parsed, now)
        await self._health(feed, state, now)
        # After `submit`: a crash before this write re-fetches the entries (the seen-store
        # dedupes them), never forgets them.
        await self._save(key, state)

    # -- state writes

    async def _save(self, key: str, state: dict[str, Any]) -> None:
        """Return once `state` is committed, sharing one transaction with concurrent saves."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unsaved[key] = state
        self._save_waiters.append(done)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_states())
        await done

    async def _write_states(self) -> None:
        try:
            await asyncio.sleep(SAVE_LINGER)
            while self._unsaved:
                batch, waiters = self._unsaved, self._save_waiters
                self._unsaved, self._save_waiters = {}, []
                try:
                    await self._run_io(self._put_many, batch)
                except Exception as exc:
                    for w in waiters:
                        if not w.done():
                            w.set_exception(exc)
                else:
                    for w in waiters:
                        if not w.done():
                            w.set_result(None)
        finally:
            self._writer = None

    def _put_many(self, batch: dict[str, dict[str, Any]]) -> None:
        put_many = getattr(self.sources, "put_many", None)
        if put_many is not None:
            put_many(batch)  # one transaction, one commit
            return
        for key, state in batch.items():
            self.sources.put(key, state)

    async def _parse(
        self, feed: FeedConfig, result: FetchResult, known: Iterable[str] = ()
    ) -> tuple[ParsedFeed | None, str, str]:
        """(feed, error, error kind): "not a feed" is permanent, a parser crash transient."""
        loop = asyncio.get_running_loop()
        pool = self._parse_pool()
        try:
            async with asyncio.timeout(PARSE_TIMEOUT):  # no extra task per parse, unlike wait_for
                parsed: ParsedFeed = await loop.run_in_executor(
                    pool, parse_feed, result.body, result.headers, result.url, feed.name,
                    tuple(feed.tags), frozenset(known), self.config.fetch.max_items,
                )  # fmt: skip
        except TimeoutError:
            # A worker stuck on hostile input cannot be interrupted: replace the pool.
            self._reset_pool(pool, kill=True)
            return None, f"parsing took longer than {PARSE_TIMEOUT:g}s; gave up", "transient"
        except concurrent.futures.process.BrokenProcessPool:
            self._reset_pool(pool, kill=False)
            return None, "a parsing process died; the pool was restarted", "transient"
        except Exception as exc:  # a worker crash must not take the poller down
            return None, f"parser failed: {type(exc).__name__}: {str(exc)[:200]}", "transient"
        if parsed.error:
            return None, parsed.error, "permanent"
        if parsed.warning:
            log.info("feed %s: %s", feed.name, parsed.warning)
        if parsed.cut_from:
            log.warning(
                "feed %s: %d entries, only the newest %d read; raise [fetch] max_items to read more",
                feed.name, parsed.cut_from, self.config.fetch.max_items,
            )  # fmt: skip
        return parsed, "", ""

    def _failed(
        self, feed: FeedConfig, state: dict[str, Any], result: FetchResult, error: str, kind: str,
        now: datetime,
    ) -> None:  # fmt: skip
        failures = int(state.get("failures", 0)) + 1
        state.update(failures=failures, last_error=mask_text(error), error_kind=kind)
        hold, _why = hold_until(
            now, feed.interval, failures=failures, max_backoff=self.config.fetch.max_backoff,
            retry_after=result.retry_after,
        )  # fmt: skip
        nxt = hold or now + feed.interval
        state["hold_until"] = _iso(hold)
        state["next_poll"] = _iso(nxt)
        retry = now + timedelta(seconds=result.retry_after) if result.retry_after else None
        state["retry_until"] = _iso(retry)
        label = {"permanent": "permanent error: ", "refused": "refused: "}.get(kind, "error: ")
        if error.startswith(label[:7]):
            label = ""  # "refused: refused to connect..." says it twice
        status = f" (HTTP {result.status})" if result.status and "HTTP" not in error else ""
        log.warning(
            "feed %s: %s%s%s; %d failure(s) in a row, next try in %s",
            feed.name, label, error, status, failures, format_duration(_round(nxt - now)),
        )  # fmt: skip

    async def _succeeded(
        self, feed: FeedConfig, state: dict[str, Any], result: FetchResult,
        parsed: ParsedFeed | None, now: datetime,
    ) -> None:  # fmt: skip
        if result.outcome == "ok":
            state["etag"] = result.etag
            state["last_modified"] = result.last_modified
        elif result.etag or result.last_modified:  # a 304 may refresh the validators
            state["etag"] = result.etag or state.get("etag")
            state["last_modified"] = result.last_modified or state.get("last_modified")
        new: list[RawItem] = []
        if parsed is not None:
            state["format"] = parsed.format
            state["title"] = parsed.title
            state["ttl"] = parsed.ttl_minutes
            state["skip_hours"] = list(parsed.skip_hours)
            state["items_total"] = len(parsed.keys)
            recent: list[str] = list(state.get("recent") or [])
            known = set(recent)
            state_known = frozenset(recent)
            # Remembered per entry: its key and its text (`entry_version`), so an edited entry
            # is new again and the pipeline re-matches it as an update.
            version_of = dict(zip(parsed.keys, parsed.versions, strict=True))
            for h in parsed.versions:
                if h not in known:
                    known.add(h)
                    recent.append(h)
            new = clamp_future(
                [item for item in parsed.entries if version_of.get(item.key) not in state_known], now
            )
            first = not state.get("initialised")
            if first:
                alert, quiet = backfill_alerts(new, feed.backfill, now)
            else:
                alert, quiet = new, []
            handed_over = not (quiet or alert) or await self._hand_over(feed, quiet, alert)
            # Enough to cover what the feed lists, with room for entries that drop out and
            # come back; the pipeline's seen-store is the real dedupe behind this.
            # At least every key the feed lists, however long (`max_items`): a key forgotten
            # here is counted as new at every poll.
            cap = max(RECENT_KEYS, 2 * self.config.fetch.max_items)
            if not handed_over:
                # Not all recorded (an internal error, or another instance holds one of them
                # right now): forget this round's keys and validators, so the next poll gets the
                # whole feed and offers them again; the seen-store drops what was recorded.
                recent = list(state_known)
                state["etag"] = state["last_modified"] = None
            state["recent"] = recent[-min(cap, max(200, 3 * len(parsed.keys))) :]
            state["initialised"] = True
            state.setdefault("first_success", _iso(now))
            if first and quiet:
                log.info(
                    "feed %s: first poll, %d existing entries recorded without alerts (backfill=%s)",
                    feed.name, len(quiet), feed.backfill,
                )  # fmt: skip
        state["items_new"] = len(new)
        state["items_seen_total"] = int(state.get("items_seen_total", 0)) + len(new)
        if new:
            state["last_new"] = _iso(now)
        state.update(failures=0, last_error="", error_kind="", last_success=_iso(now), retry_until=None)
        ttl = state.get("ttl") if isinstance(state.get("ttl"), int) else None
        hold, why = hold_until(
            now, feed.interval, ttl_minutes=ttl, skip_hours=state.get("skip_hours") or (),
        )  # fmt: skip
        state["hold_until"] = _iso(hold)
        state["next_poll"] = _iso(hold or now + feed.interval)
        log.debug(
            "feed %s: %s, %d new entries; next poll %s (%s)",
            feed.name, "not modified" if result.outcome == "not_modified" else "fetched",
            len(new), state["next_poll"], why,
        )  # fmt: skip

    async def _hand_over(self, feed: FeedConfig, quiet: Sequence[RawItem], alert: Sequence[RawItem]) -> bool:
        """Submit the new entries and wait until the pipeline recorded them, so the feed state
        (which marks them known) is never saved ahead of them: a crash re-fetches, never loses.
        False if they were not all recorded in time."""
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[bool] = loop.create_future()
        left = [int(bool(quiet)) + int(bool(alert))]

        def one_done(ok: bool) -> None:  # from the pipeline thread
            def step() -> None:
                left[0] -= 1
                if not finished.done() and (not ok or left[0] == 0):
                    finished.set_result(ok)

            loop.call_soon_threadsafe(step)

        def submit_both() -> None:  # one thread hop; the quiet backfill first
            if quiet:
                self.submit(quiet, False, one_done)
            if alert:
                self.submit(alert, True, one_done)

        await self._run_io(submit_both)
        wait = max(HAND_OVER_WAIT, feed.interval.total_seconds())
        try:
            if await asyncio.wait_for(finished, wait):
                return True
            log.info("feed %s: not every new entry was recorded here (another instance has one, or an "
                     "error was logged); they are offered again at the next poll", feed.name)
        except TimeoutError:
            log.info("feed %s: %d new entr(y/ies) not all recorded within %d s; offered again at the "
                     "next poll", feed.name, len(quiet) + len(alert), int(wait))
        return False

    async def _health(self, feed: FeedConfig, state: dict[str, Any], now: datetime) -> None:
        silent_after = feed.silent_after or self.config.health.silent_after
        health, event = health_step(
            feed.name, state, threshold=self.config.health.failures, silent_after=silent_after, now=now
        )
        if event is not None:
            if event.kind == "recovered":
                since = state.get("health_since") or ""
            else:
                since = _iso(now) or ""
                state["health_since"] = since
            level = logging.INFO if event.kind == "recovered" else logging.WARNING
            log.log(level, "feed %s: health %s: %s", feed.name, event.kind, event.body)
            targets = self.config.health.notify
            if targets:
                dedupe = f"feed-health:{feed.name}:{event.kind}:{since}"
                try:
                    await self._run_io(self.notify, targets, event.title, event.body, dedupe)
                except Exception:
                    log.exception("feed %s: could not send the health alert", feed.name)
        state["health"] = health


def _round(delta: timedelta) -> timedelta:
    return timedelta(seconds=max(0, round(delta.total_seconds())))


def _log_crash(fut: concurrent.futures.Future[None]) -> None:
    if fut.cancelled():  # polls in flight when the daemon stops
        return
    exc = fut.exception()
    if exc is not None:
        log.error("feed poll crashed: %s", exc)
