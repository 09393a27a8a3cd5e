"""`[alerts]`: delivery defaults (alerts issue extends this with routing policy)."""

from __future__ import annotations

from pydantic import Field

from monitor.settings.base import StrictModel
from monitor.settings.types import Duration


class AlertsConfig(StrictModel):
    # Outbox retries: exponential backoff from `retry_initial` doubling to
    # `retry_max`, for at most `max_age`, then dead-letter.
    retry_initial: Duration = Field(default="30s", validate_default=True)  # type: ignore[assignment]
    retry_max: Duration = Field(default="1h", validate_default=True)  # type: ignore[assignment]
    max_age: Duration = Field(default="24h", validate_default=True)  # type: ignore[assignment]
