"""State behind narrow interfaces: seen articles, the outbox, source state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.store.base import OutboxRow, SourceStateStore

if TYPE_CHECKING:
    from monitor.store.sql import Store, open_store

__all__ = ["OutboxRow", "SourceStateStore", "Store", "open_store"]


def __getattr__(name: str) -> Any:
    # The SQL store (and SQLAlchemy, 0.2 s to import) is loaded on first use, so
    # modules that only need the row types (routing, templates) do not pay for it.
    if name in ("Store", "open_store"):
        from monitor.store import sql

        return getattr(sql, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
