"""Times in the state: stored as naive UTC (SQLite has no time zones), read back as aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
