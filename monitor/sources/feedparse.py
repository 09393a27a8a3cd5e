"""Feed bytes -> `RawItem`s: RSS 0.9x/1.0/2.0 and Atom via feedparser, JSON Feed 1.x here.

Pure and CPU-bound (runs in the parsing process pool): no I/O, no clock.
feedparser always gets the BYTES (in a stream: bare bytes naming a path
would be opened as a local file) and the response headers (so a charset
declared only in Content-Type is honoured), never a URL to fetch; relative
links are resolved against the feed URL here. Its HTML sanitiser is off:
every HTML-typed field goes through our HTML-to-text instead (faster, and article
text is plain text, escaped again wherever it is rendered); plain-text fields
(Atom type="text", RSS titles feedparser finds plain, JSON Feed titles and
content_text) are kept as text, so "Use <div> wisely" keeps its "<div>".

Identity of an entry (`entry_key`): its guid; the link when guids repeat within
the document (some CMSes give every item the same guid); else the link with its
fragment (`/live#p1` and `/live#p2` are two entries); else a hash of title and
description. A feed longer than `max_items` keeps its newest entries, whichever
end of the document they are at (`ParsedFeed.cut_from` says it was cut).
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from monitor.article import RawItem
from monitor.sources.files import parse_date
from monitor.sources.htmltext import html_to_text

MAX_ENTRIES = 5000  # default `[fetch] max_items`: a feed with more keeps its newest entries
MAX_KEY = 512
T = TypeVar("T")
_TRACKING = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "igshid", "_ga", "_gl", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid",
    "__s", "_hsenc", "_hsmi", "ocid", "cmpid", "ncid", "sr_share", "spm",
}  # fmt: skip
_SKIP_HOURS = re.compile(rb"<skipHours\b[^>]*>(.{0,2000}?)</skipHours>", re.S | re.I)
_HOUR = re.compile(rb"<hour\b[^>]*>\s*(\d{1,2})\s*</hour>", re.I)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|&[#a-zA-Z0-9]+;")


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    format: str  # "rss20", "atom10", "rss10", "json11"... ("" when not a feed)
    title: str = ""
    entries: tuple[RawItem, ...] = ()  # new entries only (not in `known`), first of each key
    keys: tuple[str, ...] = ()  # every entry's key, in feed order, without repeats
    versions: tuple[str, ...] = ()  # `entry_version` of each key's entry (feed state's memory)
    ttl_minutes: int | None = None  # RSS <ttl>
    skip_hours: tuple[int, ...] = ()  # RSS <skipHours>, UTC hours
    warning: str = ""  # a recoverable problem (malformed but parsed)
    error: str = ""  # not a feed at all
    cut_from: int = 0  # entries in the document when more than `max_items` (0: not cut)


def key_hash(key: str) -> str:
    """Short stable digest of an entry key (what feed state remembers)."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def entry_version(key: str, *texts: str) -> str:
    """What feed state remembers of an entry: its key and a digest of its raw text, so an
    entry whose text is edited (same key) counts as new again and reaches the pipeline,
    which re-matches it as an update (`on_update`)."""
    digest = hashlib.sha256("\x1f".join(texts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return key_hash(f"{key}\x1f{digest}")


def _unique(triples: Iterable[tuple[str, str, RawItem | None]]
            ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[RawItem, ...]]:
    """(keys, versions, new items), first of each key."""
    keys: dict[str, str] = {}
    items: list[RawItem] = []
    for key, version, item in triples:
        if key in keys:
            continue  # a feed listing one entry twice: the first wins
        keys[key] = version
        if item is not None:
            items.append(item)
    return tuple(keys), tuple(keys.values()), tuple(items)


def canonical_link(url: str, keep_fragment: bool = False) -> str:
    """Scheme/host lower-cased, default port and tracking parameters removed; the fragment
    too unless `keep_fragment` (identity: `/live#p1` and `/live#p2` are two entries)."""
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
    fragment = parts.fragment if keep_fragment else ""
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query, doseq=True), fragment))


