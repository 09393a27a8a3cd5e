"""A document's surface forms and their candidate senses, before any is chosen.

`surfaces_of` groups a document's place mentions by what is written (a name,
and whether it qualifies another or is written as a region), then narrows each
name's senses by what the text says outright: a qualifier (`Paris, Texas`), a
name written once as a state (`New York state`) or as a town (`the town of
Tillaberi`), a wire's bare dateline (`GENEVA (Reuters)`: the best known town), a
country's own name over places for which it is an alternate name (`Mexico`), a
large area over namesake villages (`Wales`), and at most `MAX_SENSES` senses
beyond those in a named or home region. `monitor.geo.resolve` then scores the senses and picks one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from monitor.geo.context import AREA_WORDS
from monitor.geo.gazetteer import Gazetteer, haversine_km
from monitor.geo.mention import Mention
from monitor.geo.namesakes import NOTABLE_TOWN, named_as_town
from monitor.geo.sources import KIND_ADMIN1, KIND_ADMIN2, KIND_CITY, KIND_COUNTRY

MAX_SENSES: Final = 12
# A country or region by its own name wins outright over namesake towns this much smaller.
AREA_OVER_VILLAGES: Final = 100
# A town of another name this near, in a region the text names, lets a town compete
# with a country of its name (the same distance as `evidence.VILLAGE_COUNTY_KM`).
NEIGHBOUR_KM: Final = 40.0


@dataclass(frozen=True, slots=True)
class Home:
    """Where a source's articles usually are: region and country place ids."""

    regions: frozenset[int] = frozenset()
    countries: frozenset[str] = frozenset()
    # Learned from the source's articles, not configured: weaker evidence (it
    # does not vouch for common words, and needs the sense to be within
    # `LEARNED_HOME_RATIO` of the most populous one, not `HOME_RATIO`).
    learned: bool = False


NO_HOME: Final = Home()


@dataclass(slots=True)
class Surface:
    key: str
    mentions: list[Mention]
    senses: list[int]
    demonym: bool
    qualified: bool
    common: bool
    clean: bool = False  # written mid-sentence at least once (not a sentence's first word)
    local: bool = False  # written as a town at least once (`Lebanon police`: Mention.local)
    feature: bool = True  # only ever the name of a park, bay... (`Islington Bay`: Mention.feature)
    datelined: bool = False  # a local paper's own dateline (`LIMA -`: Mention.own_dateline)
    town: bool = False  # written as a town outright (`the town of Tillaberi`: Mention.town)
    wired: bool = False  # a wire's unqualified dateline (`GENEVA (Reuters) -`: Mention.wire_dateline)
    choice: int | None = None


def in_area(gaz: Gazetteer, pid: int, area: int) -> bool:
    """Does place `pid` lie in `area`, a country (itself included), a first-level
    region or a county (not itself)? How a qualifier narrows a name, in an
    article (`Newark, Nottinghamshire`) and in a rule (`Paris, US-TX`)."""
    kind = gaz.kind[area]
    if kind == KIND_COUNTRY:
        return gaz.cc[pid] == gaz.cc[area]
    if kind == KIND_ADMIN1:
        return gaz.admin1[pid] == gaz.admin1[area] and pid != area
    if kind == KIND_ADMIN2:  # `Newark, Nottinghamshire`
        return bool(gaz.admin2[area]) and gaz.admin2[pid] == gaz.admin2[area] and pid != area
    return False


