"""Location rules: `places`, `within` and `near` clauses over resolved place mentions.

    lm = LocationMatcher.compile(config.rules, config.places, cache_dir=state_dir)
    lm.match(article)   # {rule name: (Evidence, ...)} for rules whose clause holds
    lm.field_tokens(article)  # the text and tokens it reads, for the keyword side to share
    lm.notes()          # what `newsmon check` prints (ambiguous names resolved...)

Per article: one automaton pass per field (monitor.geo.mentions), one
resolution per document (monitor.geo.resolve), then index lookups: place id ->
`places` clauses, country/region -> `within` clauses, a 1-degree grid -> `near`
circles. No loop over rules. See docs/locations.md.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from monitor.article import Article
from monitor.geo import gazetteer
from monitor.geo.cues import names_institution
from monitor.geo.gazetteer import Gazetteer
from monitor.geo.mention import Mention
from monitor.geo.mentions import find_mentions, headline_runs
from monitor.geo.resolve import WATCH_AREA, WATCH_NAMED, Resolved, haversine_km, resolve
from monitor.geo.rolls import outside_rolls
from monitor.geo.rulebook import PlaceLookupError, cell_of, lookup, near_cells
from monitor.geo.sources import KIND_ADMIN1, KIND_ADMIN2, KIND_CITY, KIND_COUNTRY, PlaceRecord
from monitor.geo.surfaces import Home
from monitor.geo.tokens import Tokens
from monitor.match.types import Evidence
from monitor.settings.locations import PlaceConfig
from monitor.settings.rules import RuleConfig
from monitor.text import strip_teasers

__all__ = ["LocationMatcher", "PlaceLookupError"]

# Learning a source's home: after this many articles with places, a region
# holding this share of them is the source's home (LGL: 81% in the home state).
LEARN_MIN_ARTICLES: Final = 8
LEARN_REGION_SHARE: Final = 0.4
WATCH_RADIUS_KM: Final = 200.0
_FIELD_ORDER: Final = {"title": 0, "summary": 1, "body": 2}
_FIELDS: Final = tuple(_FIELD_ORDER)
# What location matching reads of an article: field -> (its text, that text's tokens).
FieldTokens = Mapping[str, tuple[str, Tokens]]
# A match quotes at most this many place mentions (in reading order); the
# clause still counts them all for `min_mentions`.
EVIDENCE_CAP: Final = 10


def _reading_order(r: Resolved) -> tuple[int, int]:
    m = r.mention  # (as `_mention_order`, without a call per mention: a sort key)
    return _FIELD_ORDER.get(m.field, 9), m.start


def _mention_order(m: Mention) -> tuple[int, int]:
    return _FIELD_ORDER.get(m.field, 9), m.start


@dataclass(frozen=True, slots=True)
class _Rule:
    """Rules with the same clauses, fields and `min_mentions` (a config often
    repeats `within = ["France"]` under many names): matched once, reported
    under every name, in config order."""

    names: tuple[tuple[int, str], ...]  # (position in the config, rule name)
    fields: frozenset[str]
    min_mentions: int


@dataclass(frozen=True, slots=True)
class _Circle:
    rule: int
    lat: float
    lon: float
    radius_km: float
    label: str


class LocationMatcher:
    def __init__(self, gaz: Gazetteer, rules: list[_Rule], notes: list[str],
                 homes: dict[str, Home]):
        self._gaz = gaz
        self._rules = rules
        self._notes = notes
        self._homes = homes
        self._by_place: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self._by_country: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self._by_region: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self._by_county: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self._grid: dict[tuple[int, int], list[_Circle]] = defaultdict(list)
        self._big_circles: list[_Circle] = []
        self._fields: frozenset[str] = frozenset(f for r in rules for f in r.fields)
        self._learned: dict[str, Counter[int]] = defaultdict(Counter)
        # Per source: its most frequent region so far and its count (what
        # `Counter.most_common(1)` gives, kept as regions are counted).
        self._leader: dict[str, tuple[int, int]] = {}
        self._learned_homes: dict[int, Home] = {}
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._watched: set[int] = set()  # places rules name (resolve trusts their mentions)
        self._watch_memo: dict[int, int] = {}
        self._clause_memo: dict[int, list[tuple[int, str]]] = {}  # the rules are fixed
        self._detail_memo: dict[tuple[int, str], dict[str, Any]] = {}  # (place, clause) -> detail
        self._n_rules = 0

    # -- building -----------------------------------------------------------
    @classmethod
    def compile(
        cls,
        rules: Sequence[RuleConfig],
        places: Sequence[PlaceConfig] = (),
        cache_dir: Path | None = None,
        homes: Mapping[str, str | Sequence[str]] | None = None,
    ) -> LocationMatcher:
        """`homes` maps a source name to its configured `home` place, or places (optional)."""
        gaz = gazetteer.load(cache_dir)
        notes: list[str] = []
        for i, pc in enumerate(places):
            _add_user_place(gaz, pc, f"places[{i}]", notes)
        compiled: list[_Rule] = []
        home_map = {src: _home(gaz, names, f"home of {src}", notes)
                    for src, names in (homes or {}).items() if names}
        lm = cls(gaz, compiled, notes, home_map)
        groups: dict[tuple[Any, ...], int] = {}  # a rule's clauses -> its group
        for i, rule in enumerate(rules):
            loc = rule.locations
            if loc is None:
                continue
            base = f"rules[{i}].locations"
            specs: list[tuple[Any, ...]] = []
            for j, name in enumerate(loc.places):
                pid = lookup(gaz, name, f"{base}.places[{j}]", False, notes)
                specs.append(("place", pid, f"places {name}"))
                lm._watched.add(pid)
            for j, name in enumerate(loc.within):
                specs.append(lm._within(name, f"{base}.within[{j}]"))
            for j, near in enumerate(loc.near):
                path = f"{base}.near[{j}]"
                if near.place is not None:
                    pid = lookup(gaz, near.place, f"{path}.place", False, notes)
                    lat, lon, label = gaz.lat[pid], gaz.lon[pid], near.place
                    lm._watched.add(pid)
                elif near.lat is not None and near.lon is not None:
                    lat, lon, label = near.lat, near.lon, f"{near.lat},{near.lon}"
                else:
                    raise PlaceLookupError(path, "needs `place` or both `lat` and `lon`")
                specs.append(("near", lat, lon, near.radius_km,
                              f"near {label} {near.radius_km:g} km"))
            key = (tuple(specs), frozenset(loc.fields), loc.min_mentions)
            ri = groups.get(key, -1)
            if ri >= 0:
                r = compiled[ri]
                compiled[ri] = _Rule((*r.names, (i, rule.name)), r.fields, r.min_mentions)
                continue
            ri = groups[key] = len(compiled)
            compiled.append(_Rule(((i, rule.name),), key[1], loc.min_mentions))
            lm._add_clauses(ri, specs)
        lm._n_rules = sum(len(r.names) for r in compiled)
        lm._fields = frozenset(f for r in compiled for f in r.fields)
        return lm

    def _add_clauses(self, ri: int, specs: list[tuple[Any, ...]]) -> None:
        for spec in specs:
            kind, label = spec[0], spec[-1]
            if kind == "place":
                self._by_place[spec[1]].append((ri, label))
            elif kind == "country":
                self._by_country[spec[1]].append((ri, label))
            elif kind == "region":
                self._by_region[spec[1]].append((ri, label))
            elif kind == "county":
                for key in spec[1]:
                    self._by_county[key].append((ri, label))
            else:
                _, lat, lon, radius, _ = spec
                circle = _Circle(ri, lat, lon, radius, label)
                cells = near_cells(lat, lon, radius)
                if cells is None:
                    self._big_circles.append(circle)
                else:
                    for cell in cells:
                        self._grid[cell].append(circle)

    def _within(self, name: str, path: str) -> tuple[str, Any, str]:
        gaz = self._gaz
        pid = lookup(gaz, name, path, True, self._notes)
        kind = gaz.kind[pid]
        label = f"within {name}"
        if kind == KIND_COUNTRY:
            return ("country", gaz.cc[pid], label)
        if kind == KIND_ADMIN1:
            return ("region", gaz.admin1[pid], label)
        if kind == KIND_ADMIN2:
            # A rule that names a county trusts its bare name (`Broward`, `Gironde`)
            # as one that names a place does.
            self._watched.add(pid)
            # The county's own key, and its parts' (a metropolitan county's boroughs).
            key = gaz.admin2[pid]
            return ("county", (key, *gaz.county_parts.get(key, ())), label)
        raise PlaceLookupError(
            path, f'"{name}" is a town ({gaz.label(pid)}), not a country or region; '
            f'use near = [{{ place = "{name}", radius_km = 25 }}]')

    def __len__(self) -> int:
        return self._n_rules

    def notes(self) -> list[str]:
        return list(self._notes)

    # -- matching -----------------------------------------------------------
    def field_tokens(self, article: Article) -> dict[str, tuple[str, Tokens]]:
        """The text of each field location rules read (teaser lines and page
        furniture blanked, offsets kept) and its tokens: what `match` and
        `mentions` take as `tokens`, so the keyword side can use the same
        tokens instead of tokenising the field again."""
        out = {}
        for name in _FIELDS:
            if name in self._fields:
                text = article.field_text(name)
                if text:
                    text = strip_teasers(text, furniture=True)
                    out[name] = (text, Tokens(text))
        return out

    def mentions(self, article: Article, tokens: FieldTokens | None = None,
                 why: dict[str, str] | None = None, seen: list[Mention] | None = None
                 ) -> list[Resolved]:
        """Resolved place mentions of an article; `tokens` is `field_tokens(article)`
        when the caller has it already. `why` and `seen` (for `explain`): filled with
        the reason each unplaced name was left out, and every name weighed."""
        found = []
        person: set[str] = set()  # words seen inside people's names in this article
        runs: set[tuple[str, str]] = set()  # names seen heading a longer name (`Phoenix Suns`)
        fields = self.field_tokens(article) if tokens is None else tokens
        for name, (text, tk) in fields.items():
            found += find_mentions(self._gaz, name, text, person, tk, runs)
        if runs and "title" in fields:
            found = headline_runs(found, *fields["title"], runs)
        if person:
            # `Paula Radcliffe ... Radcliffe said`: the lone surname is not Radcliffe,
            # England either (unless written as a place: `Radcliffe, Manchester`).
            found = [m for m in found if m.key not in person or m.qualifier or m.town]
        if seen is not None:
            seen += found
        resolved = resolve(self._gaz, found, self._home_for(article.source), self._is_watched,
                           lambda cc: names_institution([text for text, _ in fields.values()], cc), why)
        # `Murphy, Horgan, D'Arcy, Hickie, O'Gara, Corrigan`: a team sheet's people.
        kept = outside_rolls({name: text for name, (text, _) in fields.items()}, resolved)
        if why is not None and len(kept) < len(resolved):
            for r in resolved:
                if r not in kept:
                    why[r.mention.key] = "an item of a roll of names: read as a person"
        return kept

    def explain(self, article: Article) -> dict[str, list[dict[str, Any]]]:
        """The places found in the article, and the names weighed but left unplaced
        with the reason (`newsmon match --explain`)."""
        why: dict[str, str] = {}
        seen: list[Mention] = []
        resolved = self.mentions(article, why=why, seen=seen)
        gaz = self._gaz
        placed = {(r.mention.field, r.mention.start) for r in resolved}
        places = [{"text": r.mention.text, "field": r.mention.field, "start": r.mention.start,
                   "place": gaz.label(r.place)} for r in sorted(resolved, key=_reading_order)]
        unplaced = [{"text": m.text, "field": m.field, "start": m.start,
                     "reason": why.get(m.key, "no sense of the name fits what the text says of it "
                                              "(its qualifier, or a village away from the feed's home)")}
                    for m in sorted(seen, key=_mention_order)
                    if (m.field, m.start) not in placed and m.text and not m.qualifies]
        return {"places": places, "unplaced": unplaced}

    def match(self, article: Article, tokens: FieldTokens | None = None
              ) -> dict[str, tuple[Evidence, ...]]:
        """`tokens`: `field_tokens(article)`, when the caller has it already."""
        if not self._rules:
            return {}
        resolved = self.mentions(article, tokens)
        self._learn(article.source, resolved)
        # Look each distinct place up once; build evidence only for matches.
        resolved.sort(key=_reading_order)
        by_place: dict[int, list[int]] = defaultdict(list)  # place -> mention indexes
        for i, r in enumerate(resolved):
            by_place[r.place].append(i)
        hits: dict[int, list[tuple[list[int], str]]] = defaultdict(list)
        for pid, idxs in by_place.items():
            for ri, clause in self._clauses(pid):
                hits[ri].append((idxs, clause))
        points: dict[int, list[Evidence]] = defaultdict(list)
        for lat, lon in article.geo:
            for c in self._circles(lat, lon):
                points[c.rule].append(Evidence("point", "geo", 0, 0, f"{lat},{lon}",
                                               {"lat": lat, "lon": lon, "clause": c.label}))
        got: list[tuple[int, str, tuple[Evidence, ...]]] = []
        made: dict[tuple[int, str], Evidence] = {}  # rules with the same clause share it
        fields = [r.mention.field for r in resolved]
        all_fields = set(fields)
        for ri in (hits.keys() | points.keys()) if points else hits:
            rule = self._rules[ri]
            every_field = all_fields <= rule.fields
            # One piece of evidence per place occurrence, whichever clauses it met.
            met = hits.get(ri, ())
            if every_field and len(met) == 1:  # the usual case: one clause, one place
                idxs, clause = met[0]
                seen = dict.fromkeys(idxs, clause)
                first = idxs[:EVIDENCE_CAP]  # in reading order already
            else:
                seen = {}
                for idxs, clause in met:
                    for i in idxs:
                        if i not in seen and (every_field or fields[i] in rule.fields):
                            seen[i] = clause
                first = sorted(seen)[:EVIDENCE_CAP]
            if len(seen) + len(points.get(ri, ())) >= rule.min_mentions:
                ev = []
                for i in first:
                    e = made.get((i, seen[i]))
                    if e is None:
                        e = made[(i, seen[i])] = self._evidence(resolved[i], seen[i])
                    ev.append(e)
                found = (*ev, *points.get(ri, ())[:EVIDENCE_CAP])
                got += [(pos, name, found) for pos, name in rule.names]
        got.sort()  # config order (positions are unique: the evidence is never compared)
        return {name: found for _, name, found in got}

    def _is_watched(self, pid: int) -> int:
        """Does a rule name the place, or is it in a `within` region (not a
        whole country) or a `near` circle of up to `WATCH_RADIUS_KM`?"""
        got = self._watch_memo.get(pid)
        if got is None:
            gaz = self._gaz
            if pid in self._watched:
                got = WATCH_NAMED
            elif gaz.admin1[pid] in self._by_region or any(
                    c.radius_km <= WATCH_RADIUS_KM
                    for c in self._circles(gaz.lat[pid], gaz.lon[pid])):
                got = WATCH_AREA
            else:
                got = 0
            if len(self._watch_memo) < 100_000:
                self._watch_memo[pid] = got
        return got

    def _clauses(self, pid: int) -> list[tuple[int, str]]:
        got = self._clause_memo.get(pid)
        if got is None:
            got = self._clauses_of(pid)
            if len(self._clause_memo) < 100_000:
                self._clause_memo[pid] = got
        return got

    def _clauses_of(self, pid: int) -> list[tuple[int, str]]:
        gaz = self._gaz
        out = list(self._by_place.get(pid, ()))
        out += self._by_country.get(gaz.cc[pid], ())
        if gaz.kind[pid] != KIND_COUNTRY and gaz.admin1[pid]:
            out += self._by_region.get(gaz.admin1[pid], ())
        if gaz.admin2[pid]:
            out += self._by_county.get(gaz.admin2[pid], ())
        # Areas count at their point (countryinfo's for countries, GeoNames' for continents,
        # derived for regions), as gazetteers and annotators place them.
        out += [(c.rule, c.label) for c in self._circles(gaz.lat[pid], gaz.lon[pid])]
        return out

    def _circles(self, lat: float, lon: float) -> list[_Circle]:
        cands = self._grid.get(cell_of(lat, lon), [])
        return [c for c in (*cands, *self._big_circles)
                if haversine_km(lat, lon, c.lat, c.lon) <= c.radius_km]

    def _evidence(self, r: Resolved, clause: str) -> Evidence:
        pid, m = r.place, r.mention
        detail = self._detail_memo.get((pid, clause))
        if detail is None:
            gaz = self._gaz
            region = gaz.region_of(pid)
            detail = {
                "name": gaz.names[pid], "country": gaz.cc[pid],
                "admin1": gaz.names[region] if region is not None else "",
                "lat": round(gaz.lat[pid], 5), "lon": round(gaz.lon[pid], 5), "clause": clause,
            }
            if len(self._detail_memo) < 100_000:
                self._detail_memo[(pid, clause)] = detail
        # Each piece of evidence gets its own dict: callers may add to it.
        return Evidence("place", m.field, m.start, m.end, m.text, dict(detail))

    # -- a source's home ----------------------------------------------------
    def _home_for(self, source: str) -> Home | None:
        home = self._homes.get(source)
        if home is not None:
            return home
        seen = self._seen.get(source, 0)
        if seen < LEARN_MIN_ARTICLES:
            return None
        leader = self._leader.get(source)
        if leader is None:
            return None
        region, n = leader
        if n < LEARN_REGION_SHARE * seen:
            return None
        home = self._learned_homes.get(region)
        if home is None:
            home = self._learned_homes[region] = Home(
                frozenset({region}), frozenset({self._gaz.cc[region]}), learned=True)
        return home

    def _learn(self, source: str, resolved: list[Resolved]) -> None:
        gaz = self._gaz
        regions = {gaz.region_of(r.place) for r in resolved if gaz.kind[r.place] >= KIND_ADMIN1}
        regions.discard(None)
        if not regions:
            return
        with self._lock:
            self._seen[source] += 1
            counts = self._learned[source]
            for reg in regions:
                if reg is not None:
                    counts[reg] += 1
                    self._lead(source, counts, reg)

    def _lead(self, source: str, counts: Counter[int], reg: int) -> None:
        """Keep `_leader[source]` what `counts.most_common(1)` gives after
        `counts[reg]` went up by one: the highest count, and of equal counts the
        region counted first (Counter keeps insertion order)."""
        n = counts[reg]
        leader = self._leader.get(source)
        if leader is None or n > leader[1] or (n == leader[1] and reg != leader[0] and (
                _first_counted(counts, reg, leader[0]) == reg)):
            self._leader[source] = (reg, n)


def _first_counted(counts: Counter[int], a: int, b: int) -> int:
    """Which of `a` and `b` went into `counts` first (only on a tie: rare)."""
    return next(k for k in counts if k in (a, b))


def _home(gaz: Gazetteer, names: str | Sequence[str], path: str, notes: list[str]) -> Home:
    """The regions and countries of a source's home: one place, or several (an
    outlet whose area spans a border); a country has no region of its own."""
    several = not isinstance(names, str)
    regions = set()
    countries = set()
    for j, name in enumerate([names] if isinstance(names, str) else names):
        pid = lookup(gaz, name, f"{path}[{j}]" if several else path, True, notes)
        countries.add(gaz.cc[pid])
        if gaz.kind[pid] == KIND_ADMIN1:
            regions.add(pid)
        elif gaz.kind[pid] != KIND_COUNTRY:
            reg = gaz.region_of(pid)
            if reg is not None:
                regions.add(reg)
    return Home(frozenset(regions), frozenset(countries))


def _add_user_place(gaz: Gazetteer, pc: PlaceConfig, path: str, notes: list[str]) -> int:
    cc, admin1 = "", ""
    if pc.parent:
        parent = lookup(gaz, pc.parent, f"{path}.parent", True, notes)
        cc = gaz.cc[parent]
        admin1 = gaz.admin1[parent]
    if pc.country:
        country = lookup(gaz, pc.country, f"{path}.country", True, notes)
        if gaz.kind[country] != KIND_COUNTRY:
            raise PlaceLookupError(f"{path}.country", f'"{pc.country}" is not a country')
        if cc and cc != gaz.cc[country]:
            raise PlaceLookupError(f"{path}.parent", f'"{pc.parent}" is not in {pc.country}')
        cc = gaz.cc[country]
    if not cc:
        # No parent or country given: take them from the nearest known town.
        near = min(
            (p for p in range(len(gaz)) if gaz.kind[p] == KIND_CITY
             and abs(gaz.lat[p] - pc.lat) < 1 and abs(gaz.lon[p] - pc.lon) < 1),
            key=lambda p: haversine_km(pc.lat, pc.lon, gaz.lat[p], gaz.lon[p]),
            default=None,
        )
        if near is not None:
            cc, admin1 = gaz.cc[near], gaz.admin1[near]
    rec = PlaceRecord(pc.name, KIND_CITY, cc, admin1, pc.lat, pc.lon, 0)
    rec.names.update((pc.name, *pc.aliases))
    return gaz.add_user_place(rec)
