"""The store's interfaces, parametrised by engine: SQLite and a real PostgreSQL cluster."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.article import RawItem, normalise
from monitor.store import Store, open_store
from monitor.store.base import NewAlert, StoryWrite
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


def test_identity_is_the_id_and_same_text_is_only_a_copy_within_the_window(store: Store) -> None:
    a = _article("a.txt")
    store.record(a, [], NOW)
    b = normalise(RawItem(source="feed", key="guid-1", title="Title", body="Body   text"), NOW)
    assert b.id != a.id and b.content_hash == a.content_hash
    assert not store.is_seen(b.id) and not store.is_seen(b.id, b.content_hash)  # another id: not seen
    copy = store.content_copy(b.content_hash, NOW - timedelta(hours=24), other_than=b.id)
    assert copy is not None and copy.id == a.id and copy.source == "seeds"
    # Recorded longer ago than the window: not a copy.
    assert store.content_copy(b.content_hash, NOW + timedelta(seconds=1), other_than=b.id) is None
    assert store.is_seen(a.id, a.content_hash) and not store.is_seen(a.id, "other-text")


def test_update_keeps_the_row_with_new_text_and_the_union_of_alerted_rules(store: Store) -> None:
    a = _article("a.txt")
    assert store.record(a, [], NOW, rules=["r1"], alerted=["r1"], story=StoryWrite("s1", b"x" * 256))
    edited = _article("a.txt", body="Body text, corrected")
    later = NOW + timedelta(hours=1)
    assert store.record(edited, [], later, rules=["r1", "r2"], alerted=["r1", "r2"], update=True,
                        story=StoryWrite("s1", None))
    assert not store.record(edited, [], later, update=True)  # the same version again: nothing
    row = store.seen_row(a.id)
    assert row is not None and row.content_hash == edited.content_hash
    assert row.alerted == {"r1", "r2"} and row.story_id == "s1" and row.first_seen == NOW
    assert store.story_alerted("s1") == {"r1", "r2"}
    assert [m.id for m in store.story_members(a.id)] == [a.id]


def test_stories_expire_but_membership_stays_for_history(store: Store) -> None:
    a, b = _article("a.txt"), _article("b.txt", body="Body text again")
    store.record(a, [], NOW, alerted=["r"], story=StoryWrite(a.id, b"a" * 256))
    store.record(b, [], NOW + timedelta(hours=1), story=StoryWrite(a.id, b"b" * 256))
    assert [m.id for m in store.story_members(b.id)] == [a.id, b.id]
    assert len(store.story_entries(NOW - timedelta(hours=1), 10)) == 2
    assert store.expire_stories(NOW + timedelta(minutes=30)) == 1  # only entries begun before go
    assert store.story_alerted(a.id) == {"r"}
    assert store.expire_stories(NOW + timedelta(hours=2)) == 1
    assert store.story_entries(NOW - timedelta(hours=1), 10) == []
    assert store.story_alerted(a.id) == {"r"}  # kept with the membership: an update of a member sees it
    assert [m.id for m in store.story_members(a.id)] == [a.id, b.id]


def test_v1_database_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    with sqlite3.connect(folder / "newsmon.db") as db:  # the schema the first release wrote
        db.executescript("""
            CREATE TABLE schema_version (version INTEGER NOT NULL);
            INSERT INTO schema_version VALUES (1);
            CREATE TABLE seen_articles (id VARCHAR(64) PRIMARY KEY, source VARCHAR(200) NOT NULL,
                content_hash VARCHAR(64) NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL,
                published DATETIME, first_seen DATETIME NOT NULL, rules TEXT NOT NULL);
            INSERT INTO seen_articles VALUES ('old1', 'seeds', 'h1', '', 'T', NULL,
                                              '2026-01-01 00:00:00', 'r');
        """)
    s = open_store(folder)
    try:
        row = s.seen_row("old1")
        assert row is not None and row.alerted == {"r"} and row.story_id is None  # matched = alerted
        assert s.story_members("old1")[0].id == "old1" and s.story_entries(NOW - timedelta(days=999), 5) == []
    finally:
        s.close()


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
