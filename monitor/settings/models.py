"""The root config model. Each section lives in its own module."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from monitor.settings.alerts import AlertsConfig
from monitor.settings.base import StrictModel
from monitor.settings.feeds import FeedConfig, FetchConfig, HealthConfig
from monitor.settings.folders import FolderConfig
from monitor.settings.locations import PlaceConfig
from monitor.settings.rules import RuleConfig
from monitor.settings.types import Duration
from monitor.settings.web import WebConfig


class Config(StrictModel):
    state_dir: Path | None = None
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
    web: WebConfig = WebConfig()  # the local web console (docs/web.md)
    # Where the config came from (set by the loader, not by the user).
    source_file: Path | None = Field(default=None, exclude=True)

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"debug", "info", "warning", "error"}:
            raise ValueError("expected one of debug, info, warning, error")
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        from monitor.alerts.deliver import check_url
        from monitor.redact import mask_url

        for name, urls in value.items():
            if not urls:
                raise ValueError(f'target "{name}": needs at least one Apprise URL')
            for url in urls:
                problem = check_url(url)
                if problem:
                    raise ValueError(f'target "{name}": {problem}: {mask_url(url)}')
        return value

    @model_validator(mode="after")
    def _cross_refs(self) -> Config:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise ValueError(f'two rules are named "{rule.name}"; rule names must be unique')
            seen.add(rule.name)
            for target in rule.notify:
                if not _target_known(target, self.targets):
                    raise ValueError(
                        f'rule "{rule.name}": notify names target "{target}", '
                        f"which is not in [targets] (known: {', '.join(sorted(self.targets)) or 'none'})"
                    )
        for target in self.health.notify:
            if not _target_known(target, self.targets):
                raise ValueError(f'health.notify names unknown target "{target}"')
        names = [f.name for f in self.feeds]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"two feeds share the name {sorted(dupes)[0]!r}; feed names must be unique")
        return self


def _target_known(name: str, targets: dict[str, tuple[str, ...]]) -> bool:
    return name in targets or name.startswith("tag:")
