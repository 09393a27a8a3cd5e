"""Find the feeds of a web page: `<link rel="alternate" type="application/rss+xml" href=...>`.

The page is fetched through the feed poller's guarded fetcher (no private or
loopback address unless `[fetch] allow_private`, size and time limits). When
the URL is a feed itself, that feed is the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from monitor.settings.feeds import FetchConfig

FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/json", "application/rdf+xml", "text/xml", "application/xml"}
MAX_FOUND = 20


@dataclass(frozen=True)
class FoundFeed:
    url: str
    title: str


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []
        self.base = ""
        self.page_title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "link":
            self.links.append(values)
        elif tag == "base" and values.get("href") and not self.base:
            self.base = values["href"]
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.page_title) < 200:
            self.page_title += data


def feed_links(html: str, page_url: str) -> list[FoundFeed]:
    """The page's alternate feed links, absolute, http(s) only, without duplicates."""
    parser = _LinkParser()
    parser.feed(html[:2_000_000])
    base = urljoin(page_url, parser.base) if parser.base else page_url
    out: dict[str, FoundFeed] = {}
    for link in parser.links:
        rels = link.get("rel", "").lower().split()
        kind = link.get("type", "").lower().split(";")[0].strip()
        if "alternate" not in rels or kind not in FEED_TYPES or not link.get("href"):
            continue
        url = urljoin(base, link["href"].strip())
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        title = " ".join((link.get("title") or parser.page_title or url).split())[:200]
        out.setdefault(url, FoundFeed(url, title))
    return list(out.values())[:MAX_FOUND]


def looks_like_feed(body: bytes, content_type: str) -> bool:
    head = body[:2048].lstrip().lower()
    if any(t in content_type.lower() for t in ("rss", "atom", "feed+json", "rdf")):
        return True
    return (head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head or b"<rdf" in head)) or (
        head.startswith(b"{") and b"jsonfeed.org" in head)


async def discover(url: str, fetch: FetchConfig) -> tuple[list[FoundFeed], str]:
    """(feeds found, problem): a feed URL gives itself; a page gives its alternate links."""
    from monitor.sources.fetch import Fetcher

    if urlsplit(url).scheme not in ("http", "https"):
        return [], "give an http:// or https:// address"
    fetcher = Fetcher(fetch)
    try:
        result = await fetcher.fetch(url, allow_private=fetch.allow_private)
    finally:
        await fetcher.aclose()
    if not result.ok:
        return [], f"could not fetch {url}: {result.error}"
    content_type = result.headers.get("content-type", "")
    if looks_like_feed(result.body, content_type):
        return [FoundFeed(result.url, "")], ""
    text = result.body.decode("utf-8", "replace")
    found = feed_links(text, result.url)
    return found, "" if found else "no feed link (<link rel=\"alternate\">) on that page"
