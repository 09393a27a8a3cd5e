"""Build the gazetteer's tables and automaton from the package data (`sources.py`).

Runs once per data version (`gazetteer.load` caches the result): ~15-17 s and
~400 MB at its peak (see `bench/locations.py CORPUS`).
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Iterator
from typing import Any

import ahocorasick

from monitor.geo import areas, sources
from monitor.geo.gazetteer import (
    NO_NAME,
    PackedNames,
    checksum,
    hash_code,
    name_key,
    token_code,
)
from monitor.geo.sources import KIND_ADMIN1, KIND_ADMIN2, KIND_CITY, KIND_COUNTRY, PlaceRecord
from monitor.geo.spellings import admin_bare_name
from monitor.text import fold

DEMONYM_OVER_POP = 100_000
OLD_NAME_TAKEN_POP = 10_000
SHORT_NAME_TAKEN_POP = 15_000
# A US county this big is written without `County` in its own papers (`Broward
# deputies`, `in Miami-Dade`) when its name is no everyday word or surname: one
# word rarer than `BARE_COUNTY_ZIPF` (wordfreq's scale; `Clark`, `Travis`, `Lake`
# are commoner).
# Resolution still asks such a name for local evidence (`evidence.evident`).
BARE_COUNTY_POP = 250_000
BARE_COUNTY_ZIPF = 3.0
_TITLES = frozenset(("prince", "princess", "king", "queen", "duke", "duchess", "lord", "lady"))
# A road's name is never a place, whatever GeoNames lists (`Highway 11`, British
# Columbia: a locality of 5,500, while news means Ontario's Highway 11).
_ROAD_NAME = re.compile(r"(?:highway|route|interstate|hwy) \d+[a-z]?")


def _names_of(r: PlaceRecord) -> Iterator[str]:
    """A place's names, and for a US county the abbreviation local headlines use
    (`Allen Co. commissioners`; a company is `Allen & Co.`, which no name spans)."""
    yield from r.names
    if r.kind == KIND_ADMIN2 and r.cc == "US" and r.name.endswith(" County"):
        yield r.name[: -len("County")] + "Co."


_HIDDEN_MIN_POP = 15_000  # a town that stands alone (`evidence.BARE_MIN_POP`)


def _hides_a_place(key: str, index: dict[str, Any], state: dict[str, Any]) -> bool:
    """Would a village's name, read first as the longer name, hide a place of
    note inside it (`University of Maryland`, a village in GeoNames, hiding
    Maryland)? Such a name is left out: a village needs a home to be kept, and
    the shorter place would be lost everywhere else."""
    words = key.split(" ")
    kinds, pops = state["kind"], state["pop"]
    for i in range(1, len(words)):
        for part in (" ".join(words[i:]), " ".join(words[:i])):
            if any(kinds[p] <= KIND_ADMIN2 or pops[p] >= _HIDDEN_MIN_POP
                   for p in index.get(part, ())):
                return True
    return False


def build_state() -> dict[str, Any]:
    cities, a1_names = sources.read_cities()
    countries, demonyms, codes = sources.read_countries()
    records: list[PlaceRecord] = countries + list(areas.build_regions(cities, a1_names))
    records += cities
    # Last, so that adding them left every other place's id as it was.
    records += areas.metropolitan_counties(cities, a1_names)
    village_start = len(records)
    records += sources.read_villages(cities)  # after them too: the others' ids stay
    state: dict[str, Any] = {
        "names": PackedNames(r.name for r in records),
        "kind": bytes(r.kind for r in records),
        # Interned: 186k places share a few thousand codes (and pickle stores each once).
        "cc": [sys.intern(r.cc) for r in records],
        "admin1": [sys.intern(r.admin1) for r in records],
        "admin2": [sys.intern(r.admin2) for r in records],
        "lat": array("d", (r.lat for r in records)),
        "lon": array("d", (r.lon for r in records)),
        "pop": array("q", (r.population for r in records)),
    }
    index: dict[str, Any] = {}
    keys_of: dict[str, str] = {}  # one key object per distinct name (names repeat a lot)
    old_names: list[tuple[str, int]] = []
    short_names: list[tuple[str, int]] = []
    bare_counties: list[tuple[str, int]] = []
    for pid, r in enumerate(records):
        if (r.kind == KIND_ADMIN2 and r.cc == "US" and r.name.endswith(" County")
                and r.population >= BARE_COUNTY_POP):
            bare_counties.append((name_key(r.name[: -len(" County")]), pid))
        elif r.kind == KIND_ADMIN2 and (bare := admin_bare_name(r.name)) is not None:
            bare_counties.append((name_key(bare), pid))  # `Gironde`, `Cosenza`
        former = sources.FORMER_NAMES.get((r.cc, r.name))
        if former is not None:
            r.names.update(former)
        for n in _names_of(r):
            key = keys_of.get(n)
            if key is None:
                key = keys_of[n] = name_key(n)
            if pid >= village_start and _hides_a_place(key, index, state):
                continue
            if key and not _ROAD_NAME.fullmatch(key) and pid not in index.setdefault(key, []):
                index[key].append(pid)
        old_names += [(name_key(n), pid) for n in r.old_names]
        short_names += [(name_key(n), pid) for n in r.short_names]
        r.names = set()  # done with them: free as we go
        r.old_names = r.short_names = ()
    del keys_of
    # A big city's old or foreign name joins the index only if no place of note
    # has that name already (Monaco is Munich in Italian, Franklin was El Paso,
    # White House is Casablanca in English: all taken; Calcutta, Ohio, a village
    # of 3,700, does not stop Calcutta) and it is no English word.
    common = sources.common_words()
    pops0, kinds0 = state["pop"], state["kind"]
    taken = {k for k, ids in index.items()
             if any(kinds0[p] <= KIND_ADMIN2 or pops0[p] >= OLD_NAME_TAKEN_POP for p in ids)}
    for key, pid in old_names:
        if key and key not in common and key not in taken and pid not in index.get(key, ()):
            index.setdefault(key, []).append(pid)
    del old_names, taken
    # A town's name without its river joins the index unless it would make the town
    # the name's most populous sense over a town of note: `Newark` (New Jersey's is
    # bigger) is also Newark on Trent, but `Stoke` stays New Zealand's 20,000 before
    # Stoke-on-Trent's 258,000 (a local story's `crash in Stoke` near Nelson).
    for key, pid in short_names:
        ids = index.get(key, ())
        biggest = max((pops0[p] for p in ids), default=0)
        if pid not in ids and not (SHORT_NAME_TAKEN_POP <= biggest < pops0[pid]):
            index.setdefault(key, []).append(pid)
    del short_names
    rare = sources.rare_words([k for k, _ in bare_counties], BARE_COUNTY_ZIPF)
    for key, pid in bare_counties:
        # (Two words are specific enough (`Fort Bend`, `Miami-Dade`) unless another
        # place has that name: `Los Angeles` and `El Paso` stay the cities.)
        # A title and a name is a person (`Prince William`; not `Prince George's`).
        person = key.split(" ", 1)[0] in _TITLES and not key.endswith(" s")
        if ((key in rare or (" " in key and key not in index)) and not person
                and pid not in index.get(key, ())):
            index.setdefault(key, []).append(pid)
    country_ids = {r.cc: pid for pid, r in enumerate(records) if r.kind == KIND_COUNTRY}
    region_ids = {r.admin1: pid for pid, r in enumerate(records) if r.kind == KIND_ADMIN1}
    # The records are all in the columns now; dropping them before the
    # automaton is built is most of what keeps the build's peak down.
    del records
    pops = state["pop"]
    kinds = state["kind"]
    # Candidates most-populous first (countries/regions before towns of equal rank).
    for k, v in index.items():
        index[k] = tuple(sorted(v, key=lambda p: (-pops[p], kinds[p])))
    state["index"] = index
    dem: dict[str, int] = {}
    region_by_name = {(state["cc"][pid], state["names"][pid]): pid for pid in region_ids.values()}
    for cc, forms in demonyms.items():
        # A constituent country's demonym names its region (Welsh -> Wales, GB).
        cid = (region_by_name.get((cc.split("|")[0], cc.split("|")[-1])) if "|" in cc
               else country_ids.get(cc))
        if cid is None:
            continue
        for form in forms:
            key = name_key(form)
            prev = dem.get(key)
            # "Indian" belongs to India, not British Indian Ocean Territory.
            if prev is None or pops[prev] < pops[cid]:
                dem[key] = cid
    # A demonym that is also a small town's name (Canadian, Texas) is the demonym:
    # "Canadian forces" is about Canada. So is one that names another country's
    # region (`Somali police`: Somalia's, not Ethiopia's Somali Region, which
    # keeps its `Somali Region`).
    ccs = state["cc"]
    for key in list(dem):
        if key in index and all(pops[p] < DEMONYM_OVER_POP or (
                kinds[p] == KIND_ADMIN1 and ccs[p] != ccs[dem[key]]) for p in index[key]):
            del index[key]
    state["country_ids"] = country_ids
    state["county_parts"] = areas.county_parts(a1_names)
    state["region_ids"] = region_ids
    # Region abbreviations: key -> ((region id, needs a period), ...); `WA` is
    # Washington and Western Australia, the rest of the text decides.
    abbrevs: dict[str, list[tuple[int, bool]]] = {}
    for a1key, (ap, usps) in sources.us_state_abbreviations().items():
        rid = region_ids.get(a1key)
        if rid is None:
            continue
        if ap and ap.endswith("."):
            abbrevs.setdefault(name_key(ap), []).append((rid, True))
        abbrevs.setdefault(name_key(usps), []).append((rid, False))
    by_name = {(state["cc"][rid], fold(state["names"][rid])): rid for rid in region_ids.values()}
    for cc, name, abbr, needs_period in sources.other_region_abbreviations():
        rid = by_name.get((cc, fold(name)))
        if rid is not None and (rid, needs_period) not in abbrevs.get(name_key(abbr), []):
            abbrevs.setdefault(name_key(abbr), []).append((rid, needs_period))
    state["abbrevs"] = {k: tuple(v) for k, v in abbrevs.items()}
    state["common"] = common
    # Lower-case words that sit inside names (of, de, region) are not names alone.
    from monitor.geo.context import AREA_WORDS, CONNECTORS

    for key in AREA_WORDS | CONNECTORS:
        state["index"].pop(key, None)
    # `NYC`, `L.A.`: the city, and nothing else (`L.A.` was also Laos, by its dotted
    # code); `B.C.`, `NSW`, `Qld`: the region. Those in capitals are codes (`Qld` is a name).
    initialled: list[tuple[str, str | None, str, int, tuple[str, ...]]] = [
        (cc, admin1, name, KIND_CITY, inits)
        for cc, admin1, name, inits in sources.CITY_INITIALISMS]
    initialled += [(cc, None, name, KIND_ADMIN1, inits) for cc, name, inits in sources.REGION_INITIALISMS]
    for cc, admin1, name, kind, initialisms in initialled:
        place = next((p for p in state["index"].get(name_key(name), ()) if state["cc"][p] == cc
                      and admin1 in (None, state["admin1"][p]) and kinds[p] == kind), None)
        if place is None:
            continue
        for initialism in initialisms:
            state["index"][name_key(initialism)] = (place,)
            if initialism.upper() == initialism:
                codes.add(initialism)
    # Codes that are also words (ARE, CAN, PER) are never place names.
    code_keys = {name_key(c) for c in codes}
    for key in code_keys & state["common"]:
        if len(key) > 2:
            state["index"].pop(key, None)
    state["codes"] = frozenset(code_keys)
    capitals = set()
    for cc, cap in sources.capitals().items():
        ids = [p for p in state["index"].get(name_key(cap), ()) if state["cc"][p] == cc
               and kinds[p] == KIND_CITY]
        if ids:
            capitals.add(ids[0])
    state["capitals"] = frozenset(capitals)
    state["village_start"] = village_start
    index = state.pop("index")
    keys = sorted(index) + sorted(k for k in dem if k not in index)
    # Known tokens whose hash code is taken by another known token get a free
    # code of their own, so no two names share a code string.
    used: dict[str, str] = {NO_NAME: ""}
    overrides: dict[str, str] = {}
    spare = 1
    for t in sorted({t for k in keys for t in k.split(" ")}):
        c = token_code(t)
        if c in used:
            while hash_code(spare) in used:
                spare += 1
            c = overrides[t] = hash_code(spare)
            spare += 1
        used[c] = t
    state["overrides"] = overrides
    auto = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for i, key in enumerate(keys):
        tokens = key.split(" ")
        # The value carries the name's number and its token count (< 16).
        code = "".join(overrides.get(t) or token_code(t) for t in tokens)
        auto.add_word(code, i << 4 | min(len(tokens), 15))
    auto.make_automaton()
    state["automaton"] = auto
    # Flat arrays, not a list of tuples: 282k names, most with one place.
    n_names = sum(1 for k in keys if k in index)
    starts, place_ids = array("l", [0]), array("l")
    for k in keys[:n_names]:
        place_ids.extend(index[k])
        starts.append(len(place_ids))
    state["sense_start"], state["sense_ids"] = starts, place_ids
    state["demonym_country"] = array("l", (dem[k] for k in keys[n_names:]))
    state["checksums"] = array("L", (checksum(k) for k in keys))
    return state
