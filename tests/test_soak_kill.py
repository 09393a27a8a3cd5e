"""kill -9 soak: 20 random SIGKILLs while 300 articles flow through a folder and a feed
to a local webhook. Nothing is lost; an alert is sent twice only when a kill fell
between its send and the commit that marks it sent; the outbox ends empty; the
SQLite file passes `PRAGMA integrity_check`.

Kills land at random moments after READY=1 (the daemon's own sd_notify), so each
one hits a running pipeline and lane, not Python's start-up. The webhook records
a request on arrival and answers 30 ms later, which widens the send-to-commit
window a kill can fall into. Seed: $SOAK_SEED (printed on failure).
"""

from __future__ import annotations

import http.server
import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from monitor.alerts.deliver import KEY_HEADER
from tests.conftest import drop_file, newsmon_cmd
from tests.notifysock import NotifySocket, listening

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "feeds"))
from feedserver import FeedServer, feed_route, rss

FILES = FEED_ITEMS = 150
KILLS = 20
PRODUCE_SECONDS = 10.0
ANSWER_DELAY = 0.03


class KeyedHook:
    """A webhook that records (idempotency key, title, arrival time) of every POST."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[str, str, float]] = []
        self._lock = threading.Lock()
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                import json

                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    title = json.loads(raw).get("title", "")
                except ValueError:  # killed while sending the body: never arrived
                    return
                with hook._lock:
                    hook.arrivals.append((self.headers.get(KEY_HEADER, ""), title, time.time()))
                time.sleep(ANSWER_DELAY)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def titles(self) -> set[str]:
        with self._lock:
            return {t for _, t, _ in self.arrivals}


@pytest.mark.slow
def test_kill_9_soak_loses_nothing_and_duplicates_only_across_kills(tmp_path: Path) -> None:
    seed = int(os.environ.get("SOAK_SEED") or time.time())
    rng = random.Random(seed)
    hook = KeyedHook()
    items: list[tuple[str, str]] = []
    items_lock = threading.Lock()

    def feed_body() -> bytes:
        with items_lock:
            return rss(list(items))

    feeds = FeedServer().start()
    feeds.routes["/soak.xml"] = feed_route(feed_body)
    folder = tmp_path / "in"
    folder.mkdir()
    state = tmp_path / "state"
    config = tmp_path / "c.toml"
    config.write_text(
        f'[fetch]\nallow_private = true\njitter = "0s"\n\n[[folders]]\nname = "desk"\npath = "{folder}"\n\n'
        f'[[feeds]]\nname = "wire"\nurl = "{feeds.url("/soak.xml")}"\ninterval = "1s"\nbackfill = "all"\n\n'
        f'[[rules]]\nname = "soak"\nquery = "soak"\nnotify = ["hook"]\n\n[targets]\nhook = ["{hook.url}"]\n\n'
        '[alerts]\nretry_initial = "0.2s"\nretry_max = "1s"\n')
    expected = {f"soak file {i}" for i in range(FILES)} | {f"soak feed {i}" for i in range(FEED_ITEMS)}

    def produce() -> None:
        for i in range(max(FILES, FEED_ITEMS)):
            if i < FILES:
                drop_file(folder, f"f{i:03d}.txt", f"soak file {i}\n\nsoak body of file {i}.\n")
            if i < FEED_ITEMS:
                with items_lock:
                    items.append((f"g{i}", f"soak feed {i}"))
            time.sleep(PRODUCE_SECONDS / max(FILES, FEED_ITEMS))

    producer = threading.Thread(target=produce, daemon=True)
    cmd = newsmon_cmd("run", "--config", str(config), "--state-dir", str(state))
    kills: list[float] = []
    started = time.time()
    try:
        with listening() as (notify_path, sock):
            kills = _kill_while_flowing(cmd, dict(os.environ, NOTIFY_SOCKET=notify_path), sock, producer,
                                        hook, expected, rng)
    finally:
        feeds.stop()
    elapsed = time.time() - started
    why = f"(SOAK_SEED={seed}, {elapsed:.0f} s)"

    assert len(kills) == KILLS
    lost = expected - hook.titles()
    assert not lost, f"{len(lost)} article(s) never delivered, e.g. {sorted(lost)[:5]} {why}"
    by_key: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for key, title, at in hook.arrivals:
        assert key.startswith("article:"), f"request without {KEY_HEADER}: {title} {why}"
        by_key[key].append((title, at))
    assert len(by_key) == len(expected), why
    # A duplicate needs a kill after the first arrival and before the re-send.
    dupes = 0
    for key, seen in by_key.items():
        assert len({t for t, _ in seen}) == 1, f"one key, two articles: {key} {why}"
        for (_, first), (_, again) in itertools.pairwise(seen):
            dupes += 1
            assert any(first - 0.05 <= k <= again for k in kills), (
                f"{key} sent twice with no kill in between {why}")
    assert dupes <= KILLS, f"{dupes} duplicates for {KILLS} kills {why}"

    with sqlite3.connect(state / "newsmon.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        left = db.execute("SELECT state, count(*) FROM outbox WHERE state != 'sent' GROUP BY state")
        left = left.fetchall()
        assert left == [], f"outbox not empty: {left} {why}"
        assert db.execute("SELECT count(*) FROM seen_articles").fetchone() == (len(expected),)
    print(f"soak: {KILLS} kills, {len(hook.arrivals)} requests, {dupes} duplicate(s) {why}")


def _kill_while_flowing(cmd: list[str], env: dict[str, str], sock: NotifySocket,
                        producer: threading.Thread, hook: KeyedHook, expected: set[str],
                        rng: random.Random) -> list[float]:
    """KILLS times: start, wait for READY=1, SIGKILL at a random moment; then one clean
    run until everything arrived. Returns the kill times."""
    kills: list[float] = []
    proc: subprocess.Popen[str] | None = None
    try:
        producer.start()
        for _ in range(KILLS):
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True, text=True)
            sock.wait("READY", "1", timeout=60)
            time.sleep(rng.uniform(0.05, 0.6))
            os.killpg(proc.pid, signal.SIGKILL)  # the daemon and its feed-parser workers
            kills.append(time.time())
            proc.wait(timeout=30)
        producer.join(timeout=60)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        sock.wait("READY", "1", timeout=60)
        # Until everything arrived, or nothing new arrived for 30 s (lost, not slow: on a
        # loaded machine the last run's backlog of alerts can take longer than a minute).
        progress, seen = time.time(), len(hook.titles())
        while hook.titles() < expected and time.time() < progress + 30:
            time.sleep(0.2)
            if len(hook.titles()) > seen:
                progress, seen = time.time(), len(hook.titles())
        time.sleep(0.5)  # anything sent twice after the last restart would show now
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return kills
