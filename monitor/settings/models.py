"""The root config model. Each section lives in its own module.

Shape and type checks only: checks that need another room (query syntax,
Apprise URLs, templates, cron, places, cross-references, folders on disk)
run in one pass in `monitor.validate`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, field_validator

from monitor.settings.alerts import AlertsConfig
from monitor.settings.base import StrictModel
from monitor.settings.errors import where
from monitor.settings.feeds import FeedConfig, FetchConfig, HealthConfig
from monitor.settings.folders import FolderConfig
from monitor.settings.locations import PlaceConfig
from monitor.settings.rules import RuleConfig
from monitor.settings.service import HttpConfig
from monitor.settings.state import StateConfig
from monitor.settings.types import Duration


class Config(StrictModel):
    state_dir: Path | None = None
    state: StateConfig = StateConfig()  # [state] url: a shared PostgreSQL database instead
    # How long sent and dead alerts and the notification log are kept ("0" keeps
    # them for ever). Seen articles are always kept (they prevent re-alerts).
    retention: Duration = timedelta(days=90)
    include: tuple[str, ...] = ()  # globs of drop-in files, relative to the main file
    log_level: str = "info"
    folders: tuple[FolderConfig, ...] = ()
    feeds: tuple[FeedConfig, ...] = ()
    fetch: FetchConfig = FetchConfig()
    health: HealthConfig = HealthConfig()
    rules: tuple[RuleConfig, ...] = ()
    places: tuple[PlaceConfig, ...] = ()
    targets: dict[str, tuple[str, ...]] = {}
    alerts: AlertsConfig = AlertsConfig()
    http: HttpConfig = HttpConfig()  # optional /healthz, /readyz, /metrics
    # Where the config came from (set by the loader, not by the user).
    source_file: Path | None = Field(default=None, exclude=True)
    # Which file set each list entry and target: "rules[7]" -> (drop-in, "rules[2]").
    origins: dict[str, tuple[Path, str]] = Field(default_factory=dict, exclude=True)

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"debug", "info", "warning", "error"}:
            raise ValueError("expected one of debug, info, warning, error")
        return value

    def where(self, path: str) -> tuple[Path | str, str]:
        """(file, path in that file) for a dotted path of this merged config."""
        return where(self.origins, self.source_file or "config", path)
