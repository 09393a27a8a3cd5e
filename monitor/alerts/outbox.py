"""What to do after a delivery attempt: pure, clock passed in, reasons named."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from monitor.alerts.deliver import DeliveryResult
from monitor.settings.alerts import AlertsConfig

Action = Literal["sent", "retry", "dead"]


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    next_attempt_at: datetime | None = None


def backoff(attempts: int, cfg: AlertsConfig, jitter: float = 0.0) -> timedelta:
    """retry_initial * 2^(attempts-1), capped at retry_max, +/- jitter (a fraction)."""
    base = cfg.retry_initial.total_seconds() * (2 ** max(0, attempts - 1))
    delay = min(base, cfg.retry_max.total_seconds())
    return timedelta(seconds=delay * (1 + jitter))


def decide(result: DeliveryResult, attempts_before: int, created_at: datetime, now: datetime,
           cfg: AlertsConfig, rng: random.Random | None = None) -> Decision:
    if result.ok:
        return Decision("sent", "delivered")
    if result.permanent:
        return Decision("dead", f"permanent failure: {result.reason}")
    attempts = attempts_before + 1
    jitter = (rng or random).uniform(-0.1, 0.1)
    next_at = now + backoff(attempts, cfg, jitter)
    if next_at - created_at > cfg.max_age:
        return Decision("dead", f"gave up after {attempts} attempts over "
                                f"{cfg.max_age} (alerts.max_age): {result.reason}")
    return Decision("retry", f"attempt {attempts} failed: {result.reason}", next_at)
