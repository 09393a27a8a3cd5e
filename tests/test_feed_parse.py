"""Feed bytes -> entries for each format, identity rules, GeoRSS, charset from the HTTP header."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.article import article_id, normalise
from monitor.sources.feedparse import ParsedFeed, canonical_link, entry_key, parse_feed

FIX = Path(__file__).parent / "fixtures" / "feeds"
BASE = "https://feeds.example.org/feed"


def parse(name: str, ctype: str) -> ParsedFeed:
    return parse_feed((FIX / name).read_bytes(), {"Content-Type": ctype}, BASE, "src", ("mine",))


def test_rss20_items_ids_geo_and_html_to_text() -> None:
    feed = parse("rss20.xml", "application/rss+xml")
    assert feed.format == "rss20" and feed.title == "Kharkiv Daily & Region" and not feed.warning
    assert feed.ttl_minutes == 30 and feed.skip_hours == (2, 3)
    a, b, c = feed.entries
    assert a.key == "urn:news-example:4411"  # guid wins
    # canonical link; the fragment is kept for identity (`/live#p1`, `#p2` are two entries)
    assert b.key == "https://news.example.org/2022/09/balakliia?id=7#comments"
    assert c.key.startswith("sha256:")  # neither: title + description
    assert a.kind == "feed" and a.source == "src"
    assert a.published == datetime(2022, 9, 11, 6, 30, tzinfo=UTC)
    assert a.author == "Olena Kovalenko" and a.tags == ("mine", "Ukraine", "War")
    assert a.geo == ((49.2103, 37.2567),) and b.geo == ((49.4627, 36.8595),)
    assert "alert(1)" not in a.summary and "<" not in a.body
    assert "Residents described months of shelling." in a.body
    assert a.summary == "Ukrainian forces entered Izium on Saturday."


def test_atom_rss10_and_json_feed() -> None:
    atom = parse("atom.xml", "application/atom+xml")
    assert atom.format == "atom10"
    assert [e.key for e in atom.entries] == [
        "tag:wire.example.com,2022:entry-1",
        "tag:wire.example.com,2022:entry-2",
    ]
    first = atom.entries[0]
    assert first.title == "Kupiansk retaken" and first.geo == ((49.7106, 37.6156),)
    assert first.url == "https://feeds.example.org/2022/09/kupiansk"  # relative link, feed URL as base
    assert (
        first.body == "The city of Kupiansk was retaken." and first.summary == "Short summary about Kupiansk."
    )
    rdf = parse("rss10.rdf", "application/rdf+xml")
    assert rdf.format == "rss10" and [e.key for e in rdf.entries] == [
        "https://rdf.example.net/a",
        "https://rdf.example.net/b",
    ]
    assert rdf.entries[0].author == "RDF Desk"
    js = parse("jsonfeed.json", "application/feed+json")
    assert js.format == "json11" and js.title == "JSON Wire"
    assert [e.key for e in js.entries][:2] == ["2347259", "42"]
    lyman, old = js.entries[:2]
    assert lyman.body == "Troops around Lyman." and lyman.author == "J. Doe, R. Roe"
    assert lyman.tags == ("mine", "Ukraine", "Donetsk")
    assert old.url == "https://json.example.com/relative/item" and old.author == "Old Style"
    assert len(js.entries) == 3  # the string item is skipped


def test_charset_declared_only_in_http_header() -> None:
    feed = parse("latin1.xml", "application/rss+xml; charset=iso-8859-1")
    assert feed.title == "Café des Nouvelles"
    (item,) = feed.entries
    assert item.title == "Crème brûlée à Paris" and item.body == "Naïve café olé"
    assert item.url == ""  # guid "latin-1" is no URL, so it is not taken as the link


def test_malformed_but_recoverable() -> None:
    feed = parse("malformed.xml", "text/xml")
    assert feed.warning.startswith("malformed feed, parsed anyway")
    assert [e.key for e in feed.entries] == ["broken-1", "broken-2"]
    assert feed.entries[0].title.startswith("Fish & Chips")


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\xff garbage", b"<html><body>Not a feed</body></html>", b'{"a": 1}', b"{nope"],
)
def test_not_a_feed(data: bytes) -> None:
    feed = parse_feed(data, {"content-type": "text/html"}, BASE, "src")
    assert feed.error.startswith("not a feed") and feed.entries == ()


def test_identity_rules() -> None:
    assert canonical_link("HTTPS://Ex.COM:443/a?b=1&utm_source=x&fbclid=y&gclid=z#frag") == (
        "https://ex.com/a?b=1"
    )
    assert canonical_link("http://ex.com:8080") == "http://ex.com:8080/"
    assert entry_key("  g-1 ", "http://x/", "t", "") == "g-1"
    assert entry_key("", "http://X/a?utm_medium=m", "t", "") == "http://x/a"
    assert entry_key("", "", "t", "d") == entry_key("", "", " t ", "d ")
    assert entry_key("", "", "t", "d") != entry_key("", "", "t", "other text")
    huge = entry_key("x" * 100_000, "", "", "")
    assert huge.startswith("sha256:") and len(huge) < 100


def test_content_edit_keeps_the_article_id() -> None:
    feed = parse("rss20.xml", "application/rss+xml")
    edited = parse_feed(
        (FIX / "rss20.xml").read_bytes().replace(b"Residents described", b"Residents (updated) described"),
        {"content-type": "application/rss+xml"}, BASE, "src",
    )  # fmt: skip
    now = datetime(2022, 9, 12, tzinfo=UTC)
    before, after = normalise(feed.entries[0], now), normalise(edited.entries[0], now)
    assert before.id == after.id == article_id("src", "urn:news-example:4411")
    assert before.content_hash != after.content_hash


def test_known_entries_are_listed_but_not_built() -> None:
    data = (FIX / "rss20.xml").read_bytes()
    full = parse_feed(data, {"content-type": "application/rss+xml"}, BASE, "src")
    assert full.keys[0] == "urn:news-example:4411"
    known = frozenset({full.versions[0]})  # the first entry, with this very text
    part = parse_feed(data, {"content-type": "application/rss+xml"}, BASE, "src", known=known)
    assert part.keys == full.keys and len(full.keys) == 3
    assert [e.key for e in part.entries] == list(full.keys[1:])
    edited = data.replace(b"<title>", b"<title>Updated: ", 2)  # the channel's and the first entry's
    again = parse_feed(edited, {"content-type": "application/rss+xml"}, BASE, "src", known=known)
    assert again.keys == full.keys and [e.key for e in again.entries] == list(full.keys)
    jdata = (FIX / "jsonfeed.json").read_bytes()
    jfull = parse_feed(jdata, {}, BASE, "src")
    js = parse_feed(jdata, {}, BASE, "src", known={dict(zip(jfull.keys, jfull.versions, strict=True))["42"]})
    assert "42" in js.keys and "42" not in [e.key for e in js.entries]


def test_repeated_entry_in_one_feed_counts_once() -> None:
    data = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><guid>same</guid><title>first</title></item>"
        b"<item><guid>same</guid><title>second</title></item></channel></rss>"
    )
    feed = parse_feed(data, {"content-type": "application/rss+xml"}, BASE, "src")
    assert feed.keys == ("same",) and [e.title for e in feed.entries] == ["first"]


def test_a_body_naming_a_local_file_is_not_read(tmp_path: Path) -> None:
    local = tmp_path / "local-feed.xml"
    local.write_bytes(
        b'<rss version="2.0"><channel><title>LOCAL</title><item><guid>s</guid></item></channel></rss>'
    )
    feed = parse_feed(str(local).encode(), {"content-type": "application/rss+xml"}, BASE, "src")
    assert feed.error.startswith("not a feed") and feed.entries == () and feed.title != "LOCAL"
