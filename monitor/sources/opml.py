"""OPML <-> feed entries: import a reader's export into a drop-in file, export the config.

Folders (outlines without `xmlUrl`) become tags, outermost first; export
nests feeds back into folders by their tags, so an import of an export gives
the same feeds, names and tags. Pure except `write_dropin`.
"""

from __future__ import annotations

import fnmatch
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from monitor.sources.feedparse import canonical_link

MAX_OPML_BYTES = 20 * 1024 * 1024
DROPIN_DIR = "feeds.d"
DROPIN_GLOB = "feeds.d/*.toml"
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)


class OpmlError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    name: str
    url: str
    tags: tuple[str, ...] = ()
    home: str = ""  # htmlUrl


@dataclass(frozen=True, slots=True)
class ImportPlan:
    added: tuple[OpmlFeed, ...]
    skipped: tuple[tuple[OpmlFeed, str], ...]  # (feed, why)


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """Every feed outline, in document order, with its folder path as tags."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"file is larger than {MAX_OPML_BYTES} bytes")
    if _DOCTYPE.search(data[:4096]):
        raise OpmlError("DOCTYPE/ENTITY declarations are not accepted in OPML")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OpmlError(f"not valid XML: {exc}") from None
    if root.tag.lower() != "opml":
        raise OpmlError(f"not OPML (root element <{root.tag[:40]}>)")
    body = next((c for c in root if c.tag.lower() == "body"), None)
    if body is None:
        raise OpmlError("OPML without a <body>")
    out: list[OpmlFeed] = []

    def walk(node: ET.Element, folders: tuple[str, ...]) -> None:
        for child in node:
            if child.tag.lower() != "outline":
                continue
            attrs = {k.lower(): v for k, v in child.attrib.items()}
            label = " ".join((attrs.get("title") or attrs.get("text") or "").split())
            url = (attrs.get("xmlurl") or "").strip()
            if url:
                out.append(OpmlFeed(label or url, url, folders, (attrs.get("htmlurl") or "").strip()))
            else:
                walk(child, (*folders, label) if label else folders)

    walk(body, ())
    return out


def plan_import(
    found: Sequence[OpmlFeed], existing_urls: Iterable[str], existing_names: Iterable[str]
) -> ImportPlan:
    """Which OPML feeds to add: skip URLs already configured or repeated; make names unique."""
    seen = {canonical_link(u) for u in existing_urls}
    names = set(existing_names)
    added: list[OpmlFeed] = []
    skipped: list[tuple[OpmlFeed, str]] = []
    for feed in found:
        if not feed.url.lower().startswith(("http://", "https://")):
            skipped.append((feed, "not an http(s) URL"))
            continue
        canon = canonical_link(feed.url)
        if canon in seen:
            skipped.append((feed, "duplicate URL"))
            continue
        seen.add(canon)
        name, n = feed.name, 2
        while name in names:
            name, n = f"{feed.name} ({n})", n + 1
        names.add(name)
        added.append(OpmlFeed(name, feed.url, feed.tags, feed.home))
    return ImportPlan(tuple(added), tuple(skipped))


def _toml_str(value: str) -> str:
    # A JSON string (ASCII-escaped) is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=True)


def dropin_toml(feeds: Sequence[OpmlFeed], source: str = "") -> str:
    lines = [f"# Feeds imported by `newsmon feeds import`{f' from {source}' if source else ''}.", ""]
    for feed in feeds:
        lines.append("[[feeds]]")
        lines.append(f"name = {_toml_str(feed.name)}")
        lines.append(f"url = {_toml_str(feed.url)}")
        if feed.tags:
            lines.append(f"tags = [{', '.join(_toml_str(t) for t in feed.tags)}]")
        lines.append("")
    return "\n".join(lines)


def export_opml(feeds: Iterable[tuple[str, str, Sequence[str]]], title: str = "newsmon feeds") -> str:
    """OPML 2.0 of (name, url, tags): tags become nested folders, outermost first."""
    tree: dict[str, object] = {}
    for name, url, tags in feeds:
        node = tree
        for tag in tags:
            child = node.setdefault("\0" + tag, {})
            assert isinstance(child, dict)
            node = child
        leaves = node.setdefault("", [])
        assert isinstance(leaves, list)
        leaves.append((name, url))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_esc(title)}</title></head>",
        "  <body>",
    ]

    def emit(node: dict[str, object], depth: int) -> None:
        pad = "  " * depth
        for name, url in node.get("", []):  # type: ignore[attr-defined]
            out.append(
                f'{pad}<outline type="rss" text={quoteattr(name)} title={quoteattr(name)} '
                f"xmlUrl={quoteattr(url)}/>"
            )
        for key, child in node.items():
            if key:
                folder = key[1:]
                out.append(f"{pad}<outline text={quoteattr(folder)} title={quoteattr(folder)}>")
                assert isinstance(child, dict)
                emit(child, depth + 1)
                out.append(f"{pad}</outline>")

    emit(tree, 2)
    out += ["  </body>", "</opml>", ""]
    return "\n".join(out)


def _esc(text: str) -> str:
    return quoteattr(text)[1:-1]


def dropin_path(config_file: Path, opml_file: Path) -> Path:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", opml_file.stem).strip("-.") or "imported"
    return config_file.parent / DROPIN_DIR / f"{stem}.toml"


def includes_dropins(include: Sequence[str], config_file: Path, target: Path) -> bool:
    """Whether the config's `include` globs pick up `target`."""
    base = config_file.parent.resolve()
    return any(fnmatch.fnmatch(str(target.resolve()), str(base / p)) for p in include)


def add_include_line(config_text: str, pattern: str = DROPIN_GLOB) -> str:
    """The main config with `include = [pattern]` added as its first line.

    The top of the file is always top-level in TOML (before any table), so
    this is the one place a key can be added without parsing the file.
    """
    return f"include = [{_toml_str(pattern)}]  # added by `newsmon feeds import`\n" + config_text