def entry_key(guid: str, link: str, title: str, description: str) -> str:
    """Identity: guid/id, else canonical link (fragment kept), else a hash of title +
    description (two "Road closed" items with different texts stay two)."""
    guid = " ".join(guid.split())
    if guid:
        key = guid
    elif link:
        key = canonical_link(link, keep_fragment=True)
    else:
        basis = f"{' '.join(title.split())}\x1f{' '.join(description.split())}"
        return "sha256:" + hashlib.sha256(basis.encode()).hexdigest()[:32]
    if len(key) > MAX_KEY:  # hostile ids are bounded; the hash keeps them unique
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


def _text(value: str, kind: str) -> str:
    """HTML-typed (`text/html`, `xhtml`) -> text; plain text is already text."""
    if not value:
        return ""
    return html_to_text(value) if "html" in kind else value


def _plain(value: str) -> str:
    """A name that should be plain but may carry markup (authors): tags stripped."""
    return html_to_text(value) if _TAG.search(value) else value


def _detail_text(e: Mapping[str, Any], name: str, default_kind: str) -> str:
    detail = e.get(f"{name}_detail") or {}
    return _text(str(e.get(name, "") or ""), str(detail.get("type") or default_kind))


def _repeated(guids: Iterable[str]) -> frozenset[str]:
    """Guids used by more than one entry of the document: those entries fall back to the link."""
    seen: set[str] = set()
    twice: set[str] = set()
    for g in guids:
        if g:
            (twice if g in seen else seen).add(g)
    return frozenset(twice)


def keep_newest(entries: Sequence[T], date_of: Callable[[T], datetime | None], limit: int) -> list[T]:
    """At most `limit` entries, the newest: by date when every entry has one; else the
    document's order, from the end if its dated entries run oldest first. Pure."""
    if len(entries) <= limit:
        return list(entries)
    dates = [date_of(e) for e in entries]
    if all(d is not None for d in dates):
        order = sorted(range(len(entries)), key=lambda i: dates[i], reverse=True)  # type: ignore[arg-type,return-value]
        return [entries[i] for i in sorted(order[:limit])]
    dated = [d for d in dates if d is not None]
    ascending = len(dated) >= 2 and dated[0] < dated[-1]
    return list(entries[-limit:] if ascending else entries[:limit])


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


def _entry_date(e: Any) -> datetime | None:
    return _struct_time(e.get("published_parsed")) or _struct_time(e.get("updated_parsed"))