def surfaces_of(gaz: Gazetteer, mentions: Sequence[Mention], home: Home) -> list[Surface]:
    by_key: dict[tuple[str, bool, bool], Surface] = {}
    unknown: set[str] = set()  # `Stroud, Ontario` with no Stroud in Ontario
    for m in mentions:
        s = by_key.get((m.key, m.qualifies, m.regional))
        if s is None:
            if m.demonym:
                country = gaz.demonym(m.key)
                senses = [country] if country is not None else []
            else:
                senses = list(gaz.candidates(m.key))
                if m.qualifies:  # a qualifier is a country, a region or a county
                    senses = [p for p in senses if gaz.kind[p] <= KIND_ADMIN2] or senses
                elif m.regional:  # `the state of Washington`; of Mexico, not Mexico City's
                    # (Or, where the name has no such region, a province GeoNames
                    # files a level down: `the province of Albacete`, not its town.)
                    regions = ([p for p in senses if gaz.kind[p] == KIND_ADMIN1]
                               or [p for p in senses if gaz.kind[p] == KIND_ADMIN2])
                    senses = [p for p in regions if gaz.main_key(p) == m.key] or regions or senses
                else:  # a bare `Kherson` is the city, not the oblast named after it
                    bare = gaz.bare_senses.get(m.key)
                    if bare is None:
                        bare = tuple(named_as_town(gaz, m.key, senses))
                        if len(gaz.bare_senses) < 100_000:
                            gaz.bare_senses[m.key] = bare
                    senses = list(bare)
            s = by_key[(m.key, m.qualifies, m.regional)] = Surface(m.key, [], senses, m.demonym, False,
                                                        m.common)
        s.mentions.append(m)
        s.local = s.local or m.local
        s.datelined = s.datelined or m.own_dateline
        s.town = s.town or m.town
        s.wired = s.wired or m.wire_dateline
        s.feature = s.feature and m.feature
        if m.qualifier:
            kept = [p for p in s.senses if any(in_area(gaz, p, a) for a in m.qualifier)]
            if kept:
                s.senses, s.qualified = kept, True
            elif m.firm and all(gaz.kind[p] > KIND_ADMIN1 for p in s.senses):
                unknown.add(m.key)  # one sense per document: the bare name too
        # One clean (mid-sentence, capitalised) use vouches for the word.
        if not m.sentence_start:
            s.common = s.common and m.common
            s.clean = True
    _bare_as_written_region(gaz, by_key)
    surfaces = [s for s in by_key.values() if s.senses and not (s.key in unknown
                                                               and not s.qualified)]
    # Counties the text names, each by a name that can mean only it (`Story County`).
    counties = {gaz.admin2[s.senses[0]] for s in surfaces
                if len(s.senses) == 1 and gaz.kind[s.senses[0]] == KIND_ADMIN2}
    named_regions: set[str] | None = None  # (built on first need)
    written_counties: set[str] | None = None  # (likewise)
    for s in surfaces:
        if s.town and not s.qualified:  # `the town of Tillaberi`: not the region
            s.senses = [p for p in s.senses if gaz.kind[p] == KIND_CITY] or s.senses
        if not s.qualified and not s.town and any(gaz.village_start <= p < gaz.base_len for p in s.senses):
            if named_regions is None:
                named_regions = _regions_named(gaz, mentions, surfaces)
            if written_counties is None:
                written_counties = _counties_written(gaz, surfaces)
            s.senses = _villages_at_home(gaz, s.senses, home, named_regions, written_counties)
        if s.datelined and not s.qualified and home.regions and not home.learned:
            s.senses = _own_dateline_senses(gaz, s.senses, home)
        if s.wired and not s.qualified and not home.regions and len(s.senses) > 1:
            s.senses = _wire_dateline_senses(gaz, s.senses)
        if not s.qualified and not s.demonym and len(s.senses) > 1:
            s.senses = _country_over_alternates(gaz, s.key, s.senses)
        if not s.qualified and not s.demonym and not s.local and len(s.senses) > 1:
            if named_regions is None:
                named_regions = _regions_named(gaz, mentions, surfaces)
            s.senses = _area_over_villages(gaz, s, surfaces, counties, named_regions)
    surfaces = [s for s in surfaces if s.senses]  # (a village away from home: none left)
    # Keep the most populous senses, and any in a region the text names or
    # in the home region (Springfield has 40 senses; context picks among them).
    named = {gaz.admin1[s.senses[0]] for s in surfaces if gaz.kind[s.senses[0]] == KIND_ADMIN1}
    for s in surfaces:
        if len(s.senses) > MAX_SENSES:
            s.senses = s.senses[:MAX_SENSES] + [
                p for p in s.senses[MAX_SENSES:]
                if gaz.admin1[p] in named or gaz.region_ids.get(gaz.admin1[p]) in home.regions]
    return surfaces


