"""The one article model every source produces, and its normaliser.

Sources hand over a `RawItem` (whatever they could read); `normalise` turns
it into an `Article` with a stable id and a content hash. Pure: the caller
passes the clock reading (`fetched_at`).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

MAX_FIELD_CHARS = {"title": 1_000, "summary": 20_000, "body": 2_000_000, "author": 500, "url": 4_000}
# Runs of horizontal space become one " ". Only runs that change are matched (a run
# that is already a single " " is left alone): one substitution per real change
# instead of one per space, the same result as `[ \t\f\v\u00a0]+` -> " ".
_SPACE_RUN = re.compile(r"[\t\f\v\u00a0][ \t\f\v\u00a0]*| [ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\n\n+")  # = \n{3,}, with a literal prefix the engine scans for fast
# Control characters other than newline and tab, and bidi overrides/isolates.
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class RawItem:
    """What a source read, before normalisation. Only `source` and `key` are required."""

    source: str  # the configured folder or feed name
    key: str  # identity within the source: a relative path, a guid, a canonical link
    title: str = ""
    summary: str = ""
    body: str = ""
    url: str = ""
    author: str = ""
    tags: Sequence[str] = ()
    published: datetime | None = None
    geo: Sequence[tuple[float, float]] = ()  # GeoRSS / W3C geo points (lat, lon)
    kind: str = "file"  # "file" | "feed"
    origin: str = ""  # where it came from, for log lines (a path or a feed URL)


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    source: str
    url: str
    title: str
    summary: str
    body: str
    author: str
    tags: tuple[str, ...]
    published: datetime
    fetched_at: datetime
    content_hash: str
    geo: tuple[tuple[float, float], ...] = ()
    origin: str = field(default="", compare=False)

    def field_text(self, name: str) -> str:
        """The searchable text of one field (QUERY.md field names)."""
        if name == "tags":
            return "\n".join(self.tags)
        value = getattr(self, name)
        return value if isinstance(value, str) else ""


def clean_text(text: str, limit: int | None = None) -> str:
    """Unicode-normalised text with unsafe control/bidi characters removed."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE_CHARS.sub("", text)
    text = _SPACE_RUN.sub(" ", text)
    text = "\n".join([line.strip() for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    text = text.strip()
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return text


def clean_line(text: str, limit: int) -> str:
    return " ".join(clean_text(html.unescape(text) if "&" in text else text).split())[:limit]


def article_id(source: str, key: str) -> str:
    digest = hashlib.sha256(f"{source}\x1f{key}".encode()).hexdigest()
    return digest[:24]


def content_hash(title: str, body: str) -> str:
    basis = " ".join(title.split()).casefold() + "\x1f" + " ".join(body.split()).casefold()
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def normalise(raw: RawItem, fetched_at: datetime) -> Article:
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    published = raw.published or fetched_at
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    title = clean_line(raw.title, MAX_FIELD_CHARS["title"])
    summary = clean_text(raw.summary, MAX_FIELD_CHARS["summary"])
    body = clean_text(raw.body, MAX_FIELD_CHARS["body"])
    tags = tuple(dict.fromkeys(t for t in (clean_line(t, 200) for t in raw.tags) if t))
    return Article(
        id=article_id(raw.source, raw.key),
        source=raw.source,
        url=clean_line(raw.url, MAX_FIELD_CHARS["url"]),
        title=title,
        summary=summary,
        body=body,
        author=clean_line(raw.author, MAX_FIELD_CHARS["author"]),
        tags=tags,
        published=published.astimezone(UTC),
        fetched_at=fetched_at.astimezone(UTC),
        content_hash=content_hash(title, body or summary),
        geo=tuple((float(lat), float(lon)) for lat, lon in raw.geo),
        origin=raw.origin,
    )
