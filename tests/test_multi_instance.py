"""Three `newsmon run` processes on one PostgreSQL database share the work.

200 feeds on a local HTTP server, three rules notifying three targets on a local
webhook, a burst of new entries mid-way, and one instance SIGKILLed mid-way.
Every alert arrives; one arrives twice only if the killed instance was sending it;
each feed is polled at its interval by one instance, not by three; the outbox
ends empty and each article was recorded once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import newsmon_cmd
from tests.pgserver import postgres_url, reset_database
from tests.test_soak_kill import KeyedHook

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "feeds"))
from feedserver import FeedServer, feed_route, rss

__all__ = ["postgres_url"]  # a fixture

FEEDS = 200
INTERVAL = 5.0
WORDS = ("alpha", "beta", "gamma")  # one rule and one target each


@pytest.mark.slow
def test_three_instances_share_feeds_and_alerts_and_survive_a_kill(tmp_path: Path, postgres_url: str) -> None:
    reset_database(postgres_url)
    hook = KeyedHook()
    items: dict[int, list[tuple[str, str]]] = {
        i: [(f"f{i}-0", f"{WORDS[i % 3]} story {i}-0")] for i in range(FEEDS)}
    lock = threading.Lock()
    server = FeedServer().start()
    for i in range(FEEDS):
        def body(i: int = i) -> bytes:
            with lock:
                return rss(list(items[i]), title=f"feed {i}")

        server.routes[f"/f{i}.xml"] = feed_route(body)
    feeds = "".join(f'[[feeds]]\nname = "f{i}"\nurl = "{server.url(f"/f{i}.xml")}"\n'
                    f'interval = "{INTERVAL:g}s"\nbackfill = "all"\n\n' for i in range(FEEDS))
    rules = "".join(f'[[rules]]\nname = "{w}"\nquery = "{w}"\nnotify = ["{w}"]\n\n' for w in WORDS)
    targets = "".join(f'{w} = ["{hook.url}?{w}"]\n' for w in WORDS)
    config = tmp_path / "newsmon.toml"
    config.write_text(
        f'[state]\nurl = "{postgres_url}"\nlease_ttl = "5s"\n\n'
        '[fetch]\nallow_private = true\njitter = "0s"\nparse_workers = 1\n\n'
        f'{feeds}{rules}[targets]\n{targets}\n[alerts]\nretry_initial = "0.2s"\nretry_max = "1s"\n')

    procs: list[subprocess.Popen[str]] = []
    logs = [open(tmp_path / f"instance{n}.log", "w") for n in range(3)]  # noqa: SIM115
    started = time.time()
    try:
        for n in range(3):
            procs.append(subprocess.Popen(
                newsmon_cmd("run", "--config", str(config), "--state-dir", str(tmp_path / f"local{n}")),
                stdout=logs[n], stderr=subprocess.STDOUT, start_new_session=True, text=True))
        first = {t for _, entries in items.items() for _, t in entries}
        _wait(lambda: hook.titles() >= first, 90, "the first entries of every feed")

        with lock:  # the burst: a new entry in every other feed
            for i in range(0, FEEDS, 2):
                items[i].append((f"f{i}-1", f"{WORDS[i % 3]} story {i}-1"))
        time.sleep(INTERVAL / 2)
        os.killpg(procs[0].pid, signal.SIGKILL)  # mid-way: its leases must expire and move
        killed_at = time.time()
        procs[0].wait(timeout=30)

        expected = {t for entries in items.values() for _, t in entries}
        _wait(lambda: hook.titles() >= expected, 90,
              lambda: f"every entry after the kill; missing {sorted(expected - hook.titles())[:5]} "
                      f"of {len(expected - hook.titles())}; polls {len(server.hits)}")
        time.sleep(INTERVAL)  # one more interval: polls keep their pace, nothing arrives twice late
        window = time.time() - started
        for proc in procs[1:]:
            proc.send_signal(signal.SIGTERM)
        for proc in procs[1:]:
            assert proc.wait(timeout=30) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        server.stop()
        for fh in logs:
            fh.close()

    # Every alert arrived; a duplicate only for what the killed instance was sending.
    by_key: dict[str, list[float]] = defaultdict(list)
    for key, _title, at in hook.arrivals:
        by_key[key].append(at)
    assert hook.titles() == expected
    assert len(by_key) == len(expected)
    dupes = {k: ats for k, ats in by_key.items() if len(ats) > 1}
    assert len(dupes) <= len(WORDS), dupes  # at most one in-flight alert per lane
    assert all(ats[0] <= killed_at + 0.1 for ats in dupes.values()), dupes

    # Each feed polled at its interval, by one instance at a time: not three times as often.
    polls = Counter(h.path for h in server.hits)
    most, fewest = max(polls.values()), min(polls[f"/f{i}.xml"] for i in range(FEEDS))
    allowed = window / INTERVAL + 3
    assert most <= allowed, f"a feed was polled {most} times in {window:.0f} s (at most {allowed:.0f})"
    assert fewest >= 2, f"a feed was polled only {fewest} times in {window:.0f} s"

    import psycopg

    with psycopg.connect(postgres_url) as db:
        assert db.execute("SELECT count(*) FROM seen_articles").fetchone() == (len(expected),)
        left = db.execute("SELECT state, count(*) FROM outbox WHERE state != 'sent' GROUP BY state")
        assert left.fetchall() == []
        alive = db.execute("SELECT count(*) FROM instances").fetchone()
        assert alive is not None and alive[0] <= 1  # the clean stops said goodbye; the killed one may linger
    text = "\n".join((tmp_path / f"instance{n}.log").read_text() for n in range(3))
    assert "Traceback" not in text, text[-3000:]


def _wait(done: object, timeout: float, what: object) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if done():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


@contextlib.contextmanager
def ghost_instance(url: str) -> Iterator[str]:
    """An instance that heartbeats (so it gets its share of feeds and lanes) and does nothing."""
    from datetime import UTC, datetime

    from monitor.store import open_store

    store = open_store(url)
    ghost = "elsewhere:1:ghost"
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(0.5):
            store.instances.heartbeat(ghost, datetime.now(UTC))

    store.instances.heartbeat(ghost, datetime.now(UTC))
    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield ghost
    finally:
        stop.set()
        thread.join()
        store.close()


@contextlib.contextmanager
def one_instance(config: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`newsmon run` on `config`: (its instance id, its log), stopped with SIGTERM at the end;
    no traceback in its log (polls in flight at the stop included)."""
    log_path = tmp_path / "instance.log"
    log = open(log_path, "w")  # noqa: SIM115
    cmd = newsmon_cmd("run", "--config", str(config), "--state-dir", str(tmp_path / "local"))
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, text=True)
    started = "sharing work through the database"
    try:
        _wait(lambda: started in log_path.read_text(), 30, "the instance to start")
        running = next(line.split("instance ", 1)[1].split()[0]
                       for line in log_path.read_text().splitlines() if started in line)
        yield running, log_path
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
    assert "Traceback" not in log_path.read_text()


