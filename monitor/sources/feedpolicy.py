"""Feed polling decisions, pure: when next, is it healthy, which first-poll entries alert.

No I/O and no clock reading: the poller (feeds.py) passes `now` in and acts
on the answers, so these are tested as plain function calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from monitor.article import RawItem
from monitor.settings.types import format_duration


def backoff(interval: timedelta, failures: int, cap: timedelta) -> timedelta:
    """Wait after `failures` failures in a row: the interval doubled per failure, capped."""
    if failures <= 0:
        return interval
    # In float seconds: a timedelta of interval * 2**30 would overflow for long intervals.
    seconds = interval.total_seconds() * 2.0 ** min(failures, 60)
    return timedelta(seconds=min(seconds, max(cap, interval).total_seconds()))


def skip_hours_delay(when: datetime, skip_hours: Iterable[int]) -> datetime:
    """`when`, moved to the start of the next hour (UTC) that is not in `skip_hours`."""
    hours = set(skip_hours)
    if not hours or len(hours) >= 24:
        return when
    probe = when
    for _ in range(24):
        if probe.hour not in hours:
            return probe
        probe = (probe + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return when


def hold_until(
    now: datetime,
    interval: timedelta,
    *,
    failures: int = 0,
    max_backoff: timedelta = timedelta(hours=6),
    retry_after: float | None = None,
    ttl_minutes: int | None = None,
    skip_hours: Sequence[int] = (),
) -> tuple[datetime | None, str]:
    """When the feed may next be polled, if later than its interval, and why."""
    wait, reason = interval, "interval"
    if failures:
        wait, reason = backoff(interval, failures, max_backoff), f"backoff after {failures} failures"
    if retry_after is not None and timedelta(seconds=retry_after) > wait:
        wait, reason = timedelta(seconds=retry_after), "server asked (Retry-After)"
    if not failures and ttl_minutes and timedelta(minutes=ttl_minutes) > wait:
        wait, reason = timedelta(minutes=ttl_minutes), "feed <ttl>"
    when = now + wait
    if not failures:
        moved = skip_hours_delay(when, skip_hours)
        if moved != when:
            when, reason = moved, "feed <skipHours>"
    if when <= now + interval:
        return None, "interval"
    return when, reason


@dataclass(frozen=True, slots=True)
class HealthEvent:
    kind: str  # "failing" | "silent" | "recovered"
    title: str
    body: str


def health_step(
    name: str,
    state: dict[str, Any],
    *,
    threshold: int,
    silent_after: timedelta | None,
    now: datetime,
) -> tuple[str, HealthEvent | None]:
    """The feed's new health ("ok" | "failing" | "silent") and the one event to send, if any."""
    health = state.get("health", "ok")
    failures = int(state.get("failures", 0))
    if failures >= threshold:
        if health == "failing":
            return health, None
        error = state.get("last_error", "")
        return "failing", HealthEvent(
            "failing",
            f'Feed "{name}" is failing',
            f'Feed "{name}" failed {failures} polls in a row. Last error: {error}. '
            f"Last success: {state.get('last_success') or 'never'}.",
        )
    if (
        failures == 0
        and health in ("failing", "silent")
        and (health == "failing" or state.get("items_new", 0))
    ):
        return "ok", HealthEvent("recovered", f'Feed "{name}" recovered', f'Feed "{name}" is OK again.')
    if failures == 0 and health == "ok" and silent_after is not None:
        since = parse_time(state.get("last_new") or state.get("first_success"))
        if since is not None and now - since > silent_after:
            return "silent", HealthEvent(
                "silent",
                f'Feed "{name}" is silent',
                f'Feed "{name}" has had no new entry since {since.isoformat()} '
                f"(more than {format_duration(silent_after)}).",
            )
    return health, None


FUTURE_SLACK = timedelta(days=1)  # clock skew and time zones mistakes up to this are left alone


def clamp_future(items: Sequence[RawItem], now: datetime) -> list[RawItem]:
    """Entries dated more than a day after `now` (the fetch time) are dated `now`: a wrong
    date must not keep an entry "fresh" for backfill, freshness or newest-first order."""
    limit = now + FUTURE_SLACK
    return [replace(i, published=now) if i.published is not None and i.published > limit else i
            for i in items]


def backfill_alerts(
    items: Sequence[RawItem], policy: str, now: datetime
) -> tuple[list[RawItem], list[RawItem]]:
    """First poll of a new feed: (entries that alert, entries only recorded as seen)."""
    if policy == "all":
        return list(items), []
    if policy == "24h":
        fresh = [i for i in items if i.published is not None and now - i.published <= timedelta(hours=24)]
        ids = {id(i) for i in fresh}
        return fresh, [i for i in items if id(i) not in ids]
    return [], list(items)


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
