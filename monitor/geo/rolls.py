"""Rolls of names: team sheets and line-ups, whose names are people, not places.

`Murphy, Horgan, D'Arcy, Hickie, O'Gara, Stringer, Corrigan, Byrne, Hayes`:
a comma-separated run of short capitalised items, most of which name no place,
lists people (a team sheet, a cast, a band bill), and the few items named
like a town (Murphy, Texas; Corrigan; Hayes) are surnames too. A run whose
items are mostly places (`Helsinki, Oslo, Munich, Paris and Stockholm`) is a
list of places and keeps them all. Only an item's head is judged: in
`M Davies (Gloucester)` the club's town in brackets stays a place.

Judged after resolution, on the places kept: a team sheet's `Kalman, Regan,
Hyde, Rigney, McMillan, Rock` has four names in the gazetteer, but only Hyde
is left as a place. Pure string work in C (`find`, `split`) on the few places
with a comma beside them; each run is read once (a hostile text that is one
long list costs one pass over it).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping
from typing import Final

from monitor.geo.resolve import Resolved

# A roll has at least this many items; places in fewer than half of them make it people.
ROLL_MIN_ITEMS: Final = 5
_ITEM_MAX_WORDS: Final = 6  # `East Renfrewshire and Western Isles`
# What ends a roll on either side: a sentence, a heading's colon, a line, a semicolon.
_ENDS: Final = (". ", ": ", "\n", "; ", "? ", "! ")
_REACH: Final = 600
# Items are short: around an item of a roll, this many characters either side
# hold at least `_NEAR_COMMAS` other commas (one C call rules out prose).
_NEAR: Final = 100
_NEAR_COMMAS: Final = 4
_PAREN: Final = re.compile(r"\([^()\n]{0,60}\)")
_LOWER_IN_NAME: Final = frozenset({"and", "of", "de", "van", "von", "da", "di", "del", "le", "la", "du",
                                   "dos", "el", "al", "capt"})


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group())


def _segment(raw: str, start: int, end: int) -> tuple[int, int]:
    """The run of text around `start`..`end` between two of `_ENDS` (looked for
    within `_REACH` characters: a longer roll is cut there, still a roll)."""
    lo, hi = max(0, start - _REACH), end + _REACH
    a = max([lo, *(i + len(e) for e in _ENDS if (i := raw.rfind(e, lo, start)) >= 0)])
    b = min([len(raw), hi, *(i for e in _ENDS if (i := raw.find(e, end, hi)) >= 0)])
    return a, b


def _items(raw: str, a: int, b: int) -> list[tuple[int, int, int]] | None:
    """The items of a roll in `raw[a:b]`, as (head, start, end) offsets (brackets
    left out; `S Easterby`'s head is the surname), or None if the run is no roll:
    too few items, or more than one that reads as prose, not a name."""
    if raw.count(", ", a, b) + 1 < ROLL_MIN_ITEMS:
        return None
    text = _PAREN.sub(_blank, raw[a:b])  # same length: offsets hold
    items = []
    bad = 0
    pos = 0
    for part in text.split(", "):
        at, pos = pos, pos + len(part) + 2
        words = part.split()
        if (not words or len(words) > _ITEM_MAX_WORDS or not words[0][:1].isupper()
                or any(not w[:1].isupper() and not w[:1].isdigit() and w not in _LOWER_IN_NAME
                       for w in words)):
            bad += 1
            continue
        first = at + len(part) - len(part.lstrip())
        head = text.find(words[1], first) if len(words[0]) == 1 and len(words) > 1 else first
        items.append((a + head, a + first, a + at + len(part.rstrip())))
    if len(items) < ROLL_MIN_ITEMS or bad > 1:
        return None
    return items


def people_in_rolls(raw: str, starts: list[int], beside_comma: list[tuple[int, int]]) -> set[int]:
    """Of the places found in `raw` (`starts`, sorted, after resolution), the
    starts of those that head an item of a roll of people. `beside_comma`: the
    `(start, end)` of those with `, ` before or after them (only they can be in
    a roll), in reading order. Each run is read once, so a hostile text of a
    million commas costs one pass, not one per place."""
    drop: set[int] = set()
    judged_to = -1  # the end of the last run read: the places inside it are decided
    for start, end in beside_comma:
        if start < judged_to or raw.count(", ", max(0, start - _NEAR), end + _NEAR) < _NEAR_COMMAS:
            continue
        a, b = _segment(raw, start, end)
        judged_to = b
        drop |= _people_heads(_items(raw, a, b), starts)
    return drop


def _people_heads(items: list[tuple[int, int, int]] | None, starts: list[int]) -> set[int]:
    """The places heading items of a roll of people (places in under half its
    items); `starts` sorted."""
    if items is None:
        return set()
    placed = 0
    for _, a, b in items:
        i = bisect_left(starts, a)
        placed += i < len(starts) and starts[i] < b
    if 2 * placed >= len(items):
        return set()
    heads = [h for h, _, _ in items]
    return {h for h in heads if (i := bisect_left(starts, h)) < len(starts) and starts[i] == h}


def outside_rolls(texts: Mapping[str, str], resolved: list[Resolved]) -> list[Resolved]:
    """`resolved` without the places that head an item of a roll of people;
    `texts`: each field's text, as the mentions' offsets read it."""
    beside: dict[str, list[tuple[int, int]]] = {}
    for r in resolved:
        m = r.mention
        raw = texts[m.field]
        if raw.startswith(", ", m.end) or raw.endswith(", ", 0, m.start):
            beside.setdefault(m.field, []).append((m.start, m.end))
    if not beside:
        return resolved
    drop: set[tuple[str, int]] = set()
    for field, spans in beside.items():
        starts = sorted(r.mention.start for r in resolved if r.mention.field == field)
        spans.sort()
        drop.update((field, start) for start in people_in_rolls(texts[field], starts, spans))
    if not drop:
        return resolved
    return [r for r in resolved if (r.mention.field, r.mention.start) not in drop]
