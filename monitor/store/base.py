"""The store's interfaces. Code outside `store/` sees these, never SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class NewAlert:
    """One alert for one target, written to the outbox with the article."""

    target: str
    key: str  # idempotency key: the same alert re-sent carries the same key
    title: str
    body: str
    body_format: str = "text"
    notify_type: str = "info"
    rules: tuple[str, ...] = ()
    article_id: str | None = None
    # Alerts policy: "held" rows wait for `release_at` and then go out in one digest.
    state: str = "pending"  # "pending" | "held"
    release_at: datetime | None = None
    reason: str = ""  # why held / how routed: "immediate", "digest", "quiet-hours", "throttled"


@dataclass(frozen=True)
class OutboxRow:
    id: int
    target: str
    key: str
    title: str
    body: str
    body_format: str
    notify_type: str
    rules: tuple[str, ...]
    article_id: str | None
    state: str  # "pending" | "sent" | "dead" | "held" | "batched" (folded into a digest row)
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str
    sent_at: datetime | None
    release_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class DeliveryLogEntry:
    """One delivery attempt for the notification log: what was sent, when, the outcome."""

    row: OutboxRow
    at: datetime
    ok: bool
    title: str
    detail: str  # JSON: {"reason": ..., "services": [{service, url, format, ok, reason}]}


@dataclass(frozen=True)
class SeenRow:
    """What the store knows about one recorded article (identity, last text, alerts so far)."""

    id: str
    source: str
    url: str
    title: str
    content_hash: str
    alerted: frozenset[str]  # rules that alerted on any version of it
    story_id: str | None
    first_seen: datetime
    published: datetime | None = None
    content_at: datetime | None = None  # when this text was first recorded (a copy: the original's)


@dataclass(frozen=True)
class StoryWrite:
    """The story side of recording one article, written in the same transaction."""

    story_id: str
    signature: bytes | None = None  # None: not indexed (too short, or an exact copy)
    story_at: datetime | None = None  # when the story began; None: now (a new story)


class SourceStateStore(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...
    def put(self, key: str, value: dict[str, Any]) -> None: ...
    def all(self, prefix: str = "") -> dict[str, dict[str, Any]]: ...


class SeenStore(Protocol):
    def is_seen(self, article_id: str) -> bool: ...

    def record(self, article: Any, alerts: Sequence[NewAlert], now: datetime,
               rules: Sequence[str] = (), *, alerted: Sequence[str] = (),
               story: StoryWrite | None = None, update: bool = False,
               content_at: datetime | None = None) -> bool: ...


class OutboxStore(Protocol):
    def next_for(self, target: str) -> OutboxRow | None: ...
    def mark_sent(self, row_id: int, now: datetime, log: DeliveryLogEntry | None = None) -> None: ...
    def mark_retry(self, row_id: int, error: str, next_at: datetime, now: datetime,
                   log: DeliveryLogEntry | None = None) -> None: ...
    def mark_dead(self, row_id: int, error: str, now: datetime,
                  log: DeliveryLogEntry | None = None) -> None: ...
    def pending_targets(self) -> list[str]: ...
