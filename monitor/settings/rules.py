"""`[[rules]]`: what to look for (keyword query and/or locations) and whom to tell."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from monitor.settings.alerts import PolicyFields
from monitor.settings.locations import LocationsConfig


class RuleConfig(PolicyFields):
    """Policy fields (mode, digest, max_per_hour, quiet, priority, tz, templates) override [alerts]."""

    name: str
    query: str | None = None
    locations: LocationsConfig | None = None
    notify: tuple[str, ...] = ()
    # One alert per story ("story"), per article ("article"), or per version ("off"): docs/stories.md.
    dedupe: Literal["story", "article", "off"] = "story"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise ValueError("a rule needs a non-empty name")
        return value

    @model_validator(mode="after")
    def _something(self) -> RuleConfig:
        # The query's syntax is checked by `monitor.validate` (it needs the query parser).
        if self.query is None and self.locations is None:
            raise ValueError(f'rule "{self.name}": needs a `query`, `locations`, or both')
        return self
