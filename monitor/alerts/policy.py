"""When an alert goes out: now, or held until a digest, quiet hours' end or the throttle window's end.

Pure decision functions: the clock reading (`now`, timezone-aware) and the
recent send history are passed in; each answer carries a named reason.

- `mode = "digest"`: held until the rule's next cron fire (in its tz).
- quiet hours: held until they end, unless the priority is `urgent`.
- `max_per_hour`: once a rule has sent that many alerts to a target in the
  last hour, the rest are held until the oldest of them is an hour old, and
  go out then as one digest (never dropped).
- several rules for one article and target: the alert goes at the earliest
  time any of them allows, naming them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from monitor.settings.alerts import Policy, Priority

HOUR = timedelta(hours=1)
Action = Literal["send", "hold"]

# Apprise notify types: info | success | warning | failure.
NOTIFY_TYPE: dict[Priority, str] = {"low": "info", "normal": "info", "high": "warning", "urgent": "failure"}


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: str  # "immediate" | "urgent-in-quiet-hours" | "digest" | "quiet-hours" | "throttled"
    release_at: datetime | None = None  # for "hold": when the held alerts go out as a digest

    @property
    def held(self) -> bool:
        return self.action == "hold"


SEND_NOW = Decision("send", "immediate")


def next_digest(policy: Policy, now: datetime) -> datetime:
    """The rule's next digest time strictly after `now`."""
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger.from_crontab(policy.digest.cron, timezone=ZoneInfo(policy.digest_tz))
    fire = trigger.get_next_fire_time(None, now + timedelta(microseconds=1))
    if fire is None:  # a crontab always fires again, but keep mypy and the caller honest
        raise ValueError(f"digest cron {policy.digest.cron!r} never fires")
    return fire


def last_digest(policy: Policy, now: datetime, within: timedelta = HOUR) -> datetime | None:
    """The rule's latest digest time at or before `now` (looking back `within`), if any.

    A cron job runs a little after its time (or up to the misfire grace later);
    this is the time it was scheduled for, which held alerts carry as `release_at`.
    """
    fire, last = next_digest(policy, now - within - timedelta(microseconds=1)), None
    while fire <= now:
        last, fire = fire, next_digest(policy, fire)
    return last


def quiet_end(policy: Policy, now: datetime) -> datetime | None:
    """When the quiet hours `now` falls in end, or None if `now` is not quiet."""
    window = policy.quiet_window
    if window is None:
        return None
    start, end = window
    zone = ZoneInfo(policy.tz)
    local = now.astimezone(zone)
    t = local.time().replace(tzinfo=None)
    crosses_midnight = start > end
    quiet = (start <= t or t < end) if crosses_midnight else (start <= t < end)
    if not quiet:
        return None
    day = local.date()
    if t >= end:  # only possible across midnight, before it: it ends tomorrow
        day += timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


def throttle_release(
    max_per_hour: int | None, recent_sends: Sequence[datetime], now: datetime
) -> datetime | None:
    """None if one more alert fits in the last hour; else when the window frees a slot."""
    if max_per_hour is None:
        return None
    window = sorted(t for t in recent_sends if now - HOUR < t <= now)
    if len(window) < max_per_hour:
        return None
    # The (len - max + 1)-th oldest send must age out before one more fits.
    return window[len(window) - max_per_hour] + HOUR


def decide(policy: Policy, now: datetime, recent_sends: Sequence[datetime] = ()) -> Decision:
    """One rule's decision for one alert to one target."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if policy.mode == "digest":
        return Decision("hold", "digest", next_digest(policy, now))
    quiet = quiet_end(policy, now)
    if quiet is not None and policy.priority != "urgent":
        return Decision("hold", "quiet-hours", quiet)
    throttled = throttle_release(policy.max_per_hour, recent_sends, now)
    if throttled is not None:
        return Decision("hold", "throttled", throttled)
    return Decision("send", "urgent-in-quiet-hours" if quiet is not None else "immediate")


def decide_alert(
    policies: Mapping[str, Policy],
    now: datetime,
    recent_sends: Mapping[str, Sequence[datetime]] | None = None,
) -> Decision:
    """Several rules, one article, one target: the earliest any rule allows wins."""
    recent_sends = recent_sends or {}
    decisions = [decide(p, now, recent_sends.get(rule, ())) for rule, p in policies.items()]
    if not decisions:
        return SEND_NOW
    for d in decisions:
        if d.action == "send":
            return d
    return min(decisions, key=lambda d: d.release_at or now)


def notify_type(priority: Priority) -> str:
    return NOTIFY_TYPE.get(priority, "info")
