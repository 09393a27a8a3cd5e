"""Feed edge cases from outside testing (issue 10): identity when guids repeat or are
missing, fragments, long oldest-first feeds, relative permalinks, plain-text fields,
HTML in authors, future dates. Parsing is tested on bytes; polling against a real HTTP
server on 127.0.0.1 and a real SQLite state file."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.article import RawItem
from monitor.sources.feedparse import ParsedFeed, keep_newest, parse_feed
from monitor.sources.feedpolicy import clamp_future
from tests.test_feeds import T0, Clock, Recorder, make_config, poller

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "feeds"))
from feedserver import FeedServer, feed_route

BASE = "https://feeds.example.org/news/feed.xml"
RSS = "application/rss+xml"


def rss_doc(items: str, channel: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>{channel}'
            f"{items}</channel></rss>").encode()


def parse(data: bytes, ctype: str = RSS, **kw: Any) -> ParsedFeed:
    return parse_feed(data, {"content-type": ctype}, BASE, "src", **kw)


# -- identity -----------------------------------------------------------------------


def test_items_sharing_one_guid_fall_back_to_their_links() -> None:
    items = "".join(f"<item><guid>same</guid><title>Story {n}</title>"
                    f"<link>https://news.example/{n}</link></item>" for n in range(3))
    feed = parse(rss_doc(items))
    assert [e.key for e in feed.entries] == [f"https://news.example/{n}" for n in range(3)]
    assert [e.title for e in feed.entries] == ["Story 0", "Story 1", "Story 2"]
    js = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "url": f"https://j.example/{n}", "title": f"J{n}"} for n in range(2)]})
    assert [e.key for e in parse(js.encode(), "application/feed+json").entries] == [
        "https://j.example/0", "https://j.example/1"]


def test_items_without_guid_or_link_are_told_apart_by_their_text() -> None:
    items = ("<item><title>Road closed</title><description>A4 near Lviv</description></item>"
             "<item><title>Road closed</title><description>M03 near Izium</description></item>")
    feed = parse(rss_doc(items))
    assert len(feed.entries) == 2 and len(set(feed.keys)) == 2
    # A later date on the same item is not a new item.
    date = "<pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate>"
    redated = parse(rss_doc(items.replace("</description></item>", f"</description>{date}</item>")))
    assert redated.keys == feed.keys


def test_links_that_differ_only_in_fragment_are_distinct_items() -> None:
    items = "".join(f"<item><title>Live {n}</title><link>https://news.example/live#p{n}</link></item>"
                    for n in (1, 2))
    feed = parse(rss_doc(items))
    assert [e.key for e in feed.entries] == ["https://news.example/live#p1", "https://news.example/live#p2"]


def test_a_relative_link_equal_to_the_guid_is_resolved_against_the_feed_url() -> None:
    feed = parse(rss_doc("<item><title>A</title><guid>/posts/5</guid></item>"
                         "<item><title>B</title><guid>item-17</guid></item>"))
    a, b = feed.entries
    assert a.url == "https://feeds.example.org/posts/5" and a.key == "/posts/5"
    assert b.url == ""  # a guid that is no path stays no URL


# -- text fields --------------------------------------------------------------------


def test_plain_text_fields_keep_their_angle_brackets_html_fields_are_converted() -> None:
    atom = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title type="text">F</title>'
            b'<entry><id>1</id><title type="text">Use &lt;div&gt; wisely</title>'
            b'<summary type="text">Tags like &lt;b&gt; are text here</summary>'
            b'<content type="html">&lt;p&gt;Real &lt;b&gt;HTML&lt;/b&gt;&lt;/p&gt;</content></entry></feed>')
    [entry] = parse(atom, "application/atom+xml").entries
    assert entry.title == "Use <div> wisely"
    assert entry.summary == "Tags like <b> are text here"
    assert entry.body == "Real HTML"
    [rss_entry] = parse(rss_doc("<item><guid>g</guid><title>Use &lt;div&gt; wisely</title></item>")).entries
    assert rss_entry.title == "Use <div> wisely"
    js = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "title": "Use <div> wisely", "content_text": "a <p> stays & so does this"}]})
    [j] = parse(js.encode(), "application/feed+json").entries
    assert (j.title, j.body) == ("Use <div> wisely", "a <p> stays & so does this")


def test_html_in_author_fields_is_stripped() -> None:
    creator = '&lt;a href="https://evil.example"&gt;Ann &lt;b&gt;Lee&lt;/b&gt;&lt;/a&gt;'
    doc = rss_doc(f"<item><guid>g</guid><title>t</title><dc:creator>{creator}</dc:creator></item>")
    [e] = parse(doc).entries
    assert e.author == "Ann Lee"
    js = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "title": "t", "authors": [{"name": "<i>Jo</i> Doe"}, {"name": "Ann <ann@x.org>"}]}]})
    [j] = parse(js.encode(), "application/feed+json").entries
    assert j.author == "Jo Doe, Ann <ann@x.org>"  # an address in angle brackets is no tag


# -- long feeds ---------------------------------------------------------------------


def _dated_items(numbers: range) -> str:
    return "".join(f"<item><guid>n{n}</guid><title>Item {n}</title>"
                   f"<pubDate>{(T0 - timedelta(days=1000) + timedelta(hours=n)):%a, %d %b %Y %H:%M:%S} GMT"
                   "</pubDate></item>" for n in numbers)


def test_keep_newest_by_date_or_from_the_end_of_an_ascending_document() -> None:
    hours = [T0 + timedelta(hours=h) for h in range(6)]

    def keep(dates: list[datetime | None], limit: int) -> str:
        date_of = dict(zip("abcdef", dates, strict=False)).get
        return "".join(keep_newest(list("abcdef"[: len(dates)]), date_of, limit))

    assert keep(hours, 3) == "def"  # oldest first: the tail
    assert keep(hours[::-1], 3) == "abc"  # newest first: the head
    assert keep([hours[0], hours[2], hours[1], hours[5], hours[3], hours[4]], 3) == "def"  # by date
    assert keep([hours[0], None, None, None, None, hours[5]], 2) == "ef"  # dated ends run upwards
    assert keep([None] * 6, 2) == "ab"  # no dates: document order
    assert keep([None] * 3, 5) == "abc"


def test_long_oldest_first_feed_keeps_its_newest_items_and_says_it_was_cut(
    tmp_path: Path, caplog: Any
) -> None:
    server = FeedServer().start()
    stage = {"data": rss_doc(_dated_items(range(80)))}
    server.routes["/long"] = feed_route(lambda: stage["data"])
    from monitor.store import open_store

    store = open_store(tmp_path / "state")
    config = make_config([{"name": "long", "url": server.url("/long"), "backfill": "all"}],
                         fetch={"max_items": 50})
    rec = Recorder()
    try:
        with caplog.at_level(logging.WARNING):
            p = poller(config, store, rec)
            p.poll_all()
            stage["data"] = rss_doc(_dated_items(range(81)))  # one new item, at the end
            p.poll_all()
            p.close()
    finally:
        server.stop()
        store.close()
    assert rec.alerted() == [f"n{n}" for n in range(30, 81)]
    cut = [r.getMessage() for r in caplog.records if "max_items" in r.getMessage()]
    assert cut and cut[0] == ("feed long: 80 entries, only the newest 50 read; "
                              "raise [fetch] max_items to read more")


def test_default_cap_reads_feeds_over_a_thousand_items() -> None:
    feed = parse(rss_doc(_dated_items(range(1200))))
    assert len(feed.keys) == 1200 and feed.cut_from == 0


# -- future dates -------------------------------------------------------------------


def test_dates_more_than_a_day_ahead_are_clamped_to_the_fetch_time() -> None:
    now = T0
    soon = RawItem("s", "soon", published=now + timedelta(hours=20))
    far = RawItem("s", "far", published=now + timedelta(days=400))
    undated = RawItem("s", "undated")
    assert [i.published for i in clamp_future([soon, far, undated], now)] == [soon.published, now, None]


def test_a_future_dated_entry_arrives_dated_at_the_fetch_time(tmp_path: Path) -> None:
    server = FeedServer().start()
    server.routes["/f"] = feed_route(rss_doc(
        "<item><guid>x</guid><title>From the future</title>"
        "<pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>"))
    from monitor.store import open_store

    store = open_store(tmp_path / "state")
    rec = Recorder()
    try:
        p = poller(make_config([{"name": "f", "url": server.url("/f"), "backfill": "24h"}]), store, rec,
                   Clock(T0))
        p.poll_all()
        p.close()
    finally:
        server.stop()
        store.close()
    [(items, alert)] = rec.submits
    assert alert and items[0].published == T0 and T0.tzinfo is UTC
    assert datetime(2100, 1, 1, tzinfo=UTC) != items[0].published


def test_a_feed_longer_than_the_remembered_keys_does_not_count_old_entries_as_new(tmp_path: Path) -> None:
    from feedserver import rss

    from monitor.store import open_store

    server = FeedServer().start()
    old = [(f"g{n}", f"Entry {n}") for n in range(3500)]
    stage = {"data": rss(old)}
    server.routes["/big"] = feed_route(lambda: stage["data"])
    store = open_store(tmp_path / "state")
    rec = Recorder()
    config = make_config([{"name": "big", "url": server.url("/big")}])
    try:
        for data in (rss(old), rss([("new", "Brand new"), *old])):  # a new answer: parsed again
            stage["data"] = data
            p = poller(config, store, rec)
            p.poll_all()
            p.close()
    finally:
        server.stop()
        store.close()
    assert len(rec.quiet()) == 3500  # first poll: recorded without alerts
    assert rec.alerted() == ["new"]  # not the 500 old entries past 3,000 remembered keys
