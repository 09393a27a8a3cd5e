"""Feed sections: `[[feeds]]`, `[fetch]` defaults and `[health]` (feed polling issue)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from monitor.settings.base import StrictModel
from monitor.settings.types import Duration


class FeedConfig(StrictModel):
    name: str
    url: str
    interval: Duration = Field(default="15m", validate_default=True)  # type: ignore[assignment]
    tags: tuple[str, ...] = ()
    headers: dict[str, str] = {}
    allow_private: bool | None = None  # None: the `[fetch]` default
    backfill: Literal["none", "24h", "all"] = "none"
    silent_after: Duration | None = None
    home: str | None = None


class FetchConfig(StrictModel):
    allow_private: bool = False


class HealthConfig(StrictModel):
    notify: tuple[str, ...] = ()
    failures: int = Field(default=5, ge=1)
