"""Delivery lanes: one thread per target, woken when the outbox gains work.

A lane sends its target's oldest pending alert, then the next: order is kept
per target, and a target that is down only holds up its own lane. A lane
also releases its target's held alerts (quiet hours, throttle, digests) into
one digest row when they fall due, sleeping until then, never polling, and
paces its target (`Delivery.min_interval`) instead of Apprise's in-plugin sleep.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from monitor.alerts.deliver import DeliveryResult, Render, Sender
from monitor.alerts.outbox import decide
from monitor.alerts.policy import last_digest
from monitor.alerts.render import Renderer
from monitor.alerts.route import ALERT_FORMAT, DIGEST_FORMAT, AlertItem, digest_alert, empty_digest
from monitor.coordination import Coordinator, Rechecks, Solo
from monitor.settings.alerts import AlertsConfig, effective_policy
from monitor.settings.rules import RuleConfig
from monitor.store.base import DeliveryLogEntry, OutboxRow
from monitor.store.sql import Store

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
MAX_WAIT = 3600.0  # re-check at least hourly (a clock jump, a missed wake)
# A lane shared with other instances cannot be woken by them: it looks again this often.
SHARED_POLL = 1.0


class Delivery:
    """Everything a lane needs to send a row: store, sender, renderers, policy, clock."""

    def __init__(self, store: Store, sender: Sender, cfg: AlertsConfig, now: Clock,
                 rules: Sequence[RuleConfig] = (), coord: Coordinator | None = None):
        self.store, self.sender, self.cfg, self.now = store, sender, cfg, now
        self.coord: Coordinator = coord or Solo()
        self._default = Renderer(cfg.templates)
        self._by_rule = {r.name: Renderer(r.templates) for r in rules if r.templates is not None}

    def renderer(self, rules: Sequence[str]) -> Renderer:
        return next((self._by_rule[r] for r in rules if r in self._by_rule), self._default)

    def min_interval(self, target: str) -> float:
        """Our per-target rate limit: configured, else what the slowest service needs."""
        configured = self.cfg.min_interval.get(target)
        if configured is not None:
            return configured.total_seconds()
        return self.sender.min_interval(target)

    def max_chars(self, target: str, service_limit: int) -> int:
        configured = self.cfg.max_chars.get(target)
        return min(configured, service_limit) if configured else service_limit

    # -- sending -------------------------------------------------------------
    def send(self, row: OutboxRow) -> DeliveryResult:
        if row.body_format not in (ALERT_FORMAT, DIGEST_FORMAT):
            return self.sender.send(row.target, row.title, row.body, row.body_format, row.notify_type,
                                    key=row.key, skip=self.delivered_services(row))
        try:
            render = self.render_row(row)
        except (ValueError, KeyError, TypeError) as exc:
            return DeliveryResult(False, permanent=True, reason=f"unreadable outbox payload: {exc}")
        return self.sender.send_rendered(row.target, render, row.notify_type, key=row.key,
                                         skip=self.delivered_services(row))

    def delivered_services(self, row: OutboxRow) -> frozenset[str]:
        """Services of a multi-service target that already took this row (not sent again)."""
        if row.attempts == 0:
            return frozenset()
        done: set[str] = set()
        for entry in self.store.deliveries(row.id, limit=1000):
            try:
                services = json.loads(entry["detail"]).get("services", [])
            except (ValueError, AttributeError):
                continue
            done.update(s["url"] for s in services if s.get("ok"))
        return frozenset(done)

    def render_row(self, row: OutboxRow) -> Render:
        data = json.loads(row.body)
        renderer = self.renderer(row.rules)
        if row.body_format == ALERT_FORMAT:
            item = AlertItem.from_json(data)

            def render_alert(fmt: str, limit: int) -> tuple[str, str]:
                out = renderer.alert(item, fmt, self.max_chars(row.target, limit))
                return out.title, out.body

            return render_alert
        items = [AlertItem.from_json(i) for i in data["items"]]
        reason = _digest_reason(data.get("reasons", ()))
        tz = str(data.get("tz") or "UTC")

        def render_digest(fmt: str, limit: int) -> tuple[str, str]:
            out = renderer.digest(items, fmt, tz, reason, self.max_chars(row.target, limit),
                                  rules_if_empty=row.rules)
            return out.title, out.body

        return render_digest

    def attempt(self, row: OutboxRow) -> bool:
        """Send one outbox row and record the outcome; True if delivered."""
        try:
            result = self.send(row)
        except Exception as exc:  # a plugin bug must not kill the lane
            result = DeliveryResult(False, reason=f"{type(exc).__name__}: {exc}")
        at = self.now()
        detail = json.dumps({"reason": result.reason, "services": [
            {"service": s.service, "url": s.url, "format": s.format, "ok": s.ok, "reason": s.reason}
            for s in result.services]}, ensure_ascii=False)
        entry = DeliveryLogEntry(row, at, result.ok, result.title or row.title, detail)
        decision = decide(result, row.attempts, row.created_at, at, self.cfg)
        if decision.action == "sent":
            self.store.mark_sent(row.id, at, log=entry)
            log.info("delivered alert %d to target %s", row.id, row.target)
            return True
        if decision.action == "dead":
            self.store.mark_dead(row.id, decision.reason, at, log=entry)
            log.error("alert %d to target %s moved to dead letters: %s "
                      "(see `newsmon outbox`, re-queue with `newsmon outbox retry %d`)",
                      row.id, row.target, decision.reason, row.id)
            return False
        assert decision.next_attempt_at is not None
        self.store.mark_retry(row.id, decision.reason, decision.next_attempt_at, at, log=entry)
        log.warning("alert %d to target %s not delivered, queued for retry at %s: %s", row.id,
                    row.target, decision.next_attempt_at.strftime("%H:%M:%S"), decision.reason)
        return False

    # -- held alerts -------------------------------------------------------------
    def release_due(self, target: str | None = None) -> list[str]:
        """Fold due held alerts into one digest row per target; returns those targets."""
        released = self.store.release_held(self.now(), digest_alert, target)
        for t in released:
            log.info("held alerts for target %s released as one digest", t)
        return released

    def digest_fire(self, rule: RuleConfig, fire_time: datetime | None = None) -> list[str]:
        """A rule's cron digest: release what is due; optionally say "nothing new".

        "Nothing new" looks at the rule's alerts held for this fire time, released
        or not: another rule's job firing at the same minute may have released
        them already (all due alerts of a target go out as one digest).
        """
        now = fire_time or self.now()
        policy = effective_policy(self.cfg, rule)
        fire = last_digest(policy, now) or now
        if self.coord.shared:
            # Several instances fire the same cron job: one builds the digest. Lanes release
            # their own target's held alerts (under the lane lease), so nothing is folded twice.
            if not self.coord.hold(f"digest:{rule.name}", timedelta(minutes=5)):
                return []
            targets = []
        else:
            targets = self.release_due()
        waiting = {t for t, names in self.store.due_between(fire - timedelta(microseconds=1), fire)
                   if rule.name in names}
        if policy.digest.send_empty:
            empty = [empty_digest(t, rule.name, fire, policy.digest_tz)
                     for t in rule.notify if t not in waiting]
            if empty and self.store.enqueue(empty, now):
                targets.extend(a.target for a in empty)
        return sorted(set(targets))


def _digest_reason(reasons: Sequence[str]) -> str:
    names = {"quiet-hours": "after quiet hours", "throttled": "over the hourly limit", "digest": "digest"}
    shown = [names.get(r, r) for r in reasons]
    return "digest" if not shown or shown == ["digest"] else ", ".join(shown)


def deliver_pending_once(delivery: Delivery, pace: bool = True, force: bool = True) -> tuple[int, int]:
    """`--once`: release due digests, then try every target's queue in order,
    stopping a lane at its first failure. Returns (delivered, still queued).

    `force`: a queued alert waiting out its retry backoff is tried now too (someone
    asked for this pass); held alerts (quiet hours, digests) stay held until due."""
    store = delivery.store
    coord = delivery.coord
    if not coord.shared:
        delivery.release_due()
    delivered = 0
    targets = set(store.pending_targets())
    if coord.shared:
        targets |= set(store.held_targets())
    for target in sorted(targets):
        if not coord.hold(f"lane:{target}"):
            continue  # another instance runs this target's lane
        if coord.shared:
            delivery.release_due(target)
        tried: set[int] = set()
        gap = delivery.min_interval(target) if pace else 0.0
        while (row := store.next_for(target)) is not None and row.id not in tried:
            if not force and row.next_attempt_at > delivery.now():
                break
            if tried and gap:
                time.sleep(gap)
            tried.add(row.id)
            if not delivery.attempt(row):
                break
            delivered += 1
        coord.release(f"lane:{target}")
    return delivered, store.count("pending")


class Lane(threading.Thread):
    def __init__(self, target: str, delivery: Delivery):
        super().__init__(name=f"lane-{target}", daemon=True)
        self.target = target
        self._d = delivery
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._last_attempt: datetime | None = None
        # Several instances: lanes are spread over them like feeds (`Coordinator.owns`).
        self._holding = False  # this instance held the lane at its last step
        self._adopted = False  # serving another instance's lane that was overdue there
        self._rechecks = Rechecks()  # when to look at another instance's lane next

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        gap = self._d.min_interval(self.target)
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                wait = self._step(gap)
            except Exception:
                log.exception("lane %s cannot use the outbox; retrying in 5 s", self.target)
                wait = 5.0
            if wait is None or wait > 0:
                self._wake.wait(MAX_WAIT if wait is None else min(wait, MAX_WAIT))

    def _step(self, gap: float) -> float | None:
        """Do one thing; return how long to sleep (None: until woken, 0: go on)."""
        coord, name = self._d.coord, f"lane:{self.target}"
        if coord.shared and not coord.owns(name) and not self._adopted and not self._overdue_elsewhere():
            if self._holding:  # it falls to another instance now: hand it over
                coord.release(name)
                self._holding = False
            return coord.retry_after
        if not coord.hold(name):
            self._holding = self._adopted = False
            return coord.retry_after  # another instance runs this lane; ask again later
        if self._adopted and not self._holding:
            log.warning("lane %s: alerts waited over the lease ttl at the instance it falls to; "
                        "sending them from this one", self.target)
        self._holding = True
        wait = self._step_held(gap)
        if wait is None:
            self._adopted = False  # nothing left to send: an adopted lane goes back
        # Other instances queue work for this lane without being able to wake it.
        return wait if not coord.shared else min(SHARED_POLL if wait is None else wait, SHARED_POLL)

    def _overdue_elsewhere(self) -> bool:
        """Another instance's lane, looked at every lease ttl: True (adopt it) if an alert
        has waited there more than a ttl past its time: that instance may run a config
        without this target, or be stuck. Its holder, if alive, keeps the lease anyway."""
        store, now, ttl = self._d.store, self._d.now(), self._d.coord.ttl
        if not self._rechecks.due(self.target, now, ttl):
            return False
        row = store.next_for(self.target)
        waiting = [t for t in (row.next_attempt_at if row else None, store.next_release(self.target)) if t]
        self._adopted = bool(waiting) and now > min(waiting) + ttl
        return self._adopted

    def _step_held(self, gap: float) -> float | None:
        store, now = self._d.store, self._d.now()
        due = store.next_release(self.target)
        if due is not None and due <= now:
            self._d.release_due(self.target)
            return 0
        row = store.next_for(self.target)
        if row is None:
            return None if due is None else (due - now).total_seconds()
        wait = (row.next_attempt_at - now).total_seconds()
        if self._last_attempt is not None and gap:
            wait = max(wait, gap - (now - self._last_attempt).total_seconds())
        if wait > 0:
            log.debug("lane %s: next send in %.1f s", self.target, wait)
            return wait if due is None else min(wait, (due - now).total_seconds())
        self._last_attempt = now
        self._d.attempt(row)
        return 0


class Lanes:
    """All lanes; `wake(targets)` after the outbox gained rows for them."""

    def __init__(self, delivery: Delivery, targets: Sequence[str]):
        self.delivery = delivery
        self._lanes = {t: Lane(t, delivery) for t in dict.fromkeys(targets)}

    def start(self) -> None:
        for lane in self._lanes.values():
            lane.start()
        self.wake(list(self._lanes))

    def wake(self, targets: Sequence[str]) -> None:
        for t in targets:
            lane = self._lanes.get(t)
            if lane is not None:
                lane.wake()

    def stop(self) -> None:
        for lane in self._lanes.values():
            lane.stop()
        for lane in self._lanes.values():
            lane.join(timeout=10)
            self.delivery.coord.release(f"lane:{lane.target}")


def lane_targets(targets: Sequence[str], rules: Sequence[RuleConfig]) -> list[str]:
    """Configured targets plus every `tag:NAME` a rule notifies."""
    tags = [t for r in rules for t in r.notify if t.startswith("tag:")]
    return list(dict.fromkeys([*sorted(targets), *tags]))


def schedule_digests(scheduler: object, delivery: Delivery, rules: Sequence[RuleConfig],
                     on_released: Callable[[Sequence[str]], None]) -> list[str]:
    """One APScheduler cron job per digest rule (ids `digest:RULE`); stale ones removed."""
    from apscheduler.triggers.cron import CronTrigger

    wanted = {}
    for rule in rules:
        policy = effective_policy(delivery.cfg, rule)
        if policy.mode == "digest":
            wanted[f"digest:{rule.name}"] = (rule, CronTrigger.from_crontab(policy.digest.cron,
                                                                             timezone=policy.digest_tz))
    for job in list(scheduler.get_jobs()):  # type: ignore[attr-defined]
        if job.id.startswith("digest:") and job.id not in wanted:
            job.remove()
    for job_id, (rule, trigger) in wanted.items():
        def fire(rule: RuleConfig = rule) -> None:
            on_released(delivery.digest_fire(rule))

        scheduler.add_job(fire, trigger, id=job_id, replace_existing=True,  # type: ignore[attr-defined]
                          misfire_grace_time=3600, coalesce=True)
    return sorted(wanted)
