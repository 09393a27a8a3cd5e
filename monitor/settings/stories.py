"""`[stories]`: near-duplicate grouping of articles across sources (issue #12), and
the article-identity knobs (`on_update`, `content_window`) that sit at the top level.

See docs/stories.md for what each value does and how the defaults were tuned.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator

from monitor.settings.base import StrictModel
from monitor.settings.types import Duration

OnUpdate = Literal["rematch", "ignore"]
DedupeMode = Literal["story", "article", "off"]
MAX_WINDOW = timedelta(days=30)


class StoriesConfig(StrictModel):
    enabled: bool = True
    # Estimated Jaccard similarity of word 3-shingles (title + body, teasers removed)
    # at or above which two articles are one story. Tuned on the BBC corpus (bench/dedupe.py).
    threshold: float = Field(default=0.5, ge=0.2, le=1.0)
    window: Duration = Field(default="72h", validate_default=True)  # how long a story stays open
    # The in-memory index holds at most this many articles (about 2.5 kB each: ~50 MB at the
    # default); the oldest go first. The state database keeps the same entries.
    max_articles: int = Field(default=20_000, ge=100, le=1_000_000)

    @field_validator("window")
    @classmethod
    def _window(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= value <= MAX_WINDOW:
            raise ValueError("the story window must be between 1m and 30d")
        return value


def check_content_window(value: timedelta) -> timedelta:
    if value > MAX_WINDOW:
        raise ValueError("content_window must be at most 30d")
    return value