def _villages_at_home(gaz: Gazetteer, senses: list[int], home: Home, named: set[str],
                      counties: set[str]) -> list[int]:
    """A village (500-999 people) is a sense only where the paper's configured
    home region is, in a region the text names (`named`, admin1 codes: `ASHEVILLE,
    N.C.` then `near Old Fort`), in a county the text writes as one (`counties`,
    admin2 codes: `The Park Fire in Butte County ... orders for Cohasset`), or
    written with its region or county (`McGregor, Iowa`): local news names them;
    elsewhere the name is a surname (`O'Driscoll`), a singer (`Timberlake`) or a
    country (`Russia`, a village in Ohio). (`resolve` still wants a local cue, or a
    county or town named near it.)"""
    regions = home.regions if not home.learned else frozenset()
    return [p for p in senses if not gaz.village_start <= p < gaz.base_len
            or gaz.region_ids.get(gaz.admin1[p]) in regions or gaz.admin1[p] in named
            or gaz.admin2[p] in counties]


def _counties_written(gaz: Gazetteer, surfaces: list[Surface]) -> set[str]:
    """Counties (admin2 codes) the text writes as such (`Butte County`), in any of
    the name's senses: California's, South Dakota's and Idaho's Butte County."""
    return {gaz.admin2[p] for s in surfaces if s.key.rsplit(" ", 1)[-1] in AREA_WORDS
            for p in s.senses if gaz.kind[p] == KIND_ADMIN2 and gaz.admin2[p]}


def qualifier_regions(gaz: Gazetteer, mentions: Sequence[Mention]) -> set[str]:
    """First-level regions (admin1 codes) written as qualifiers: `Glasgow, Ky.`,
    `ASHEVILLE, N.C.` (an abbreviation names its region, though no mention of it is kept)."""
    return {gaz.admin1[m.qualifier[0]] for m in mentions
            if len(m.qualifier) == 1 and gaz.kind[m.qualifier[0]] == KIND_ADMIN1}


def _regions_named(gaz: Gazetteer, mentions: Sequence[Mention], surfaces: list[Surface]) -> set[str]:
    """First-level regions (admin1 codes) the text names: as a qualifier (`N.C.`),
    by a name whose first sense is a region of a million or is its only sense
    (`Ohio`; not `Georgia`, the country first), or by a county's name that can
    mean only that county (`Yakima County`: Washington)."""
    out = qualifier_regions(gaz, mentions)
    for s in surfaces:
        first, kind = s.senses[0], gaz.kind[s.senses[0]]
        if ((kind == KIND_ADMIN1 and (len(s.senses) == 1 or gaz.pop[first] >= 1_000_000))
                or (kind == KIND_ADMIN2 and len(s.senses) == 1)):
            out.add(gaz.admin1[first])
    return out


# A namesake this big in the paper's own country can be where its own reporter
# files from (`WASHINGTON -` in a Chicago paper is the capital, not Washington, Ill.).
_BUREAU_POP: Final = 100_000


def _own_dateline_senses(gaz: Gazetteer, senses: list[int], home: Home) -> list[int]:
    """A local paper's own dateline (`LIMA -`) is its home region's town, however
    big a namesake abroad is (Lima, Ohio in an Ohio paper, not Peru's capital);
    unless a big namesake lies in the paper's own country."""
    own = [p for p in senses if gaz.region_ids.get(gaz.admin1[p]) in home.regions]
    if not own or any(gaz.cc[p] in home.countries and gaz.pop[p] >= _BUREAU_POP
                      for p in senses if p not in own):
        return senses
    return own


def _wire_dateline_senses(gaz: Gazetteer, senses: list[int]) -> list[int]:
    """A wire's unqualified dateline (`GENEVA (Reuters) -`) is the most populous
    town of the name or a capital, not a namesake the story's other places lift
    (Geneva, Illinois, in a WHO story naming Colorado and Michigan). With a home
    configured, the home's rules decide (`SPRINGFIELD (AP)` in an Illinois paper)."""
    towns = [p for p in senses if gaz.kind[p] == KIND_CITY]
    if len(towns) < 2:
        return senses
    top = max(towns, key=gaz.pop.__getitem__)
    return [p for p in senses if gaz.kind[p] != KIND_CITY or p == top or p in gaz.capitals]


# `New York state`, `Punjab province`: the region, written so as not to be the city.
_REGION_SUFFIXES: Final = (" state", " province", " department")


