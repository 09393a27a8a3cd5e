"""FeedPoller against a real HTTP server on 127.0.0.1 and a real SQLite state file."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.article import RawItem, article_id
from monitor.settings import Config
from monitor.sources.feedpolicy import (
    backfill_alerts,
    backoff,
    health_step,
    hold_until,
    skip_hours_delay,
)
from monitor.sources.feeds import FeedPoller, state_key
from monitor.store import open_store

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "feeds"))
from feedserver import (
    FeedServer,
    big_route,
    feed_route,
    fixture,
    gzip_bomb_route,
    redirect_route,
    rss,
    status_route,
    trickle_route,
)

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Recorder:
    def __init__(self) -> None:
        self.submits: list[tuple[list[RawItem], bool]] = []
        self.notices: list[tuple[tuple[str, ...], str, str, str]] = []

    def submit(self, items: Sequence[RawItem], alert: bool,
               done: Callable[[bool], None] | None = None) -> None:
        self.submits.append((list(items), alert))
        if done is not None:
            done(True)  # recorded at once, as a pipeline would after recording them

    def notify(self, targets: Sequence[str], title: str, body: str, key: str) -> None:
        self.notices.append((tuple(targets), title, body, key))

    def alerted(self) -> list[str]:
        return [i.key for items, alert in self.submits if alert for i in items]

    def quiet(self) -> list[str]:
        return [i.key for items, alert in self.submits if not alert for i in items]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    s = open_store(tmp_path / "state")
    yield s
    s.close()


def make_config(feeds: list[dict[str, Any]], **extra: Any) -> Config:
    fetch = {"allow_private": True, "timeout": "2s", "max_bytes": 1_000_000, **extra.pop("fetch", {})}
    return Config.model_validate({"feeds": feeds, "fetch": fetch, **extra})


def poller(config: Config, store: Any, rec: Recorder, clock: Clock | None = None) -> FeedPoller:
    return FeedPoller(config, store.sources, rec.submit, rec.notify, clock or Clock())


FORMATS = [
    ("rss20", "rss20.xml", "application/rss+xml"),
    ("atom", "atom.xml", "application/atom+xml"),
    ("rdf", "rss10.rdf", "application/rdf+xml"),
    ("json", "jsonfeed.json", "application/feed+json"),
    ("latin", "latin1.xml", "application/rss+xml; charset=iso-8859-1"),
    ("broken", "malformed.xml", "text/xml"),
]


def test_items_and_ids_for_each_format(server: FeedServer, store: Any) -> None:
    for name, file, ctype in FORMATS:
        server.routes[f"/{name}"] = feed_route(fixture(file), ctype)
    feeds = [{"name": n, "url": server.url(f"/{n}"), "backfill": "all"} for n, _, _ in FORMATS]
    rec = Recorder()
    p = poller(make_config(feeds), store, rec)
    try:
        p.poll_all()
    finally:
        p.close()
    by_source: dict[str, list[RawItem]] = {}
    for items, alert in rec.submits:
        assert alert  # backfill = "all"
        for item in items:
            by_source.setdefault(item.source, []).append(item)
    keys = {s: [i.key for i in items] for s, items in by_source.items()}
    assert keys["rss20"][:2] == [
        "urn:news-example:4411", "https://news.example.org/2022/09/balakliia?id=7#comments"]
    assert keys["atom"] == ["tag:wire.example.com,2022:entry-1", "tag:wire.example.com,2022:entry-2"]
    assert keys["rdf"] == ["https://rdf.example.net/a", "https://rdf.example.net/b"]
    assert keys["json"][:2] == ["2347259", "42"]
    assert keys["latin"] == ["latin-1"] and by_source["latin"][0].title == "Crème brûlée à Paris"
    assert keys["broken"] == ["broken-1", "broken-2"]
    assert all(i.kind == "feed" for items in by_source.values() for i in items)
    state = store.sources.get(state_key("atom"))
    assert state["format"] == "atom10" and state["items_total"] == 2 and state["last_status"] == 200
    assert article_id("rss20", "urn:news-example:4411") == article_id("rss20", keys["rss20"][0])


def test_backfill_none_then_304_then_one_new_then_edit(server: FeedServer, store: Any) -> None:
    stage = {"items": [("a1", "Old report")]}
    server.routes["/f"] = feed_route(lambda: rss(stage["items"]))
    config = make_config([{"name": "local", "url": server.url("/f")}])
    rec = Recorder()
    for step in range(4):
        if step == 2:
            stage["items"] = [("b2", "New report"), ("a1", "Old report")]
        if step == 3:
            stage["items"] = [("b2", "New report (updated)"), ("a1", "Old report")]
        p = poller(config, store, rec)  # a new poller each time, as `run --once` does
        try:
            p.poll_all()
        finally:
            p.close()
    statuses = [h.headers.get("if-none-match") is not None for h in server.hits]
    assert statuses == [False, True, True, True]
    assert rec.quiet() == ["a1"]  # first poll: recorded, no alert
    # The new entry, then its edited text (same key): both are handed to the pipeline, which
    # re-matches the edit as an update and alerts only rules new to it (tests/test_identity.py).
    assert rec.alerted() == ["b2", "b2"]
    assert [i.title for items, alert in rec.submits if alert for i in items] == [
        "New report", "New report (updated)"]
    state = store.sources.get(state_key("local"))
    assert state["failures"] == 0 and state["items_seen_total"] == 3


def test_backfill_24h_alerts_only_fresh_entries() -> None:
    now = T0
    fresh = RawItem("s", "fresh", published=now - timedelta(hours=2))
    old = RawItem("s", "old", published=now - timedelta(days=3))
    undated = RawItem("s", "undated")
    alert, quiet = backfill_alerts([fresh, old, undated], "24h", now)
    assert [i.key for i in alert] == ["fresh"] and [i.key for i in quiet] == ["old", "undated"]
    assert backfill_alerts([fresh], "all", now) == ([fresh], [])
    assert backfill_alerts([fresh], "none", now) == ([], [fresh])


BAD = {
    "slow": (trickle_route(seconds=10, every=0.1), "timed out after 2s in total"),
    "big": (big_route(5_000_000), "larger than 1000000 bytes"),
    "bomb": (gzip_bomb_route(32 * 1024 * 1024), "after decompression"),
    "loop": (redirect_route("/loop"), "redirect loop"),
    "err500": (status_route(500), "HTTP 500"),
    "garbage": (feed_route(b"\x00\x01garbage\xff" * 50, "application/octet-stream"), "not a feed"),
}


def test_each_failure_gives_one_clear_line_and_a_backoff(
    server: FeedServer, store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    for name, (route, _) in BAD.items():
        server.routes[f"/{name}"] = route
    server.routes["/good"] = feed_route(rss([("g1", "Good")]))
    feeds = [{"name": n, "url": server.url(f"/{n}"), "interval": "10m"} for n in [*BAD, "good"]]
    rec = Recorder()
    clock = Clock()
    p = poller(make_config(feeds), store, rec, clock)
    caplog.set_level(logging.INFO)
    started = time.monotonic()
    try:
        p.poll_all()
    finally:
        p.close()
    assert time.monotonic() - started < 6  # the slow feed did not serialise the others
    assert rec.quiet() == ["g1"]  # the good feed was polled
    for name, (_, expected) in BAD.items():
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"feed {name}:")]
        assert len(lines) == 1, (name, lines)
        assert expected in lines[0] and "1 failure(s) in a row, next try in 20m" in lines[0]
        state = store.sources.get(state_key(name))
        assert state["failures"] == 1 and state["last_error"]
        assert datetime.fromisoformat(state["hold_until"]) == clock.now + timedelta(minutes=20)
    good = store.sources.get(state_key("good"))
    assert good["failures"] == 0 and good["hold_until"] is None


def test_permanent_errors_and_moved_feed_are_named(
    server: FeedServer, store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server.routes["/gone"] = status_route(410)
    server.routes["/old"] = redirect_route("/new", 301)
    server.routes["/new"] = feed_route(rss([("n1", "x")]))
    server.routes["/html"] = feed_route(b"<html><body>hello</body></html>", "text/html")
    feeds = [
        {"name": "gone", "url": server.url("/gone")},
        {"name": "moved", "url": server.url("/old")},
        {"name": "page", "url": server.url("/html")},
    ]
    caplog.set_level(logging.INFO)
    p = poller(make_config(feeds), store, Recorder())
    try:
        p.poll_all()
    finally:
        p.close()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "feed gone: permanent error: HTTP 410 (gone): check the feed URL" in text
    assert f"feed moved: moved permanently (HTTP 301/308) to {server.url('/new')}" in text
    assert "feed page: permanent error: not a feed" in text


def test_retry_after_is_honoured(server: FeedServer, store: Any) -> None:
    server.routes["/busy"] = status_route(429, {"Retry-After": "7200"})
    clock = Clock()
    rec = Recorder()
    config = make_config([{"name": "busy", "url": server.url("/busy"), "interval": "5m"}])
    p = poller(config, store, rec, clock)
    try:
        p.poll_all()
        state = store.sources.get(state_key("busy"))
        assert datetime.fromisoformat(state["hold_until"]) == T0 + timedelta(hours=2)
        p.poll_all()  # even --once does not ask again before the server said so
        assert len(server.hits) == 1
        clock.now = T0 + timedelta(hours=2, seconds=1)
        p.poll_all()
        assert len(server.hits) == 2
    finally:
        p.close()


def test_health_alert_once_when_failing_and_once_on_recovery(
    server: FeedServer, store: Any, endpoint: Any
) -> None:
    from monitor.alerts.deliver import Sender

    state = {"up": False}

    def flaky(h: Any) -> None:
        if state["up"]:
            feed_route(rss([("x1", "Back")]))(h)
        else:
            status_route(500)(h)

    server.routes["/flaky"] = flaky
    config = make_config(
        [{"name": "flaky", "url": server.url("/flaky")}],
        targets={"ops": [endpoint.url]},
        health={"notify": ["ops"], "failures": 5},
    )
    sender = Sender(config.targets)

    def notify(targets: Sequence[str], title: str, body: str, key: str) -> None:
        for t in targets:
            assert sender.send(t, title, body).ok

    clock = Clock()
    p = FeedPoller(config, store.sources, lambda items, alert, done=None: done and done(True), notify, clock)
    try:
        for i in range(8):
            clock.now = T0 + timedelta(hours=i)
            p.poll_all()
        assert len(endpoint.wait_for(1, timeout=5)) == 1
        time.sleep(0.2)
        assert len(endpoint.received) == 1  # 8 failures, one alert
        assert "flaky" in endpoint.received[0]["title"] and "failing" in endpoint.received[0]["title"]
        assert "HTTP 500" in endpoint.received[0]["message"]
        state["up"] = True
        for i in range(3):
            clock.now = T0 + timedelta(hours=10 + i)
            p.poll_all()
        got = endpoint.wait_for(2, timeout=5)
        time.sleep(0.2)
        assert len(endpoint.received) == 2 and "recovered" in got[1]["title"]
    finally:
        p.close()


def test_pure_schedule_decisions() -> None:
    assert backoff(timedelta(minutes=15), 0, timedelta(hours=6)) == timedelta(minutes=15)
    assert backoff(timedelta(minutes=15), 1, timedelta(hours=6)) == timedelta(minutes=30)
    assert backoff(timedelta(minutes=15), 3, timedelta(hours=6)) == timedelta(hours=2)
    assert backoff(timedelta(minutes=15), 50, timedelta(hours=6)) == timedelta(hours=6)
    assert backoff(timedelta(days=7), 1000, timedelta(hours=6)) == timedelta(days=7)  # no overflow
    assert hold_until(T0, timedelta(minutes=15)) == (None, "interval")
    assert hold_until(T0, timedelta(minutes=15), ttl_minutes=60) == (T0 + timedelta(hours=1), "feed <ttl>")
    assert hold_until(T0, timedelta(minutes=15), ttl_minutes=5) == (None, "interval")
    when, why = hold_until(T0, timedelta(minutes=15), failures=2, retry_after=30)
    assert (when, why) == (T0 + timedelta(hours=1), "backoff after 2 failures")
    when, why = hold_until(T0, timedelta(minutes=15), failures=1, retry_after=7200)
    assert (when, why) == (T0 + timedelta(hours=2), "server asked (Retry-After)")
    # T0 is 12:00 UTC; the next poll at 12:15 falls in skipped hour 12 -> 13:00.
    assert hold_until(T0, timedelta(minutes=15), skip_hours=[12]) == (
        T0 + timedelta(hours=1), "feed <skipHours>",
    )  # fmt: skip
    assert skip_hours_delay(T0, range(24)) == T0  # every hour skipped: ignored


def test_health_step_silent_and_no_repeats() -> None:
    state: dict[str, Any] = {"failures": 0, "first_success": T0.isoformat(), "health": "ok"}
    health, event = health_step("f", state, threshold=5, silent_after=timedelta(days=1), now=T0)
    assert (health, event) == ("ok", None)
    later = T0 + timedelta(days=2)
    health, event = health_step("f", state, threshold=5, silent_after=timedelta(days=1), now=later)
    assert health == "silent" and event is not None and event.kind == "silent"
    state["health"] = health
    assert health_step("f", state, threshold=5, silent_after=timedelta(days=1), now=later) == ("silent", None)
    state["items_new"] = 3
    health, event = health_step("f", state, threshold=5, silent_after=timedelta(days=1), now=later)
    assert health == "ok" and event is not None and event.kind == "recovered"


def test_scheduler_jobs_poll_and_reschedule(server: FeedServer, store: Any) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    server.routes["/a"] = feed_route(rss([("a", "A")]))
    server.routes["/b"] = feed_route(rss([("b", "B")]))
    config = make_config(
        [
            {"name": "a", "url": server.url("/a"), "interval": "1s"},
            {"name": "b", "url": server.url("/b"), "interval": "1h"},
        ],
        fetch={"jitter": "0s"},
    )
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start()
    rec = Recorder()
    p = FeedPoller(config, store.sources, rec.submit, rec.notify, lambda: datetime.now(UTC))
    try:
        p.schedule(scheduler)
        assert sorted(j.id for j in scheduler.get_jobs()) == ["feed:a", "feed:b"]
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and server.paths().count("/a") < 3:
            time.sleep(0.05)
        assert server.paths().count("/a") >= 3  # polled every second
        assert server.paths().count("/b") == 1  # polled on start, then waits an hour
        p.config = make_config([{"name": "b", "url": server.url("/b"), "interval": "1h"}])
        p.schedule(scheduler)
        assert [j.id for j in scheduler.get_jobs()] == ["feed:b"]
    finally:
        scheduler.shutdown(wait=False)
        p.close()


def test_guard_on_refuses_loopback_feed_with_one_line(
    server: FeedServer, store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server.routes["/a"] = feed_route(rss([("a", "A")]))
    config = make_config(
        [
            {"name": "guarded", "url": server.url("/a")},
            {"name": "file", "url": "file:///etc/passwd"},
        ],
        fetch={"allow_private": False},
    )
    caplog.set_level(logging.INFO)
    p = poller(config, store, Recorder())
    try:
        p.poll_all()
    finally:
        p.close()
    assert server.hits == []
    msgs = [r.getMessage() for r in caplog.records]
    assert [m for m in msgs if m.startswith("feed guarded:")] == [
        "feed guarded: refused to connect to 127.0.0.1: loopback address; "
        "1 failure(s) in a row, next try in 30m"
    ]
    assert any(m.startswith("feed file: refused: scheme 'file' is not allowed") for m in msgs)


def test_close_is_safe_without_use_and_twice(store: Any) -> None:
    p = poller(make_config([]), store, Recorder())
    p.poll_all()
    p.close()
    p.close()
    assert threading.active_count() >= 1


def test_parse_pool_recovers_from_a_dead_or_stuck_worker(
    server: FeedServer, store: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from monitor.sources import feeds as feeds_module

    counter = {"n": 0}

    def changing() -> bytes:
        counter["n"] += 1
        return rss([(f"e{counter['n']}", "Entry")])

    server.routes["/f"] = feed_route(changing)
    caplog.set_level(logging.INFO)
    rec = Recorder()
    p = poller(make_config([{"name": "f", "url": server.url("/f")}]), store, rec)
    try:
        p.poll_all()
        assert rec.quiet() == ["e1"]
        assert p._pool is not None
        for proc in list(p._pool._processes.values()):
            proc.kill()
            proc.join()
        p.poll_all()  # the dead pool is noticed, reported and replaced
        p.poll_all()
        assert rec.alerted()[-1] == "e3"
        # "Stuck": an 800-entry feed takes far longer to parse than this timeout.
        server.routes["/f"] = feed_route(rss([(f"big{i}", "Entry") for i in range(800)]))
        monkeypatch.setattr(feeds_module, "PARSE_TIMEOUT", 0.05)
        p.poll_all()  # the pool is killed and replaced
        monkeypatch.setattr(feeds_module, "PARSE_TIMEOUT", 60.0)
        server.routes["/f"] = feed_route(changing)
        p.poll_all()
        assert rec.alerted()[-1] == "e4"
    finally:
        p.close()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "parsing took longer than" in text


def test_close_does_not_wait_for_a_slow_feed(server: FeedServer, store: Any) -> None:
    server.routes["/slow"] = trickle_route(seconds=30, every=0.1)
    config = make_config([{"name": "slow", "url": server.url("/slow")}], fetch={"timeout": "60s"})
    p = poller(config, store, Recorder())
    p._job("slow")  # what the scheduler calls: returns at once, the poll runs on
    deadline = time.monotonic() + 5
    while not server.hits and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.hits
    started = time.monotonic()
    p.close()
    assert time.monotonic() - started < 3
    p._job("slow")  # a job firing after close (reload) is ignored, not an error


def test_feed_ttl_and_skip_hours_set_the_next_poll(server: FeedServer, store: Any) -> None:
    server.routes["/ttl"] = feed_route(fixture("rss20.xml"))  # <ttl>30</ttl>, skipHours 2 and 3
    config = make_config([{"name": "ttl", "url": server.url("/ttl"), "interval": "5m"}])
    clock = Clock(datetime(2026, 1, 5, 1, 40, tzinfo=UTC))
    p = poller(config, store, Recorder(), clock)
    try:
        p.poll_all()
    finally:
        p.close()
    state = store.sources.get(state_key("ttl"))
    assert state["ttl"] == 30 and state["skip_hours"] == [2, 3]
    # 01:40 + ttl 30m = 02:10, inside skipped hours 2-3: next poll at 04:00.
    assert state["hold_until"] == datetime(2026, 1, 5, 4, 0, tzinfo=UTC).isoformat()


class _PlainStates:
    """A state store with only get/put/all (the protocol): the poller must not need put_many."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.puts = inner, 0

    def get(self, key: str) -> Any:
        return self.inner.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.puts += 1
        self.inner.put(key, value)

    def all(self, prefix: str = "") -> Any:
        return self.inner.all(prefix)


def test_states_of_a_round_saved_with_and_without_put_many(server: FeedServer, store: Any) -> None:
    for i in range(6):
        server.routes[f"/f{i}"] = feed_route(fixture("rss20.xml"))
    feeds = [{"name": f"f{i}", "url": server.url(f"/f{i}")} for i in range(6)]
    plain = _PlainStates(store.sources)
    for sources, status in ((store.sources, 200), (plain, 304)):  # 304: the saved ETag was used
        p = FeedPoller(make_config(feeds), sources, Recorder().submit, Recorder().notify, Clock())
        try:
            p.poll_all()  # returns only once every state is committed
        finally:
            p.close()
        assert [store.sources.get(state_key(f"f{i}"))["last_status"] for i in range(6)] == [status] * 6
    assert plain.puts == 6
