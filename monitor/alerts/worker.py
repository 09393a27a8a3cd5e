"""Delivery lanes: one thread per target, woken when the outbox gains work.

A lane sends its target's oldest pending alert, then the next: order is kept
per target, and a target that is down only holds up its own lane.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from monitor.alerts.deliver import DeliveryResult, Sender
from monitor.alerts.outbox import decide
from monitor.settings.alerts import AlertsConfig
from monitor.store.base import OutboxRow
from monitor.store.sql import Store

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def attempt(store: Store, sender: Sender, row: OutboxRow, cfg: AlertsConfig, now: Clock) -> bool:
    """Send one outbox row and record the outcome; True if delivered."""
    try:
        result = sender.send(row.target, row.title, row.body, row.body_format, row.notify_type)
    except Exception as exc:  # a plugin bug must not kill the lane
        result = DeliveryResult(False, reason=f"{type(exc).__name__}: {exc}")
    at = now()
    decision = decide(result, row.attempts, row.created_at, at, cfg)
    if decision.action == "sent":
        store.mark_sent(row.id, at)
        log.info("delivered alert %d to target %s", row.id, row.target)
        return True
    if decision.action == "dead":
        store.mark_dead(row.id, decision.reason, at)
        log.error("alert %d to target %s moved to dead letters: %s "
                  "(see `newsmon outbox`, re-queue with `newsmon outbox retry %d`)",
                  row.id, row.target, decision.reason, row.id)
        return False
    assert decision.next_attempt_at is not None
    store.mark_retry(row.id, decision.reason, decision.next_attempt_at, at)
    log.warning("alert %d to target %s not delivered, queued for retry at %s: %s", row.id,
                row.target, decision.next_attempt_at.strftime("%H:%M:%S"), decision.reason)
    return False


def deliver_pending_once(store: Store, sender: Sender, cfg: AlertsConfig, now: Clock) -> tuple[int, int]:
    """`--once`: try every target's queue in order, stopping a lane at its first failure.

    Returns (delivered, still queued).
    """
    delivered = 0
    for target in sorted(store.pending_targets()):
        tried: set[int] = set()
        while (row := store.next_for(target)) is not None and row.id not in tried:
            tried.add(row.id)
            if not attempt(store, sender, row, cfg, now):
                break
            delivered += 1
    return delivered, store.count("pending")


class Lane(threading.Thread):
    def __init__(self, target: str, store: Store, sender: Sender, cfg: AlertsConfig, now: Clock):
        super().__init__(name=f"lane-{target}", daemon=True)
        self.target = target
        self._store, self._sender, self._cfg, self._now = store, sender, cfg, now
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                row = self._store.next_for(self.target)
            except Exception:
                log.exception("lane %s cannot read the outbox; retrying in 5 s", self.target)
                self._wake.wait(5)
                continue
            if row is None:
                self._wake.wait()
                continue
            wait = (row.next_attempt_at - self._now()).total_seconds()
            if wait > 0:
                self._wake.wait(min(wait, 3600))
                continue
            attempt(self._store, self._sender, row, self._cfg, self._now)


class Lanes:
    """All lanes; `wake(targets)` after the outbox gained rows for them."""

    def __init__(self, store: Store, sender: Sender, cfg: AlertsConfig, now: Clock, targets: list[str]):
        self._lanes = {t: Lane(t, store, sender, cfg, now) for t in targets}

    def start(self) -> None:
        for lane in self._lanes.values():
            lane.start()
        self.wake(list(self._lanes))

    def wake(self, targets: list[str] | tuple[str, ...]) -> None:
        for t in targets:
            lane = self._lanes.get(t)
            if lane is not None:
                lane.wake()

    def stop(self) -> None:
        for lane in self._lanes.values():
            lane.stop()
        for lane in self._lanes.values():
            lane.join(timeout=10)