def _bare_as_written_region(gaz: Gazetteer, by_key: dict[tuple[str, bool, bool], Surface]
                            ) -> None:
    """One sense per document: a story that writes `New York state` (or `the
    state of Washington`) once means the state by the bare name too (`75 people
    have died in New York`). Not when the city is also written as such (`New
    York City`: then the bare name stays open), nor where the bare name is
    written as a town (`New York police`), is a country's (`the state of Mexico`
    and Mexico) or a capital's (`the province of Buenos Aires`, then `speaking
    in Buenos Aires`: the capital)."""
    for (key, qualifies, regional), s in list(by_key.items()):
        if qualifies:
            continue
        if regional:
            base = key
        elif key.endswith(_REGION_SUFFIXES):
            base = key.rsplit(" ", 1)[0]
        else:
            continue
        bare = by_key.get((base, False, False))
        if (bare is None or bare.local or bare.qualified
                or (f"{base} city", False, False) in by_key):
            continue
        senses = gaz.candidates(base)
        if any(gaz.kind[p] == KIND_COUNTRY or p in gaz.capitals for p in senses):
            continue  # `the state of Mexico` and Mexico; `the province of Buenos Aires`
        regions = [p for p in s.senses if gaz.kind[p] == KIND_ADMIN1]
        kept = [p for p in senses if p in regions]
        if kept:
            bare.senses = kept


def _country_over_alternates(gaz: Gazetteer, key: str, senses: list[int]) -> list[int]:
    """`Mexico` is the country: a country's own name is not a sense of a place
    for which it is only an alternate name (Mexico City, Panama City and their
    regions carry `Mexico`, `Panama` among GeoNames' alternate names). Places
    whose own name it is (the state of Mexico, Mexico, Missouri) still compete."""
    if not any(gaz.kind[p] == KIND_COUNTRY and gaz.main_key(p) == key for p in senses):
        return senses
    return [p for p in senses if p >= gaz.base_len or gaz.main_key(p) == key]


def _area_over_villages(gaz: Gazetteer, s: Surface, surfaces: list[Surface], counties: set[str],
                        regions: set[str]) -> list[int]:
    """`Wales` is the nation of 3 million, whatever the text says of England: a
    country or region of a million by its own name does not compete with towns of
    its name under `NOTABLE_TOWN` and a hundred times smaller (Wales, a village
    in Yorkshire). Against a city (Kharkiv) or another area (Georgia) it still does,
    and so does a town in a county the text names (`counties`, admin2 codes):
    `ended near Nevada, the Story County sheriff said` may be Nevada, Iowa; or in
    a region it names (`regions`, admin1 codes) with a town of another name in that
    region within `NEIGHBOUR_KM`: `born in Kokomo, Indiana ... taught in Peru and
    Logansport` (Peru, Indiana)."""
    senses = s.senses
    area = senses[0]
    if (gaz.kind[area] > KIND_ADMIN1 or gaz.pop[area] < 1_000_000 or area >= gaz.base_len
            or gaz.main_key(area) != s.key):
        return senses
    for p in senses[1:]:
        if (p >= gaz.base_len or gaz.kind[p] <= KIND_ADMIN1 or gaz.pop[p] >= NOTABLE_TOWN
                or gaz.pop[p] * AREA_OVER_VILLAGES > gaz.pop[area]
                or (gaz.admin2[p] and gaz.admin2[p] in counties)
                or (gaz.admin1[p] in regions and _neighbour_sense(gaz, p, s, surfaces))):
            return senses  # Durango, Colorado (18,000) still competes with Durango, Mexico
    return [area]


def _neighbour_sense(gaz: Gazetteer, p: int, s: Surface, surfaces: list[Surface]) -> bool:
    """Has another name of the text a town's sense in `p`'s region within `NEIGHBOUR_KM`?"""
    a1, lat, lon = gaz.admin1[p], gaz.lat[p], gaz.lon[p]
    return any(o is not s and gaz.kind[q] == KIND_CITY and gaz.admin1[q] == a1
               and haversine_km(lat, lon, gaz.lat[q], gaz.lon[q]) < NEIGHBOUR_KM
               for o in surfaces for q in o.senses)