def _feedparser_item(
    e: Any, base: str, source: str, tags: Sequence[str], known: Collection[str], repeated: Collection[str]
) -> tuple[str, str, RawItem | None]:
    """(key, version, item); item is None for an entry already known with this text (its
    text is never converted)."""
    title = _detail_text(e, "title", "text/plain")
    published = _entry_date(e)
    raw_link = str(e.get("link", ""))
    guid = str(e.get("id", ""))
    if raw_link == guid and e.get("guidislink") and "/" not in raw_link:
        raw_link = ""  # a guid such as "item-17" feedparser took for a permalink: no URL
    link = _http_link(raw_link, base)  # a relative permalink ("/posts/5") is joined with the feed URL
    description = str(e.get("summary", "") or "")
    key = entry_key("" if guid in repeated and link else guid, link, title, description)
    contents = [c for c in e.get("content") or [] if isinstance(c, Mapping) and c.get("value")]
    version = entry_version(key, str(e.get("title", "")), description,
                            *(str(c.get("value", "")) for c in contents))
    if known and version in known:
        return key, version, None
    summary = _detail_text(e, "summary", "text/html")
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
    return key, version, RawItem(
        source=source,
        key=key,
        title=title,
        summary=summary,
        body=body or summary,
        url=link,
        author=_plain(str(author_detail.get("name") or e.get("author", ""))),
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
    max_items: int,
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
    entries = keep_newest(parsed.entries, _entry_date, max_items)
    repeated = _repeated(str(e.get("id", "")) for e in entries)
    keys, versions, items = _unique(_feedparser_item(e, base, source, tags, known, repeated)
                                    for e in entries)
    return ParsedFeed(
        format=fmt or "unknown",
        title=_detail_text(feed, "title", "text/plain")[:500],
        entries=items,
        keys=keys,
        versions=versions,
        ttl_minutes=ttl,
        skip_hours=_skip_hours(data),
        warning=f"malformed feed, parsed anyway: {bozo[:200]}" if bozo else "",
        cut_from=len(parsed.entries) if len(parsed.entries) > max_items else 0,
    )


def _json_date(item: Mapping[str, Any]) -> datetime | None:
    def s(key: str) -> str:
        value = item.get(key)
        return value if isinstance(value, str) else ""

    published = parse_date(s("date_published")) or parse_date(s("date_modified"))
    return published.replace(tzinfo=UTC) if published is not None and published.tzinfo is None else published


def _json_guid(item: Mapping[str, Any]) -> str:
    raw_id = item.get("id")
    return str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else ""


def _json_item(item: Mapping[str, Any], base: str, source: str, tags: Sequence[str],
               repeated: Collection[str]) -> RawItem:
    def s(key: str) -> str:
        value = item.get(key)
        return value if isinstance(value, str) else ""

    title = s("title")  # JSON Feed titles, summaries and content_text are plain text
    summary = s("summary")
    body = _text(s("content_html"), "text/html") if s("content_html") else s("content_text")
    published = _json_date(item)
    link = _http_link(s("url") or s("external_url"), base)
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = [item.get("author")]  # JSON Feed 1.0
    names = [_plain(a["name"]) for a in authors if isinstance(a, Mapping) and isinstance(a.get("name"), str)]
    guid = _json_guid(item)
    item_tags = [t for t in item.get("tags") or [] if isinstance(t, str) and t]
    return RawItem(
        source=source,
        key=entry_key("" if guid in repeated and link else guid, link, title,
                      s("summary") or s("content_text") or s("content_html")),
        title=title,
        summary=summary,
        body=body or summary,
        url=link,
        author=", ".join(n for n in names if n),
        tags=(*tags, *item_tags),
        published=published,
        kind="feed",
        origin=base,
    )


def _parse_json(
    data: bytes, url: str, source: str, tags: Sequence[str], known: Collection[str], max_items: int
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
    objects = [i for i in items if isinstance(i, dict)]
    kept = keep_newest(objects, _json_date, max_items)
    repeated = _repeated(_json_guid(i) for i in kept)
    def triple(item: RawItem) -> tuple[str, str, RawItem | None]:
        version = entry_version(item.key, item.title, item.summary, item.body)
        return item.key, version, None if known and version in known else item

    keys, versions, entries = _unique(triple(_json_item(i, base, source, tags, repeated)) for i in kept)
    title = doc.get("title")
    return ParsedFeed(
        format="json" + version.rsplit("/", 1)[-1].replace(".", ""),
        title=title[:500] if isinstance(title, str) else "",
        entries=entries,
        keys=keys,
        versions=versions,
        cut_from=len(objects) if len(objects) > max_items else 0,
    )


def parse_feed(
    data: bytes,
    headers: Mapping[str, str],
    url: str,
    source: str,
    tags: Sequence[str] = (),
    known: Collection[str] = (),
    max_items: int = MAX_ENTRIES,
) -> ParsedFeed:
    """Entries of a feed document; `error` set (and no entries) when it is not a feed.

    `known`: `entry_version()`s of entries already seen (key and text); those are listed in `keys`
    but not built into items (most of a re-fetched feed is old news). At most
    `max_items` entries, the newest (`keep_newest`).
    """
    ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "").lower()
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if "json" in ctype or head.startswith(b"{"):
        return _parse_json(data, url, source, tags, known, max_items)
    return _parse_xml(data, headers, url, source, tags, known, max_items)
