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
from monitor.settings.stories import OnUpdate, StoriesConfig, check_content_window
from monitor.settings.types import Duration
from monitor.settings.web import WebConfig


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
    # Article identity (docs/stories.md): an edited article (same id, new text) is
    # re-matched or ignored; the same text under another id merges only within the window.
    on_update: OnUpdate = "rematch"
    content_window: Duration = timedelta(hours=24)
    stories: StoriesConfig = StoriesConfig()
    web: WebConfig = WebConfig()  # the local web console (docs/web.md)
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

    @field_validator("content_window")
    @classmethod
    def _content_window(cls, value: timedelta) -> timedelta:
        return check_content_window(value)

    def on_update_by_source(self) -> dict[str, OnUpdate]:
        """Source name -> its `on_update`, for feeds and folders that set one."""
        named = [(f.name, f.on_update) for f in self.feeds]
        named += [(f.source_name, f.on_update) for f in self.folders]
        return {name: value for name, value in named if value is not None}
