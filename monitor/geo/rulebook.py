"""Rule-side lookups: a place name in a rule -> one gazetteer place, with notes.

`Paris` resolves to the most populous Paris (noted), `Paris, US-TX`,
`Paris, Texas` and `Springfield, Ill.` pick by region; unknown names raise
`PlaceLookupError` with suggestions.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator

from monitor.geo.context import AREA_WORDS
from monitor.geo.gazetteer import Gazetteer, name_key
from monitor.geo.namesakes import named_as_town
from monitor.geo.resolve import haversine_km
from monitor.geo.sources import KIND_ADMIN1, KIND_ADMIN2, KIND_COUNTRY
from monitor.geo.surfaces import in_area


class PlaceLookupError(ValueError):
    """A place in the config that cannot be used; `path` is the dotted key path."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _qualifier_areas(gaz: Gazetteer, qual: str) -> set[int]:
    """Areas a qualifier names: `US-TX`, `US`, `Texas`, `Tex.`, `Ukraine`."""
    qual = qual.strip()
    out: set[int] = set()
    if "-" in qual and qual.replace("-", "").isalnum() and qual[:2].isalpha():
        cc, _, sub = qual.partition("-")
        rid = gaz.region_ids.get(f"{cc.upper()}.{sub.upper()}")
        if rid is not None:
            out.add(rid)
    if len(qual) == 2 and qual.isalpha():
        cid = gaz.country_ids.get(qual.upper())
        if cid is not None:
            out.add(cid)
        out.update(pid for pid, _ in gaz.abbrevs.get(qual.lower(), ()))
    key = name_key(qual)
    out.update(p for p in gaz.candidates(key) if gaz.kind[p] <= KIND_ADMIN1)
    out.update(pid for pid, _ in gaz.abbrevs.get(key, ()))
    return out


def lookup(gaz: Gazetteer, text: str, path: str, want_area: bool, notes: list[str]) -> int:
    """One place for a rule's name; `want_area` prefers countries and regions."""
    name, _, qual = text.partition(",")
    senses = list(gaz.candidates(name_key(name)))
    if not senses:
        raise PlaceLookupError(path, f'unknown place "{text}"{_suggest(gaz, name)}')
    if qual.strip():
        areas = _qualifier_areas(gaz, qual)
        if not areas:
            raise PlaceLookupError(path, f'unknown region or country "{qual.strip()}" in "{text}"')
        # A place lies inside its qualifier, except that a country code qualifies the
        # country itself: `Georgia, GE` is the country (as `check` suggests it).
        code = qual.strip().upper()
        senses = [p for p in senses if any(in_area(gaz, p, a) and (p != a or _is_country_code(gaz, p, code))
                                           for a in areas)]
        if not senses:
            raise PlaceLookupError(path, f'no place "{name.strip()}" in "{qual.strip()}"'
                                   f"{_suggest(gaz, name)}")
    if want_area:
        areas_first = [p for p in senses if gaz.kind[p] <= KIND_ADMIN2]
        senses = areas_first or senses
    else:
        # `Kharkiv` means the city; `Ukraine` can only be the country; `Paris` the
        # city, not the department named after it (as in articles: resolve.py).
        points = [p for p in named_as_town(gaz, name_key(name), senses) if gaz.kind[p] > KIND_ADMIN1]
        senses = points or senses
    best = senses[0]
    distinct = [p for p in senses[1:] if _far(gaz, best, p)]
    if distinct and not qual.strip():
        others = "; ".join(f'"{name.strip()}, {_qualifier_example(gaz, p)}" for {gaz.label(p)}'
                           for p in distinct[:3])
        notes.append(
            f'{path}: "{text}" is ambiguous ({len(distinct) + 1} places); using '
            f"{gaz.label(best)} (the most populous); qualify it for another, e.g. {others}"
        )
    return best


def _is_country_code(gaz: Gazetteer, pid: int, code: str) -> bool:
    return gaz.kind[pid] == KIND_COUNTRY and len(code) == 2 and gaz.cc[pid] == code


def _far(gaz: Gazetteer, a: int, b: int) -> bool:
    return haversine_km(gaz.lat[a], gaz.lon[a], gaz.lat[b], gaz.lon[b]) > 50


def _qualifier_example(gaz: Gazetteer, pid: int) -> str:
    a1 = gaz.admin1[pid]
    if a1.startswith("US."):
        return "US-" + a1[3:]
    region = gaz.region_of(pid)
    return gaz.names[region] if region is not None else gaz.cc[pid]


def _suggest(gaz: Gazetteer, name: str) -> str:
    key = name_key(name)
    base, _, suffix = key.rpartition(" ")
    if base and suffix in AREA_WORDS:  # `Kharkvi Oblast`: Kharkiv Oblast, UA
        regions = [p for p in _close(gaz, base) if gaz.kind[p] == KIND_ADMIN1]
        labels = [f"{gaz.names[p]} {suffix.title()}, {gaz.cc[p]}" for p in regions]
    else:
        labels = [f"{gaz.names[p]}, {gaz.cc[p]}" if gaz.kind[p] else gaz.names[p]
                  for p in _close(gaz, key)]
    labels = list(dict.fromkeys(labels))[:3]
    return f" (did you mean {' or '.join(labels)}?)" if labels else ""


def _close(gaz: Gazetteer, key: str) -> list[int]:
    """Places whose names are close to `key`, each name's senses most populous first."""
    if not key:
        return []
    close = difflib.get_close_matches(key, list(_keys_like(gaz, key)), n=3, cutoff=0.75)
    return [p for k in close for p in gaz.candidates(k)[:3]]


def _keys_like(gaz: Gazetteer, key: str) -> Iterator[str]:
    """Names of about the same length and initial (an error path: may be slow)."""
    n, first = len(key), key[:1]
    seen = set()
    for name in gaz.names:
        if abs(len(name) - n) <= 3 and name[:1].lower() == first:
            k = name_key(name)
            if k not in seen and abs(len(k) - n) <= 2 and k[:1] == first:
                seen.add(k)
                yield k


def near_cells(lat: float, lon: float, radius_km: float) -> list[tuple[int, int]] | None:
    """1-degree grid cells a circle touches; None when it is too big to index."""
    dlat = radius_km / 111.0
    coslat = math.cos(math.radians(min(89.0, abs(lat) + dlat)))
    dlon = radius_km / (111.0 * max(coslat, 0.01))
    if dlat > 10 or dlon > 20:
        return None
    cells = []
    for y in range(math.floor(lat - dlat), math.floor(lat + dlat) + 1):
        for x in range(math.floor(lon - dlon), math.floor(lon + dlon) + 1):
            cells.append((y, (x + 180) % 360 - 180))
    return cells


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat), (math.floor(lon) + 180) % 360 - 180
