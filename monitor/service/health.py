"""What `/readyz` and STATUS= say: small checks over the running App.

Each check returns a problem (a sentence naming what to look at) or None.
"""

from __future__ import annotations

import os
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


def store_writable(store: Any, db_path: Path | None) -> str | None:
    """Can the daemon still record articles and alerts?

    First the permissions of the SQLite file, its WAL and its folder (a file made
    read-only, a remounted filesystem: the pooled connections, opened earlier,
    may not notice until the next commit fails), then a real write transaction
    through the store itself (a full disk, a lock held too long, an I/O error).
    """
    if db_path is not None:
        for path in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.parent):
            if path.exists() and not os.access(path, os.W_OK):
                return (f"state {path} is not writable "
                        "(read-only file or filesystem; check its owner and mode)")
    try:
        store.sources.put(PROBE_KEY, {})
    except Exception as exc:
        return f"state is not writable: {type(exc).__name__}: {str(exc)[:200]}"
    return None


def sources_watched(app: Any) -> str | None:
    if not getattr(app, "_started", False):
        return "not started yet"
    if app.config.folders:
        folders = getattr(app, "folders", None)
        if folders is None or not folders.is_watching():
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
    database = store.engine.url.database if store.engine.dialect.name == "sqlite" else None
    problem = store_writable(store, Path(database) if database else None)
    if problem:
        problems.append(problem)
    stuck = outbox_stuck(store, app.clock(), set(app.config.targets))
    if stuck:
        problems.append(stuck)
    return problems
