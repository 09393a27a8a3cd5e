"""State behind narrow interfaces: seen articles, the outbox, source state."""

from monitor.store.base import OutboxRow, SourceStateStore
from monitor.store.sql import Store, open_store

__all__ = ["OutboxRow", "SourceStateStore", "Store", "open_store"]
