"""The store's interfaces, parametrised by engine: SQLite and a real PostgreSQL cluster."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.article import RawItem, normalise
from monitor.store import Store, open_store
from monitor.store.base import NewAlert
from monitor.store.schema import LATEST
from tests.pgserver import ENGINES, postgres_url, store_on

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
__all__ = ["postgres_url"]  # a fixture, used by store_on


@pytest.fixture(params=ENGINES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from store_on(request, tmp_path)


def _article(key: str = "a.txt", body: str = "Body text"):
    return normalise(RawItem(source="seeds", key=key, title="Title", body=body), NOW)


def test_sqlite_file_uses_wal_and_full_sync(tmp_path: Path) -> None:
    s = open_store(tmp_path / "st")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("SELECT version FROM schema_version").scalar() == LATEST
    s.close()


def test_record_marks_seen_and_queues_alerts_atomically(store: Store) -> None:
    art = _article()
    alert = NewAlert(target="t", key=f"article:{art.id}", title="T", body="B", rules=("r",),
                     article_id=art.id)
    assert not store.is_seen(art.id)
    assert store.record(art, [alert], NOW, rules=["r"])
    assert store.is_seen(art.id)
    assert not store.record(art, [alert], NOW)  # a second writer changes nothing
    row = store.next_for("t")
    assert row is not None and row.rules == ("r",) and row.created_at == NOW
    assert store.count("pending") == 1


def test_same_content_from_another_source_counts_as_seen(store: Store) -> None:
    a = _article("a.txt")
    store.record(a, [], NOW)
    b = normalise(RawItem(source="feed", key="guid-1", title="Title", body="Body   text"), NOW)
    assert b.id != a.id and store.is_seen(b.id, b.content_hash)


def test_outbox_order_retry_dead_and_requeue(store: Store) -> None:
    alerts = [NewAlert(target="t", key=f"k{i}", title=f"T{i}", body="B") for i in range(3)]
    store.enqueue(alerts, NOW)
    first = store.next_for("t")
    assert first is not None and first.title == "T0"
    store.mark_retry(first.id, "connection refused", NOW + timedelta(seconds=30), NOW)
    again = store.next_for("t")
    assert again is not None and again.id == first.id and again.attempts == 1  # order is kept
    assert again.next_attempt_at == NOW + timedelta(seconds=30)
    store.mark_dead(first.id, "gave up", NOW)
    nxt = store.next_for("t")
    assert nxt is not None and nxt.title == "T1"
    assert store.requeue(None, NOW) == 1
    assert store.rows("dead") == []
    store.enqueue(alerts[:1], NOW)  # same key again: not queued twice
    assert store.count("pending") == 3


def test_source_state_round_trip(store: Store) -> None:
    store.sources.put("feed:a", {"etag": '"x"', "failures": 0})
    store.sources.put("feed:a", {"etag": '"y"', "failures": 1})
    store.sources.put("other:b", {"k": 1})
    assert store.sources.get("feed:a") == {"etag": '"y"', "failures": 1}
    assert list(store.sources.all("feed:")) == ["feed:a"]
    assert store.sources.get("missing") is None


def test_state_survives_reopen(tmp_path: Path) -> None:
    s = open_store(tmp_path / "st")
    art = _article()
    s.record(art, [NewAlert(target="t", key="k", title="T", body="B")], NOW)
    s.close()
    s2 = open_store(tmp_path / "st")
    assert s2.is_seen(art.id) and s2.count("pending") == 1
    s2.close()


def test_prune_drops_only_old_finished_alerts_and_log_entries(store: Store) -> None:
    from monitor.store.base import DeliveryLogEntry

    old, recent = NOW - timedelta(days=100), NOW - timedelta(days=1)
    art = _article()
    store.record(art, [NewAlert(target="t", key="sent-old", title="A", body="B")], old)
    store.enqueue([NewAlert(target="t", key="dead-old", title="D", body="B"),
                   NewAlert(target="t", key="pending-old", title="P", body="B"),
                   NewAlert(target="t", key="held-old", title="H", body="B", state="held",
                            release_at=NOW + timedelta(hours=1), reason="digest")], old)
    store.enqueue([NewAlert(target="t", key="sent-new", title="N", body="B")], recent)
    by_key = {r.key: r for r in store.rows()}
    store.mark_sent(by_key["sent-old"].id, old,
                    log=DeliveryLogEntry(by_key["sent-old"], old, True, "A", "{}"))
    store.mark_dead(by_key["dead-old"].id, "gave up", old)
    store.mark_sent(by_key["sent-new"].id, recent,
                    log=DeliveryLogEntry(by_key["sent-new"], recent, True, "N", "{}"))
    assert store.prune(NOW - timedelta(days=90)) == (2, 1)
    assert sorted(r.key for r in store.rows()) == ["held-old", "pending-old", "sent-new"]
    assert [d["key"] for d in store.deliveries()] == ["sent-new"]
    assert store.is_seen(art.id)  # what stops a re-alert is kept
    assert store.prune(NOW - timedelta(days=90)) == (0, 0)
