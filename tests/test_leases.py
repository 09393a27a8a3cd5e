"""Leases and instance heartbeats, on SQLite and a real PostgreSQL cluster."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.store import Store, open_store
from tests.pgserver import ENGINES, postgres_url, store_on

__all__ = ["postgres_url"]  # a fixture, used by store_on

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


@pytest.fixture(params=ENGINES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from store_on(request, tmp_path)


def test_a_lease_has_one_holder_until_it_expires(store: Store) -> None:
    leases = store.leases
    assert leases.acquire("feed:a", "one", TTL, NOW)
    assert not leases.acquire("feed:a", "two", TTL, NOW + timedelta(seconds=10))
    assert leases.holder("feed:a", NOW + timedelta(seconds=10)) == "one"
    # "one" died and stopped renewing: after expiry "two" takes over.
    later = NOW + TTL + timedelta(seconds=1)
    assert leases.holder("feed:a", later) is None
    assert leases.acquire("feed:a", "two", TTL, later)
    assert leases.holder("feed:a", later) == "two"
    assert not leases.acquire("feed:a", "one", TTL, later)  # the old holder cannot steal it back


def test_renewal_keeps_the_lease_and_its_start(store: Store) -> None:
    leases = store.leases
    assert leases.acquire("lane:t", "one", TTL, NOW)
    assert leases.acquire("lane:t", "one", TTL, NOW + timedelta(seconds=20))  # heartbeat
    # Renewed: still held 40 s after the first take, which the first TTL alone would not give.
    assert not leases.acquire("lane:t", "two", TTL, NOW + timedelta(seconds=40))
    (lease,) = leases.all(NOW + timedelta(seconds=40))
    assert lease.owner == "one" and lease.acquired_at == NOW
    assert lease.expires_at == NOW + timedelta(seconds=50)


def test_release_frees_at_once_and_only_for_the_holder(store: Store) -> None:
    leases = store.leases
    assert leases.acquire("a", "one", TTL, NOW) and leases.acquire("b", "one", TTL, NOW)
    assert not leases.release("a", "two")
    assert leases.release("a", "one")
    assert leases.acquire("a", "two", TTL, NOW)
    assert leases.release_all("one") == 1  # "b"
    assert [lease.name for lease in leases.all(NOW)] == ["a"]


def test_racing_instances_never_both_win(request: pytest.FixtureRequest, store: Store) -> None:
    """Eight instances (own connections) race for the same 50 names: one winner each."""
    url = store.engine.url.render_as_string(hide_password=False)
    others = [open_store(url.replace("sqlite:///", "").removesuffix("/newsmon.db")
                         if url.startswith("sqlite") else url) for _ in range(8)]
    wins: dict[str, list[str]] = {}
    lock = threading.Lock()
    start = threading.Barrier(len(others))

    def race(i: int, s: Store) -> None:
        start.wait()
        for n in range(50):
            if s.leases.acquire(f"article:{n}", f"inst-{i}", TTL, NOW):
                with lock:
                    wins.setdefault(f"article:{n}", []).append(f"inst-{i}")

    threads = [threading.Thread(target=race, args=(i, s)) for i, s in enumerate(others)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in others:
        s.close()
    assert len(wins) == 50
    assert all(len(holders) == 1 for holders in wins.values()), wins
    assert {lease.name: lease.owner for lease in store.leases.all(NOW)} == {
        name: holders[0] for name, holders in wins.items()}


def test_instances_heartbeat_and_prune(store: Store) -> None:
    store.instances.heartbeat("host-a:101:abcd", NOW)
    store.instances.heartbeat("host-b:202:ef01", NOW)
    store.instances.heartbeat("host-a:101:abcd", NOW + timedelta(minutes=5))
    seen = {i.id: i for i in store.instances.all()}
    assert seen["host-a:101:abcd"].pid == 101 and seen["host-a:101:abcd"].host == "host-a"
    assert seen["host-a:101:abcd"].heartbeat_at == NOW + timedelta(minutes=5)
    assert seen["host-a:101:abcd"].started_at == NOW
    assert store.instances.prune(NOW + timedelta(minutes=1)) == 1  # host-b went silent
    assert [i.id for i in store.instances.all()] == ["host-a:101:abcd"]


def test_status_lists_instances_and_their_leases(tmp_path: Path, postgres_url: str) -> None:
    """`newsmon status` on a shared database: who is running, since when, holding what."""
    import json
    import subprocess
    from datetime import datetime as real_datetime

    from tests.conftest import newsmon_cmd
    from tests.pgserver import reset_database

    reset_database(postgres_url)
    store = open_store(postgres_url)
    now = real_datetime.now(UTC)
    store.instances.heartbeat("host-a:101:abcd", now)
    assert store.leases.acquire("lane:desk", "host-a:101:abcd", TTL, now)
    assert store.leases.acquire("feed:wire", "host-a:101:abcd", TTL, now)
    store.close()
    config = tmp_path / "newsmon.toml"
    config.write_text(f'[state]\nurl = "{postgres_url}"\n')
    out = subprocess.run(newsmon_cmd("status", "--config", str(config), "--json"),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    (inst,) = doc["instances"]
    assert inst["id"] == "host-a:101:abcd" and inst["leases"] == ["feed:wire", "lane:desk"]
    text = subprocess.run(newsmon_cmd("status", "--config", str(config)),
                          capture_output=True, text=True, timeout=60).stdout
    assert "1 instance(s) share this database" in text and "lane:desk" in text


def test_feeds_are_spread_over_live_instances_and_only_a_dead_ones_share_moves() -> None:
    """Rendezvous hashing: each instance polls about a third of the feeds (no race for every
    feed), and when one dies only its feeds move to the others."""
    from monitor.coordination import rendezvous_owner

    names = [f"feed:f{i}" for i in range(3000)]
    three = ["host:1:a", "host:2:b", "host:3:c"]
    owners = {n: rendezvous_owner(n, three) for n in names}
    counts = {i: sum(1 for o in owners.values() if o == i) for i in three}
    assert all(800 < c < 1200 for c in counts.values()), counts
    two = [i for i in three if i != "host:2:b"]
    moved = {n for n in names if rendezvous_owner(n, two) != owners[n]}
    assert moved == {n for n, o in owners.items() if o == "host:2:b"}
    assert rendezvous_owner("feed:x", []) is None


def test_an_instance_sees_the_live_ones_at_each_heartbeat(postgres_url: str) -> None:
    """`owns` follows the instances table: a second instance takes about half the feeds
    once both have beaten; a silent one stops counting after the lease ttl."""
    from monitor.coordination import Shared
    from tests.pgserver import reset_database

    reset_database(postgres_url)
    store = open_store(postgres_url)
    clock = [NOW]
    try:
        a = Shared(store.leases, store.instances, lambda: clock[0], TTL, instance_id="host:1:a")
        b = Shared(store.leases, store.instances, lambda: clock[0], TTL, instance_id="host:2:b")
        a.beat_once()
        names = [f"feed:f{i}" for i in range(200)]
        assert all(a.owns(n) for n in names)  # alone
        b.beat_once()
        a.beat_once()
        mine = {n for n in names if a.owns(n)}
        assert 60 < len(mine) < 140
        assert mine.isdisjoint({n for n in names if b.owns(n)})
        clock[0] = NOW + TTL + timedelta(seconds=1)  # b falls silent
        a.beat_once()
        assert all(a.owns(n) for n in names)
    finally:
        store.close()
