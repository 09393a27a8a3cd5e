"""What `/readyz` and STATUS= say: small checks over the running App.

Each check returns a problem (a sentence naming what to look at) or None.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# A pending alert whose retry time is this far in the past was never picked up by its lane.
STUCK_AFTER = timedelta(minutes=10)
PROBE_KEY = "service:ready-probe"
STATE_PREFIX = "feed:"  # monitor.sources.feeds.STATE_PREFIX, without importing the HTTP stack


@dataclass(frozen=True)
class Snapshot:
    """What STATUS= and the gauges show; read in one go."""

    pending: int
    oldest_pending: datetime | None
    feeds: dict[str, int]  # health -> count

    def status_line(self, folders: int) -> str:
        ok, failing, silent = (self.feeds.get(k, 0) for k in ("ok", "failing", "silent"))
        feeds = f"feeds {ok} ok, {failing} failing" + (f", {silent} silent" if silent else "")
        return f"{folders} folder(s) watched; {feeds}; outbox {self.pending} pending"


def snapshot(store: Any, feed_names: list[str]) -> Snapshot:
    states = store.sources.all(STATE_PREFIX)
    health = Counter(str((states.get(STATE_PREFIX + n) or {}).get("health", "ok")) for n in feed_names)
    oldest = store.rows("pending", limit=1)
    return Snapshot(store.count("pending"), oldest[0].created_at if oldest else None, dict(health))


def store_writable(db_path: Path) -> str | None:
    """A real write, on a fresh connection: a read-only file, directory or
    filesystem, a full disk or a lock held too long all show here, while the
    store's own pooled connections (opened earlier) may not notice yet."""
    if not db_path.exists():
        return f"state file {db_path} does not exist"
    try:
        conn = sqlite3.connect(db_path, timeout=2, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR REPLACE INTO source_state (key, value, updated_at) "
                         "VALUES (?, '{}', datetime('now'))", (PROBE_KEY,))
            conn.execute("COMMIT")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"state file {db_path} is not writable: {exc}"
    return None


def sources_watched(app: Any) -> str | None:
    if not getattr(app, "_started", False):
        return "not started yet"
    if app.config.folders:
        observer = getattr(app.watcher, "_observer", None)  # watchdog's thread
        if observer is None or not observer.is_alive():
            return "folder watcher is not running"
    scheduler = app.scheduler
    if scheduler is None or not getattr(scheduler, "running", False):
        return "scheduler (feed polls, digests) is not running"
    pipeline_thread = getattr(app.pipeline, "_thread", None)
    if pipeline_thread is None or not pipeline_thread.is_alive():
        return "pipeline thread is not running"
    return None


def outbox_stuck(store: Any, now: datetime, targets: set[str]) -> str | None:
    """A due alert of a configured target that its lane has not tried for long.
    (A target that is down is not stuck: each retry moves its next attempt on.
    Alerts of a target removed from the config wait for it to come back.)"""
    due = [r for r in store.rows("pending", limit=200)
           if (r.target in targets or r.target.startswith("tag:")) and r.next_attempt_at < now - STUCK_AFTER]
    if due:
        row = due[0]
        return (f"outbox stuck: alert {row.id} to target {row.target} was due at "
                f"{row.next_attempt_at.isoformat()} and not tried since")
    return None


def readiness(app: Any) -> list[str]:
    """Problems that make the daemon not ready; empty when ready."""
    problems = [p for p in (sources_watched(app),) if p]
    store = app.store
    if store is None:
        return [*problems, "state not open"]
    if store.engine.dialect.name == "sqlite" and store.engine.url.database:
        problem = store_writable(Path(store.engine.url.database))
        if problem:
            problems.append(problem)
    stuck = outbox_stuck(store, app.clock(), set(app.config.targets))
    if stuck:
        problems.append(stuck)
    return problems
