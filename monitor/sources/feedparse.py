"""Feed bytes -> `RawItem`s: RSS 0.9x/1.0/2.0 and Atom via feedparser, JSON Feed 1.x here.

Pure and CPU-bound (runs in the parsing process pool): no I/O, no clock.
feedparser always gets the BYTES (in a stream: bare bytes naming a path
would be opened as a local file) and the response headers (so a charset
declared only in Content-Type is honoured), never a URL to fetch; relative
links are resolved against the feed URL here. Its HTML sanitiser is off:
every HTML field goes through our HTML-to-text instead (faster, and article
text is plain text, escaped again wherever it is rendered).
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from monitor.article import RawItem
from monitor.sources.files import parse_date
from monitor.sources.htmltext import html_to_text

MAX_ENTRIES = 1000  # a feed with more is cut here (newest usually come first)
MAX_KEY = 512
_TRACKING = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "igshid", "_ga", "_gl", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid",
    "__s", "_hsenc", "_hsmi", "ocid", "cmpid", "ncid", "sr_share", "spm",
}  # fmt: skip
_SKIP_HOURS = re.compile(rb"<skipHours\b[^>]*>(.{0,2000}?)</skipHours>", re.S | re.I)
_HOUR = re.compile(rb"<hour\b[^>]*>\s*(\d{1,2})\s*</hour>", re.I)
_MARKUP = re.compile(r"<[a-zA-Z/!]|&[#a-zA-Z0-9]+;")


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    format: str  # "rss20", "atom10", "rss10", "json11"... ("" when not a feed)
    title: str = ""
    entries: tuple[RawItem, ...] = ()  # new entries only (not in `known`), first of each key
    keys: tuple[str, ...] = ()  # every entry's key, in feed order, without repeats
    ttl_minutes: int | None = None  # RSS <ttl>
    skip_hours: tuple[int, ...] = ()  # RSS <skipHours>, UTC hours
    warning: str = ""  # a recoverable problem (malformed but parsed)
    error: str = ""  # not a feed at all


def key_hash(key: str) -> str:
    """Short stable digest of an entry key (what feed state remembers)."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _unique(pairs: Iterable[tuple[str, RawItem | None]]) -> tuple[tuple[str, ...], tuple[RawItem, ...]]:
    keys: dict[str, None] = {}
    items: list[RawItem] = []
    for key, item in pairs:
        if key in keys:
            continue  # a feed listing one entry twice: the first wins
        keys[key] = None
        if item is not None:
            items.append(item)
    return tuple(keys), tuple(items)


