"""Matched terms and places marked in article text: segments the templates escape.

Evidence offsets index `Article.field_text(field)`; a segment is (text,
marked). Templates render marked segments in `<mark>`, everything escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.match.types import Evidence

Segment = tuple[str, bool]


@dataclass(frozen=True)
class Snippet:
    field: str
    segments: tuple[Segment, ...]


def merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def segments(text: str, spans: Sequence[tuple[int, int]], lo: int = 0, hi: int | None = None
             ) -> list[Segment]:
    """`text[lo:hi]` cut into plain and marked pieces."""
    hi = len(text) if hi is None else hi
    out: list[Segment] = []
    at = lo
    for start, end in merged(spans):
        start, end = max(start, lo), min(end, hi)
        if end <= start:
            continue
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < hi:
        out.append((text[at:hi], False))
    return out


def spans_in(evidence: Iterable[Evidence], field: str, length: int) -> list[tuple[int, int]]:
    return [(e.start, e.end) for e in evidence if e.field == field and 0 <= e.start < e.end <= length]


def snippets(text: str, field: str, spans: Sequence[tuple[int, int]], context: int = 90,
             most: int = 3) -> list[Snippet]:
    """Up to `most` windows of text around the marks, cut at word borders, with ellipses."""
    out: list[Snippet] = []
    windows: list[tuple[int, int]] = []
    for start, end in merged(spans):
        lo, hi = max(0, start - context), min(len(text), end + context)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    for lo, hi in windows[:most]:
        lo = _word_start(text, lo)
        hi = _word_end(text, hi)
        parts = segments(text, spans, lo, hi)
        if lo > 0:
            parts.insert(0, ("…", False))
        if hi < len(text):
            parts.append(("…", False))
        out.append(Snippet(field, tuple(parts)))
    return out


def _word_start(text: str, at: int) -> int:
    if at <= 0:
        return 0
    space = text.find(" ", at, at + 20)
    return space + 1 if space >= 0 else at


def _word_end(text: str, at: int) -> int:
    if at >= len(text):
        return len(text)
    space = text.rfind(" ", at - 20, at)
    return space if space > 0 else at


def reasons(evidence: Iterable[Evidence]) -> list[str]:
    """Why it matched, one short line per distinct term or place: `"kharkiv" in title, body (x3)`."""
    found = list(evidence)
    seen: dict[tuple[str, str], list[str]] = {}
    for e in found:
        key = (e.kind, e.text.casefold())
        fields = seen.setdefault(key, [])
        fields.append(e.field)
    out = []
    for (kind, _), fields in seen.items():
        sample = next(e.text for e in found if (e.kind, e.text.casefold()) == (kind, _))
        where = ", ".join(dict.fromkeys(fields))
        count = f" (×{len(fields)})" if len(fields) > 1 else ""
        label = {"term": "word", "place": "place", "point": "point", "site": "site"}.get(kind, kind)
        out.append(f"{label} “{sample}” in {where}{count}")
    return out
