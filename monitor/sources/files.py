"""Article files (.txt, .md, .html, .json, .jsonl, .eml) -> `RawItem`s, or `SkipFile` with the reason.

Every check here is about hostile or broken input: directories named like
articles, empty, oversized or binary files, bad encodings, broken JSON.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Any

import yaml

from monitor.article import RawItem
from monitor.sources.htmltext import parse_html

log = logging.getLogger(__name__)

SUPPORTED = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html",
             ".htm": "html", ".json": "json", ".jsonl": "jsonl", ".eml": "email"}
_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?(---|\+\+\+)[ \t]*\n(.*?)\n\1[ \t]*(?:\n|\Z)", re.S)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
# Byte order marks, longest first: UTF-32 LE starts like UTF-16 LE.
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"), (b"\xef\xbb\xbf", "utf-8-sig"))


class SkipFile(Exception):
    """This file is not an article; `reason` says why, for a one-line warning."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class FileData:
    """A file's bytes and the stamp that tells a changed file from an unchanged one."""

    data: bytes
    size: int
    mtime_ns: int

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:32]


def shown(path: Path | str) -> str:
    """A path for log lines and keys: bytes that are not UTF-8 in a file name (kept by
    Python as surrogates, which cannot be encoded) shown as \\xNN escapes."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def file_kind(path: Path) -> str:
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise SkipFile(f"unsupported file type {path.suffix or '(none)'!r} "
                       f"(supported: {', '.join(sorted(SUPPORTED))})")
    return kind


def load_file(path: Path, max_bytes: int = 10 * 1024 * 1024) -> FileData:
    """The bytes of one regular, non-empty file of at most `max_bytes`."""
    file_kind(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror}") from None
    if not S_ISREG(stat.st_mode):
        raise SkipFile("not a regular file" + (" (a directory)" if S_ISDIR(stat.st_mode) else ""))
    if stat.st_size == 0:
        raise SkipFile("empty file")
    if stat.st_size > max_bytes:
        raise SkipFile(f"oversized: {stat.st_size:,} bytes > max_bytes {max_bytes:,} "
                       "(raise max_bytes for this folder to accept it)")
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise SkipFile(f"oversized: more than max_bytes {max_bytes:,} bytes (grew while read)")
    return FileData(data, stat.st_size, stat.st_mtime_ns)


def parse_items(path: Path, loaded: FileData, source: str, key: str | None = None,
                tags: Iterable[str] = ()) -> list[RawItem]:
    """The articles in one file: one, or one per line of a .jsonl batch, or per linked
    article of a newsletter (.eml). `key` (its identity in the source) defaults to the name."""
    kind, key = file_kind(path), key or path.name
    mtime = datetime.fromtimestamp(loaded.mtime_ns / 1e9, UTC)
    if kind == "email":
        from monitor.sources.emailfile import parse_email

        return parse_email(loaded.data, source, key, tuple(tags), shown(path), mtime)
    text, note = decode_text(loaded.data)
    origin = shown(path) + (f" ({note})" if note else "")
    if kind == "jsonl":
        return _parse_jsonl(text, source, key, tuple(tags), origin, mtime)
    return [make_item(PARSERS[kind](text), source, key, tuple(tags), origin, mtime)]


def read_article_file(path: Path, source: str, max_bytes: int = 10 * 1024 * 1024,
                      key: str | None = None, tags: Iterable[str] = ()) -> RawItem:
    """Read one single-article file (the first item of a batch)."""
    return parse_items(path, load_file(path, max_bytes), source, key, tags)[0]


def make_item(fields: dict[str, Any], source: str, key: str, tags: Sequence[str], origin: str,
              mtime: datetime) -> RawItem:
    if not (fields.get("title") or fields.get("body") or fields.get("summary")):
        raise SkipFile("no text in the file")
    return RawItem(
        source=str(fields.get("source") or source),
        key=key,
        title=str(fields.get("title") or ""),
        summary=str(fields.get("summary") or ""),
        body=str(fields.get("body") or ""),
        url=str(fields.get("url") or ""),
        author=_join(fields.get("author")),
        tags=tuple(dict.fromkeys([*tags, *_list(fields.get("tags"))])),
        published=parse_date(fields.get("published")) or mtime,
        kind="file",
        origin=origin,
    )


def _parse_jsonl(text: str, source: str, key: str, tags: Sequence[str], origin: str,
                 mtime: datetime) -> list[RawItem]:
    """One article object per line; a bad line is warned about, the others still go.
    Key: `id:<the line's id>` when it has one, else `<file key>#line<N>`."""
    items: list[RawItem] = []
    bad: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = _load_json(line)
            fields = _article_fields(obj)
            ident = obj.get("id") or obj.get("guid")
            has_id = isinstance(ident, str | int) and not isinstance(ident, bool) and str(ident).strip()
            line_key = f"id:{ident}" if has_id else f"{key}#line{number}"
            items.append(make_item(fields, source, line_key[:512], tags, f"{origin} line {number}", mtime))
        except SkipFile as skip:
            bad.append(f"line {number}: {skip.reason}")
    if bad:
        log.warning("%s: %d bad line(s) left out: %s", origin, len(bad), "; ".join(bad[:10])
                    + ("; ..." if len(bad) > 10 else ""))
    if not items:
        raise SkipFile("no article in the batch" + (f" ({bad[0]})" if bad else ""))
    return items


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes -> text; refuses binary. Returns (text, a note for the log or "")."""
    for bom, codec in _BOMS:  # before the NUL test: UTF-16/32 text is full of NULs
        if data.startswith(bom):
            try:
                return data.decode(codec), ""
            except UnicodeDecodeError as exc:
                raise SkipFile(f"starts with a {codec.upper()} byte order mark but is not valid "
                               f"{codec.upper()} (byte {exc.start})") from None
    if b"\x00" in data[:8192]:
        raise SkipFile("binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    sample = min(len(text), 8192) or 1
    if bad / max(len(text), 1) > 0.05 or controls / sample > 0.05:
        raise SkipFile("binary or undecodable file (not UTF-8 text)")
    return text, f"{bad} invalid UTF-8 byte(s) replaced"


def _split_txt(text: str) -> dict[str, Any]:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip():
            return {"title": line.strip(), "body": "\n".join(lines[i + 1:]).strip()}
    return {}


def _parse_txt(text: str) -> dict[str, Any]:
    return _split_txt(text)


def _parse_markdown(text: str) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        try:
            loaded = yaml.safe_load(m.group(2)) if m.group(1) == "---" else tomllib.loads(m.group(2))
        except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
            raise SkipFile(f"front matter is not valid {'YAML' if m.group(1) == '---' else 'TOML'}: "
                           f"{str(exc).splitlines()[0]}") from None
        if isinstance(loaded, dict):
            meta = {str(k).lower(): v for k, v in loaded.items()}
        text = text[m.end():]
    plain = _MD_HEADING.sub("", _MD_LINK.sub(r"\1", text))
    fields = _split_txt(plain)
    if meta.get("title"):
        fields = {"title": str(meta["title"]), "body": plain.strip()}
    for key in ("url", "published", "source", "tags", "author", "summary"):
        if key in meta:
            fields[key] = meta[key]
    if "date" in meta and "published" not in fields:
        fields["published"] = meta["date"]
    return fields


def _parse_html(text: str) -> dict[str, Any]:
    title, body, meta = parse_html(text)
    return {
        "title": title,
        "body": body,
        "summary": meta.get("description") or meta.get("og:description") or "",
        "url": meta.get("og:url", ""),
        "published": meta.get("article:published_time") or None,
        "author": meta.get("author", ""),
    }


def _load_json(text: str) -> dict[str, Any]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SkipFile(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise SkipFile("JSON nested too deeply to be an article") from None
    if not isinstance(obj, dict):
        raise SkipFile("JSON must hold one article object {\"title\": ..., \"body\": ...}")
    return obj


def _parse_json(text: str) -> dict[str, Any]:
    return _article_fields(_load_json(text))


def _article_fields(obj: dict[str, Any]) -> dict[str, Any]:
    lower = {str(k).lower(): v for k, v in obj.items()}

    def pick(*names: str) -> Any:
        return next((lower[n] for n in names if lower.get(n) not in (None, "")), None)

    body = pick("body", "content", "text", "content_text")
    if body is None and isinstance(lower.get("content_html"), str):
        body = parse_html(lower["content_html"])[1]
    return {
        "title": _str(pick("title", "headline")),
        "body": _str(body),
        "summary": _str(pick("summary", "description", "lead")),
        "url": _str(pick("url", "link")),
        "published": pick("published", "date", "date_published", "pubdate"),
        "author": pick("author", "authors", "byline"),
        "tags": pick("tags", "keywords", "categories"),
        "source": _str(pick("source")),
    }


PARSERS = {"text": _parse_txt, "markdown": _parse_markdown, "html": _parse_html, "json": _parse_json}


def parse_date(value: Any) -> datetime | None:
    """ISO 8601 (or a datetime/date from YAML/TOML) -> aware datetime; None if unusable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if hasattr(value, "year") and hasattr(value, "month"):  # a date
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            parsed = parsedate_to_datetime(str(value))
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [_join(v) for v in value if v]
    return [str(value)]


def _join(value: Any) -> str:
    if isinstance(value, dict):
        return _str(value.get("name") or value.get("title") or "")
    if isinstance(value, list | tuple):
        return ", ".join(_join(v) for v in value if v)
    return _str(value)
