"""Feed sections: `[[feeds]]`, `[fetch]` defaults and `[health]` (feed polling issue)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator

from monitor.settings.base import StrictModel
from monitor.settings.types import Duration, HomePlaces, at_most

# Headers a feed may not set: they would break framing or the SSRF guard's view of the host.
MAX_BYTES = 1024**3  # 1 GiB: the largest document or file the config may allow
_FORBIDDEN_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "te", "upgrade"}


class FeedAuth(StrictModel):
    """HTTP basic auth for one feed. Never logged."""

    username: str
    password: str = Field(default="", repr=False)


class FeedConfig(StrictModel):
    name: str
    # Any string is accepted here: a non-http(s) or guarded URL is refused when
    # fetched, with a log line, so one bad feed never stops the others.
    url: str
    interval: Annotated[Duration, at_most("7d")] = Field(default="15m", validate_default=True)
    tags: tuple[str, ...] = ()
    headers: dict[str, str] = Field(default_factory=dict)
    auth: FeedAuth | None = None
    allow_private: bool | None = None  # None: the `[fetch]` default
    backfill: Literal["none", "24h", "all"] = "none"
    silent_after: Annotated[Duration, at_most("365d")] | None = None  # None: `[health]`
    home: HomePlaces | None = None  # a place (or a few) that disambiguates locations
    enabled: bool = True
    on_update: Literal["rematch", "ignore"] | None = None  # None: the top-level `on_update`

    @field_validator("name", "url")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=1):
            raise ValueError("a feed interval must be at least 1s")
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if name.lower() in _FORBIDDEN_HEADERS:
                raise ValueError(f'header "{name}" cannot be set per feed')
            if any(c in name + text for c in "\r\n\x00"):
                raise ValueError(f'header "{name}" contains a line break')
        return value


class FetchConfig(StrictModel):
    """Defaults for every feed fetch."""

    allow_private: bool = False
    timeout: Annotated[Duration, at_most("1h")] = Field(default="30s", validate_default=True)
    connect_timeout: Annotated[Duration, at_most("1h")] = Field(default="10s",
                                                                                validate_default=True)
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0, le=MAX_BYTES)  # after decompression
    max_redirects: int = Field(default=5, ge=0, le=20)
    per_host: int = Field(default=2, ge=1, le=64)  # concurrent requests to one host
    concurrency: int = Field(default=16, ge=1, le=256)  # concurrent requests in all
    max_backoff: Annotated[Duration, at_most("30d")] = Field(default="6h",
                                                                             validate_default=True)
    jitter: Annotated[Duration, at_most("1d")] = Field(default="30s", validate_default=True)
    parse_workers: int = Field(default=2, ge=1, le=32)
    # Entries read per feed document; a longer feed keeps its newest and logs a warning.
    max_items: int = Field(default=5000, ge=1, le=1_000_000)
    user_agent: str | None = None  # replaces `newsmon/<version> (+url)`


class HealthConfig(StrictModel):
    notify: tuple[str, ...] = ()
    failures: int = Field(default=5, ge=1, le=10_000)
    # A feed with no new entry this long is "silent".
    silent_after: Annotated[Duration, at_most("365d")] | None = None
