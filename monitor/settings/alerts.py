"""`[alerts]`: delivery defaults and the routing policy every rule inherits.

A rule may override any policy field (`mode`, `digest`, `max_per_hour`,
`quiet`, `priority`, `tz`, `templates`); `None` on a rule means "use the
`[alerts]` value". `effective_policy(alerts, rule)` merges the two.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from monitor.settings.base import StrictModel
from monitor.settings.types import Duration, at_most

Mode = Literal["immediate", "digest"]
Priority = Literal["low", "normal", "high", "urgent"]
PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
FORMATS = ("text", "markdown", "html")
_CONFIG_SUFFIXES = (".yml", ".yaml", ".txt", ".cfg", ".conf")  # Apprise config files
_QUIET = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


def check_tz(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'unknown time zone "{value}" (use an IANA name such as "Europe/Kyiv")') from None
    return value


def parse_quiet(value: str) -> tuple[time, time]:
    """`"22:00-07:00"` -> (22:00, 07:00); the window may cross midnight."""
    m = _QUIET.match(value)
    if not m:
        raise ValueError(f'quiet hours must read "HH:MM-HH:MM", got "{value}"')
    start, end = time(int(m.group(1)), int(m.group(2))), time(int(m.group(3)), int(m.group(4)))
    if start == end:
        raise ValueError("quiet hours start and end at the same time")
    return start, end


class DigestConfig(StrictModel):
    cron: str = "0 8 * * *"  # five crontab fields, read in `tz` (checked in monitor/validate.py)
    tz: str | None = None  # None: the rule's (or [alerts]) tz
    send_empty: bool = False  # send "nothing new" when the digest is empty

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_tz(value)


class TemplatesConfig(StrictModel):
    """User Jinja2 templates (files), one per format, plus an inline title.

    Each is compiled in a sandbox and test-rendered by `monitor.validate` when the
    config is checked, so a broken template is a config error, not a failed alert
    at 3 a.m.
    """

    title: str | None = None  # inline template, e.g. "{{ rules|join(', ') }}: {{ article.title }}"
    text: Path | None = None
    markdown: Path | None = None
    html: Path | None = None
    # Digests (and "after quiet hours" batches): the same, over `groups` of articles.
    digest_title: str | None = None  # e.g. "{{ count }} new: {{ rules|join(', ') }}"
    digest_text: Path | None = None
    digest_markdown: Path | None = None
    digest_html: Path | None = None


class PolicyFields(StrictModel):
    """Routing policy: set in `[alerts]` (defaults) or on a rule (overrides)."""

    mode: Mode | None = None
    digest: DigestConfig | None = None
    max_per_hour: int | None = Field(default=None, ge=1, le=100_000)
    quiet: str | None = None
    priority: Priority | None = None
    tz: str | None = None
    templates: TemplatesConfig | None = None

    @field_validator("quiet")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None:
            parse_quiet(value)
        return value

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_tz(value)


class AlertsConfig(PolicyFields):
    # Outbox retries: exponential backoff from `retry_initial` doubling to
    # `retry_max`, for at most `max_age`, then dead-letter.
    retry_initial: Annotated[Duration, at_most("1d")] = Field(default="30s",
                                                                              validate_default=True)
    retry_max: Annotated[Duration, at_most("30d")] = Field(default="1h", validate_default=True)
    max_age: Annotated[Duration, at_most("365d")] = Field(default="24h", validate_default=True)
    # Our own per-target rate limit (minimum gap between two sends to one
    # target), replacing Apprise's in-plugin sleep. Unset targets use the
    # gap the Apprise plugin asks for (5.5 s for email, 0 for most webhooks).
    min_interval: dict[str, Annotated[Duration, at_most("1d")]] = Field(default_factory=dict)
    # Per-target cap on message length in characters (after rendering);
    # unset targets use the Apprise plugin's `body_maxlen`.
    max_chars: dict[str, Annotated[int, Field(ge=1, le=1_000_000)]] = Field(default_factory=dict)


class Policy(StrictModel):
    """One rule's effective policy (rule overrides merged over `[alerts]`)."""

    mode: Mode = "immediate"
    digest: DigestConfig = DigestConfig()
    max_per_hour: int | None = None
    quiet: str | None = None
    priority: Priority = "normal"
    tz: str = "UTC"
    templates: TemplatesConfig | None = None

    @property
    def digest_tz(self) -> str:
        return self.digest.tz or self.tz

    @property
    def quiet_window(self) -> tuple[time, time] | None:
        return parse_quiet(self.quiet) if self.quiet else None


def effective_policy(alerts: AlertsConfig, rule: PolicyFields | None = None) -> Policy:
    values: dict[str, object] = {}
    for name in Policy.model_fields:
        rule_value = getattr(rule, name, None) if rule is not None else None
        value = rule_value if rule_value is not None else getattr(alerts, name)
        if value is not None:
            values[name] = value
    # `digest = {...}` on a rule that does not set `mode` means it wants digests.
    if rule is not None and rule.digest is not None and rule.mode is None:
        values["mode"] = "digest"
    return Policy.model_validate(values)


def resolve_alert_paths(data: dict[str, Any], base: Path) -> None:
    """Template files and Apprise config files are relative to the TOML file naming them."""

    def fix(templates: object) -> None:
        if isinstance(templates, dict):
            for key in (*FORMATS, *(f"digest_{fmt}" for fmt in FORMATS)):
                if isinstance(templates.get(key), str):
                    templates[key] = str((base / Path(templates[key]).expanduser()).resolve())

    alerts = data.get("alerts")
    if isinstance(alerts, dict):
        fix(alerts.get("templates"))
    rules = data.get("rules")
    if isinstance(rules, list):  # (no call per rule: 100,000 rules, few with templates)
        for templates in [r["templates"] for r in rules if isinstance(r, dict) and "templates" in r]:
            fix(templates)
    targets = data.get("targets")
    if isinstance(targets, dict):
        for name, urls in targets.items():
            if isinstance(urls, list):
                targets[name] = [_config_file_path(u, base) for u in urls]


def is_config_file(entry: str) -> bool:
    """An Apprise YAML/TEXT config file (a path or file:// URL) rather than a service URL."""
    text = entry.strip()
    return text.startswith("file://") or ("://" not in text and text.lower().endswith(_CONFIG_SUFFIXES))


def _config_file_path(entry: object, base: Path) -> object:
    if not isinstance(entry, str) or "://" in entry or not is_config_file(entry):
        return entry
    return str((base / Path(entry).expanduser()).resolve())
