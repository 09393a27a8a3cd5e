"""The web console's sources, alerts, outbox and targets pages, with real servers on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.article import RawItem, normalise
from monitor.settings import load_config
from monitor.store.base import DeliveryLogEntry
from tests.web.webenv import (
    HOSTILE,
    Env,
    alert,
    no_inline_code,
)

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "feeds"))
from feedserver import FeedServer, feed_route, fixture, send

# -- sources ----------------------------------------------------------------

@pytest.fixture
def site() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    page = (b'<html><head><title>Local news</title>'
            b'<link rel="alternate" type="application/rss+xml" title="Top &amp; stories" href="/rss.xml">'
            b'<link rel="alternate" type="application/atom+xml" href="atom.xml">'
            b'<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
            b'<link rel="stylesheet" href="/s.css"></head><body>hi</body></html>')
    srv.routes["/news"] = lambda h: send(h, 200, page, "text/html; charset=utf-8")
    srv.routes["/rss.xml"] = feed_route(fixture("rss20.xml"))
    yield srv
    srv.stop()


def test_discover_feeds_on_a_page_and_add_one(tmp_path: Path, site: FeedServer) -> None:
    e = Env(tmp_path, extra="\n[fetch]\nallow_private = true\n")
    try:
        found = e.client.post("/sources/discover", data={"csrf": e.csrf(), "url": site.url("/news")})
        assert found.status_code == 200
        assert site.url("/rss.xml") in found.text and site.url("/atom.xml") in found.text
        assert "javascript:" not in found.text and 'value="Top &amp; stories"' in found.text
        direct = e.client.post("/sources/discover", data={"csrf": e.csrf(), "url": site.url("/rss.xml")})
        assert site.url("/rss.xml") in direct.text
        added = e.client.post("/sources/add", data={"csrf": e.csrf(), "url": site.url("/rss.xml"),
                                                    "name": "Local news"}, follow_redirects=False)
        assert added.status_code == 303
        assert [(f.name, f.url) for f in e.app.config.feeds] == [("Local news", site.url("/rss.xml"))]
        assert (tmp_path / "feeds.d" / "web-feeds.toml").exists()
        again = e.client.post("/sources/add", data={"csrf": e.csrf(), "url": site.url("/rss.xml"),
                                                    "name": "dup"})
        assert again.status_code == 400 and "already configured" in again.text
        page = e.client.get("/sources")
        assert "Local news" in page.text and "never" in page.text
    finally:
        e.close()


def test_discovery_refuses_private_addresses_by_default(env: Env, site: FeedServer) -> None:
    found = env.client.post("/sources/discover", data={"csrf": env.csrf(), "url": site.url("/news")})
    assert "could not fetch" in found.text and not site.hits
    bad = env.client.post("/sources/discover", data={"csrf": env.csrf(), "url": "file:///etc/passwd"})
    assert "give an http:// or https:// address" in bad.text


def test_opml_import_and_export(env: Env) -> None:
    opml = fixture("reader-export.opml")
    got = env.client.post("/sources/import", data={"csrf": env.csrf()},
                          files={"opml": ("reader.opml", opml, "text/x-opml")}, follow_redirects=False)
    assert got.status_code == 303, got.text[:500]
    names = [f.name for f in env.app.config.feeds]
    assert names
    exported = env.client.get("/sources/opml")
    assert exported.headers["content-type"].startswith("text/x-opml")
    for feed in env.app.config.feeds:
        assert feed.url.replace("&", "&amp;") in exported.text
    broken = env.client.post("/sources/import", data={"csrf": env.csrf()},
                             files={"opml": ("x.opml", b"<!DOCTYPE x [<!ENTITY a 'b'>]><opml/>", "text/xml")})
    assert broken.status_code == 400 and "x.opml: DOCTYPE/ENTITY declarations are not accepted" in broken.text


def test_sources_show_feed_health_from_the_state(env: Env) -> None:
    from monitor.sources.feeds import state_key

    env.main.write_text(env.main.read_text() + '\n[[feeds]]\nname = "wire"\nurl = "https://wire.example/rss?key=abcdefghijklmnopqrstuvwxyz"\n')
    env.app.reload(load_config(env.main))
    env.store.sources.put(state_key("wire"), {
        "url": "https://wire.example/rss?key=abcdefghijklmnopqrstuvwxyz",
        "last_attempt": "2026-01-01T00:00:00+00:00",
        "failures": 3, "health": "failing", "last_error": "HTTP 503 <b>down</b>", "last_status": 503,
        "hold_until": "2026-01-01T04:00:00+00:00", "next_poll": "2026-01-01T04:00:00+00:00"})
    page = env.client.get("/sources")
    assert "failing" in page.text and "HTTP 503 &lt;b&gt;down&lt;/b&gt;" in page.text
    assert "2026-01-01 04:00 UTC<br><span class=\"muted\">backing off after 3 failure(s)" in page.text
    assert "abcdefghijklmnopqrstuvwxyz" not in page.text  # the key is masked


# -- alerts, outbox, targets ----------------------------------------------------

def test_alerts_history_filters_and_detail(env: Env) -> None:
    now = datetime.now(UTC)
    art = normalise(RawItem(source="wire", key="k1", title=HOSTILE, body="River flood."), now)
    env.store.record(art, [alert("a1", "Flood alert <script>", article_id=art.id)], now, rules=["floods"])
    env.store.enqueue([alert("a2", "Other thing 50%_off", rules=("other",))], now - timedelta(days=10))
    rows = env.store.rows(None)
    first = next(r for r in rows if r.key == "a1")
    env.store.mark_retry(first.id, "HTTP 500", now, now, DeliveryLogEntry(
        first, now, False, first.title, '{"services": [{"service": "JSON", "url": "json://x", '
        '"format": "text", "ok": false, "reason": "HTTP 500 <i>"}]}'))
    page = env.client.get("/alerts")
    assert "Flood alert &lt;script&gt;" in page.text and "Other thing" not in page.text  # 7 days by default
    assert "Other thing" in env.client.get("/alerts?when=all").text
    assert "Other thing" not in env.client.get("/alerts?when=all&rule=floods").text
    assert "Flood alert" not in env.client.get("/alerts?when=all&q=50%25_").text
    assert "Other thing" in env.client.get("/alerts?when=all&q=50%25_").text
    assert "Flood alert" not in env.client.get("/alerts?when=all&target=nope").text
    detail = env.client.get(f"/alerts/{first.id}")
    assert detail.status_code == 200
    assert "HTTP 500 &lt;i&gt;" in detail.text and "<mark>flood</mark>" in detail.text.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in detail.text
    no_inline_code(detail.text)
    assert env.client.get("/alerts/99999").status_code == 404


def test_outbox_retry_and_discard(env: Env) -> None:
    now = datetime.now(UTC)
    env.store.enqueue([alert("d1", "Dead one"), alert("d2", "Dead two")], now)
    dead = env.store.rows("pending")
    for row in dead:
        env.store.mark_dead(row.id, "HTTP 404", now)
    page = env.client.get("/outbox")
    assert "Dead one" in page.text and "HTTP 404" in page.text
    token = env.csrf("/outbox")
    retried = env.client.post(f"/outbox/{dead[0].id}/retry", data={"csrf": token}, follow_redirects=False)
    assert retried.status_code == 303
    row = env.store.get(dead[0].id)
    assert row is not None and row.state == "pending" and row.attempts == 0
    assert env.client.post(f"/outbox/{dead[1].id}/discard", data={"csrf": token},
                           follow_redirects=False).status_code == 303
    assert env.store.get(dead[1].id) is None
    assert env.client.post(f"/outbox/{dead[1].id}/discard", data={"csrf": token}).status_code == 409


def test_targets_masked_and_a_test_send_reaches_a_real_endpoint(tmp_path: Path, endpoint: Any) -> None:
    e = Env(tmp_path, target_url=endpoint.url + "?token=topsecretvalue123")
    try:
        page = e.client.get("/targets")
        assert "topsecretvalue123" not in page.text and "token=***" in page.text
        got = e.client.post("/targets/chat/test", data={"csrf": e.csrf("/targets")})
        assert got.status_code == 200 and "chat: sent" in got.text, got.text
        assert "topsecretvalue123" not in got.text
        assert endpoint.wait_for(1)[0]["title"] == "newsmon test alert"
        assert e.client.post("/targets/nope/test", data={"csrf": e.csrf("/targets")}).status_code == 404
    finally:
        e.close()


def test_no_secret_anywhere(locked: Env) -> None:
    client = locked.client
    client.headers["authorization"] = "Bearer " + "t" * 32
    for path in ["/rules", "/rules/edit?name=floods", "/sources", "/alerts", "/outbox", "/targets"]:
        text = client.get(path).text
        assert "s3cr3tvalue" not in text and "t" * 32 not in text and "$argon2" not in text