def canonical_link(url: str) -> str:
    """Scheme/host lower-cased, default port, fragment and tracking parameters removed."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING
    ]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query, doseq=True), ""))


def entry_key(guid: str, link: str, title: str, published: datetime | None) -> str:
    """Identity: guid/id, else canonical link, else a hash of title + published."""
    guid = " ".join(guid.split())
    if guid:
        key = guid
    elif link:
        key = canonical_link(link)
    else:
        basis = f"{' '.join(title.split())}\x1f{published.isoformat() if published else ''}"
        return "sha256:" + hashlib.sha256(basis.encode()).hexdigest()[:32]
    if len(key) > MAX_KEY:  # hostile ids are bounded; the hash keeps them unique
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


def _text(value: str, kind: str = "text/html") -> str:
    if not value:
        return ""
    if "html" in kind or _MARKUP.search(value):
        return html_to_text(value)
    return value


def _http_link(link: str, base: str) -> str:
    if not link:
        return ""
    try:
        joined = urljoin(base, link.strip())
    except ValueError:
        return ""
    return joined if urlsplit(joined).scheme in ("http", "https") else ""


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if -90 <= la <= 90 and -180 <= lo <= 180 and la == la and lo == lo:
        return (la, lo)
    return None


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _feedparser_item(
    e: Any, base: str, source: str, tags: Sequence[str], known: Collection[str]
) -> tuple[str, RawItem | None]:
    """(key, item); item is None for an entry already known (its text is never converted)."""
    title_detail = e.get("title_detail") or {}
    title = _text(e.get("title", ""), title_detail.get("type", "text/plain"))
    published = _struct_time(e.get("published_parsed")) or _struct_time(e.get("updated_parsed"))
    raw_link = str(e.get("link", ""))
    if raw_link == e.get("id") and not raw_link.startswith(("http://", "https://")):
        raw_link = ""  # a guid feedparser took for a permalink, but it is no URL
    link = _http_link(raw_link, base)
    key = entry_key(str(e.get("id", "")), link, title, published)
    if known and key_hash(key) in known:
        return key, None
    summary_detail = e.get("summary_detail") or {}
    summary = _text(e.get("summary", ""), summary_detail.get("type", "text/html"))
    contents = [c for c in e.get("content") or [] if isinstance(c, Mapping) and c.get("value")]
    body = ""
    if contents:
        best = max(contents, key=lambda c: len(c.get("value", "")))
        body = _text(best.get("value", ""), best.get("type", "text/html"))
    geo: list[tuple[float, float]] = []
    where = e.get("where")
    if isinstance(where, Mapping) and where.get("type") == "Point":
        coords: Sequence[Any] = where.get("coordinates") or ()
        if len(coords) >= 2 and (p := _point(coords[1], coords[0])):  # GeoJSON is (lon, lat)
            geo.append(p)
    if "geo_lat" in e and (p := _point(e.get("geo_lat"), e.get("geo_long", e.get("geo_lon")))):
        geo.append(p)
    author_detail = e.get("author_detail") or {}
    entry_tags = [t.get("term") or t.get("label") or "" for t in e.get("tags") or []]
    return key, RawItem(
        source=source,
        key=key,
        title=title,
        summary=summary,
        body=body or summary,
        url=link,
        author=str(author_detail.get("name") or e.get("author", "")),
        tags=(*tags, *(t for t in entry_tags if isinstance(t, str) and t)),
        published=published,
        geo=tuple(dict.fromkeys(geo)),
        kind="feed",
        origin=base,
    )


def _skip_hours(data: bytes) -> tuple[int, ...]:
    m = _SKIP_HOURS.search(data, 0, 256 * 1024)
    if not m:
        return ()
    hours = {int(h) for h in _HOUR.findall(m.group(1)) if int(h) < 24}
    hours |= {0} if b">24<" in m.group(1) else set()  # some feeds write 24 for midnight
    return tuple(sorted(hours))


def _parse_xml(
    data: bytes,
    headers: Mapping[str, str],
    url: str,
    source: str,
    tags: Sequence[str],
    known: Collection[str],
) -> ParsedFeed:
    response_headers = {k.lower(): v for k, v in headers.items()}
    # No Content-Location (feedparser's way to take the feed URL as base): it would also
    # "resolve" guids such as "item-17" into URLs, and identity must not depend on the feed
    # URL. Relative links are joined with the feed URL in `_http_link` instead.
    # A stream, never bare bytes: feedparser opens bytes that look like a path as a
    # local file, so a feed whose body is "/etc/passwd" would be read from disk.
    parsed = feedparser.parse(
        io.BytesIO(data),
        response_headers=response_headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    fmt = str(parsed.get("version") or "")
    bozo = str(parsed.get("bozo_exception") or "") if parsed.get("bozo") else ""
    if not fmt and not parsed.entries:
        return ParsedFeed("", error="not a feed" + (f" ({bozo[:200]})" if bozo else ""))
    feed = parsed.feed
    ttl: int | None = None
    raw_ttl = str(feed.get("ttl", "")).strip()
    if raw_ttl.isdigit():
        ttl = min(int(raw_ttl), 7 * 24 * 60)
    base = url
    keys, items = _unique(
        _feedparser_item(e, base, source, tags, known) for e in parsed.entries[:MAX_ENTRIES]
    )
    return ParsedFeed(
        format=fmt or "unknown",
        title=_text(str(feed.get("title", "")))[:500],
        entries=items,
        keys=keys,
        ttl_minutes=ttl,
        skip_hours=_skip_hours(data),
        warning=f"malformed feed, parsed anyway: {bozo[:200]}" if bozo else "",
    )


def _json_item(item: Mapping[str, Any], base: str, source: str, tags: Sequence[str]) -> RawItem:
    def s(key: str) -> str:
        value = item.get(key)
        return value if isinstance(value, str) else ""

    title = _text(s("title"), "text/plain")
    summary = _text(s("summary"), "text/plain")
    body = _text(s("content_html")) if s("content_html") else s("content_text")
    published = parse_date(s("date_published")) or parse_date(s("date_modified"))
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    link = _http_link(s("url") or s("external_url"), base)
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = [item.get("author")]  # JSON Feed 1.0
    names = [a.get("name") for a in authors if isinstance(a, Mapping)]
    raw_id = item.get("id")
    guid = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else ""
    item_tags = [t for t in item.get("tags") or [] if isinstance(t, str) and t]
    return RawItem(
        source=source,
        key=entry_key(guid, link, title, published),
        title=title,
        summary=summary,
        body=body or summary,
        url=link,
        author=", ".join(n for n in names if isinstance(n, str) and n),
        tags=(*tags, *item_tags),
        published=published,
        kind="feed",
        origin=base,
    )


def _parse_json(
    data: bytes, url: str, source: str, tags: Sequence[str], known: Collection[str]
) -> ParsedFeed:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        return ParsedFeed("", error=f"not a feed (invalid JSON: {str(exc)[:120]})")
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        return ParsedFeed("", error="not a feed (JSON without a jsonfeed.org version)")
    items = doc.get("items")
    if not isinstance(items, list):
        return ParsedFeed("", error="not a feed (JSON Feed without an items list)")
    home = doc.get("home_page_url")
    base = home if isinstance(home, str) and home.startswith(("http://", "https://")) else url
    keys, entries = _unique(
        (item.key, None if known and key_hash(item.key) in known else item)
        for item in (_json_item(i, base, source, tags) for i in items[:MAX_ENTRIES] if isinstance(i, dict))
    )
    title = doc.get("title")
    return ParsedFeed(
        format="json" + version.rsplit("/", 1)[-1].replace(".", ""),
        title=title[:500] if isinstance(title, str) else "",
        entries=entries,
        keys=keys,
    )


def parse_feed(
    data: bytes,
    headers: Mapping[str, str],
    url: str,
    source: str,
    tags: Sequence[str] = (),
    known: Collection[str] = (),
) -> ParsedFeed:
    """Entries of a feed document; `error` set (and no entries) when it is not a feed.

    `known`: `key_hash()`es of entries already seen; those are listed in `keys`
    but not built into items (most of a re-fetched feed is old news).
    """
    ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "").lower()
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if "json" in ctype or head.startswith(b"{"):
        return _parse_json(data, url, source, tags, known)
    return _parse_xml(data, headers, url, source, tags, known)