@pytest.mark.slow
def test_feeds_that_fall_to_an_instance_that_never_polls_them_are_polled_by_another(
        tmp_path: Path, postgres_url: str) -> None:
    """A live instance that does not poll its share (its config lacks those feeds during a
    rolling change, or its poller is stuck): the others find them overdue and poll them."""
    from monitor.coordination import rendezvous_owner

    reset_database(postgres_url)
    server = FeedServer().start()
    # The running instance's id is new each run: with 16 names, both shares are
    # non-empty but for a chance of 2 in 65,536 (with 8, 1 run in 128 failed below).
    names = [f"g{i}" for i in range(16)]
    for name in names:
        server.routes[f"/{name}.xml"] = feed_route(rss([(f"{name}-0", f"entry of {name}")], title=name))
    config = tmp_path / "newsmon.toml"
    config.write_text(
        f'[state]\nurl = "{postgres_url}"\nlease_ttl = "5s"\n\n'
        '[fetch]\nallow_private = true\njitter = "0s"\n\n'
        + "".join(f'[[feeds]]\nname = "{n}"\nurl = "{server.url(f"/{n}.xml")}"\ninterval = "1s"\n\n'
                  for n in names))
    try:
        with ghost_instance(postgres_url) as ghost, one_instance(config, tmp_path) as (running, log):
            ghosts = {n for n in names if rendezvous_owner(f"feed:{n}", sorted([ghost, running])) == ghost}
            assert ghosts and ghosts != set(names)  # both shares are non-empty with these names
            polled = lambda: {h.path.strip("/").removesuffix(".xml") for h in server.hits}  # noqa: E731
            # Its own share at once; the ghost's once overdue: 10 intervals + 2 ttls (20 s),
            # checked every 2 ttls.
            _wait(lambda: polled() == set(names), 45, lambda: f"polls of {set(names) - polled()}")
            text = log.read_text()
            late = "not polled by the instance it falls to"
            assert all(f"feed {n}: {late}" in text for n in ghosts), text[-2000:]
            own = Counter(h.path for h in server.hits if h.path.strip("/").removesuffix(".xml") not in ghosts)
            assert min(own.values()) >= 5  # its own share at its interval meanwhile
    finally:
        server.stop()


@pytest.mark.slow
def test_lanes_that_fall_to_an_instance_that_never_sends_are_adopted_by_another(
        tmp_path: Path, postgres_url: str) -> None:
    """Lanes are spread over the live instances like feeds; the alerts of a lane whose
    instance never sends them are sent by another once they waited a lease ttl."""
    from monitor.coordination import rendezvous_owner

    reset_database(postgres_url)
    # (16 lanes, as 16 feeds above: with 6, 1 run in 32 gave the ghost none or all.)
    targets = [f"t{i}" for i in range(16)]
    hooks = {t: KeyedHook() for t in targets}
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = tmp_path / "newsmon.toml"
    config.write_text(
        f'[state]\nurl = "{postgres_url}"\nlease_ttl = "5s"\n\n[[folders]]\npath = "{inbox}"\n\n'
        f'[[rules]]\nname = "izium"\nquery = "Izium"\nnotify = {json.dumps(targets)}\n\n'
        "[targets]\n" + "".join(f'{t} = ["{hooks[t].url}"]\n' for t in targets))
    with ghost_instance(postgres_url) as ghost, one_instance(config, tmp_path) as (running, log):
        ghosts = {t for t in targets if rendezvous_owner(f"lane:{t}", sorted([ghost, running])) == ghost}
        assert ghosts and ghosts != set(targets)
        (inbox / "izium.txt").write_text("Izium retaken\n\nUkrainian forces entered Izium today.\n")
        arrived = lambda: {t for t, h in hooks.items() if h.arrivals}  # noqa: E731
        _wait(lambda: arrived() == set(targets), 40, lambda: f"alerts for {set(targets) - arrived()}")
        text = log.read_text()
        assert all(f"lane {t}: alerts waited over the lease ttl" in text for t in ghosts), text[-2000:]
        assert not any(f"lane {t}: alerts waited" in text for t in set(targets) - ghosts)
    assert all(len(h.arrivals) == 1 for h in hooks.values())  # once each
