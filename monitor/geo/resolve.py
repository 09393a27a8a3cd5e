"""Pick one sense per surface form in a document, or abstain.

Score of a sense = population prior (log10) + kind adjustments + document
evidence, in two passes (the second sees the first pass's choices):

- an explicit qualifier (`Paris, Texas`) is a hard filter; when no sense fits
  a firm one (`Stroud, Ontario, Canada`), the name is dropped for the whole
  document: the gazetteer lacks that town, and a same-named one elsewhere
  would be a false match;
- its first-level region named elsewhere in the document: +2; each other
  chosen place in the same region +1 (up to 2); each other place in (or
  naming, or a demonym of) its country +1 (up to 2): spatial minimality;
- other chosen places within 150 km: +0.5 each (up to 1.5);
- the source's home region +3, home country +1 (configured or learned; only
  for senses within `HOME_RATIO` (learned: `LEARNED_HOME_RATIO`) of the
  name's biggest);
- national capitals +0.7; a region named like a country or a city of
  `NOTABLE_TOWN` (`Kharkiv`, `Sao Paulo`: the city unless the region is said):
  -1; counties -0.3 (-1 more when named like a notable city);
- a country or region of a million by its own name beats namesake villages
  a hundred times smaller outright (`Wales`).

Only senses that stand on their own vouch for others, and after the first
pass a hamlet with no evidence lends none. Abstain when the best sense and
the best rival that could stand on its own score within `ABSTAIN_MARGIN` and
lie more than `ABSTAIN_KM` apart. Small places (< `BARE_MIN_POP`) and common
words (`Reading`) need local evidence beyond their prior: a qualifier, their
region named or (not for common words) another place in it, a place within
150 km, the home region, or (with no home) two other towns of the text
within 40 km. Their country alone is not enough. So do
descriptions of a part of any land (`West End`); a town known only by another
of its names needs a place in its country when the text's places lie abroad.
A name written once as a state (`New York state`) is the state when bare.
See docs/locations.md for the reasons and the cases behind each rule.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Final

from monitor.geo.context import AREA_WORDS, famous
from monitor.geo.evidence import (
    BARE_MIN_POP,
    LONE_MIN_POP,
    VILLAGE_COUNTY_KM,
    WATCH_AREA,
    WATCH_NAMED,
    bare_county,
    confident,
    evident,
    neighbour_named,
    own_name,
    rival,
    sizeable,
    town_cluster,
    vouches,
)
from monitor.geo.gazetteer import Gazetteer, haversine_km
from monitor.geo.mention import Mention
from monitor.geo.namesakes import NOTABLE_TOWN, region_named_like_town
from monitor.geo.sources import KIND_ADMIN1, KIND_ADMIN2, KIND_CITY, KIND_COUNTRY
from monitor.geo.surfaces import NO_HOME, Home, Surface, qualifier_regions, surfaces_of

# (`WATCH_AREA`, `WATCH_NAMED` and `haversine_km` are imported from here elsewhere.)
__all__ = ["WATCH_AREA", "WATCH_NAMED", "Resolved", "haversine_km", "places_in", "resolve"]

NEAR_CONTEXT_KM: Final = 150.0
# The home region lifts a sense at most this many times smaller than the name's
# most populous one (Paris, Texas for a Texan paper: 84x; not Wales, a village in
# England, over Wales for the BBC: 500x).
HOME_RATIO: Final = 100
LEARNED_HOME_RATIO: Final = 10
# `Lebanon police`, `downtown Lebanon`: the country's prior drops by this much.
LOCAL_COUNTRY_PENALTY: Final = 1.0





@dataclass(slots=True)
class Resolved:
    mention: Mention
    place: int


def _prior(gaz: Gazetteer, pid: int, surface: Surface) -> float:
    if pid >= gaz.base_len:
        return 7.0  # a user's own `[[places]]` entry outranks same-named towns
    score = math.log10(gaz.pop[pid] + 1)
    kind = gaz.kind[pid]
    if kind == KIND_ADMIN1 and region_named_like_town(gaz, surface.key, surface.senses, pid):
        # Summed over all its towns, a region's population flatters it against
        # a city or a country of its name (`Kharkiv` is the city unless the oblast
        # is said; Georgia); not against villages (Wales).
        score -= 1.0
    elif kind == KIND_ADMIN2:
        score -= 0.3
        if " " not in surface.key and any(
                gaz.kind[p] == KIND_CITY and gaz.pop[p] >= NOTABLE_TOWN
                for p in surface.senses if p != pid):
            # A county named like a city of its own (Cambridge, whose Australian
            # namesake county holds Perth's 2 million in GeoNames) is not what a
            # bare `Cambridge` means.
            score -= 1.0
        elif bare_county(gaz, pid, surface.key):
            # `Hidalgo` without `County` is the Texas county in its own papers
            # (their home state, its towns), Mexico's state elsewhere.
            score -= 1.0
    if pid in gaz.capitals and own_name(gaz, pid, surface.key, either_way=True):
        # (By its own name, `Washington DC` too; not `St. Thomas` for Charlotte
        # Amalie, which would beat St. Thomas, Ontario in an Ontario paper.)
        score += 0.7
    if kind == KIND_COUNTRY and surface.local:
        score -= LOCAL_COUNTRY_PENALTY
    return score


def _by_prior(priors: dict[tuple[int, int], float], sid: int) -> Callable[[int], float]:
    return lambda p: priors[(sid, p)]


def resolve(
    gaz: Gazetteer, mentions: Sequence[Mention], home: Home | None = None,
    watched: Callable[[int], int] | None = None,
    institution: Callable[[str], bool] | None = None,
    why: dict[str, str] | None = None,
) -> list[Resolved]:
    """`institution(cc)`: does the text name an institution of country `cc`
    (`cues.names_institution`)? Asked only for a lone town's country.
    `why`: when given, each name left unplaced (by its key) -> the reason
    (`newsmon match --explain`).
    `watched(pid)`: does a rule name the place (`WATCH_NAMED`: its mentions
    are trusted like a qualified name), or is it in a rule's region or small
    circle (`WATCH_AREA`: a lone mention is not doubted as a surname)?"""
    if watched is None:
        watched = _nothing_watched
    home = home or NO_HOME
    surfaces = surfaces_of(gaz, mentions, home)
    home_ratio = LEARNED_HOME_RATIO if home.learned else HOME_RATIO
    configured_home = bool(home.countries) and not home.learned
    # Regions written as qualifiers only (an abbreviation, or an area name
    # whose own mention was not kept) still name their region.
    qualifying_regions = qualifier_regions(gaz, mentions)
    priors = {(id(s), p): _prior(gaz, p, s)
              for s in surfaces if len(s.senses) > 1 for p in s.senses}
    for s in surfaces:
        s.choice = (max(s.senses, key=_by_prior(priors, id(s))) if len(s.senses) > 1
                    else s.senses[0])
    # One sense that needs no evidence (a country, a big town): nothing to weigh.
    settled = [len(s.senses) == 1 and evident(gaz, s, s.senses[0], 0.0, 0.0, watched, True)
               for s in surfaces]
    # Countries the text names by a name that has no other sense (`Republic of
    # Congo`): a shorter name of theirs is theirs too (`the government of Congo`).
    # (Not a demonym: `Congolese` is both Congos'.)
    spelt_out = {s.senses[0] for s in surfaces
                 if len(s.senses) == 1 and not s.demonym and gaz.kind[s.senses[0]] == KIND_COUNTRY}
    out: list[Resolved] = []
    kinds, admin1s, ccs, lats, lons = gaz.kind, gaz.admin1, gaz.cc, gaz.lat, gaz.lon
    admin2s, pops = gaz.admin2, gaz.pop
    region_ids = gaz.region_ids
    village_start, base_len = gaz.village_start, gaz.base_len
    lone: list[tuple[Surface, int]] = []  # towns left out for want of evidence (final pass)
    best_of: dict[int, int] = {}  # the first pass's best sense of each surface it weighed
    for final in (False, True):
        # (defaultdict(int): counted in C, where Counter calls __missing__ and __init__ in Python;
        # read with .get only, so reading adds no key)
        named_regions: defaultdict[str, int] = defaultdict(int)  # regions named outright
        shared_regions: defaultdict[str, int] = defaultdict(int)  # regions of chosen places
        countries: defaultdict[str, int] = defaultdict(int)  # countries named or implied
        named_counties: defaultdict[str, int] = defaultdict(int)  # counties named outright (Somerset)
        county_points: list[int] = []  # and which
        county_towns: defaultdict[str, int] = defaultdict(int)  # towns chosen, by county
        for a1 in qualifying_regions:  # `Glasgow, Ky.` names Kentucky
            named_regions[a1] += 1
        for s in surfaces:
            if s.choice is None:
                continue
            c = s.choice
            if gaz.kind[c] == KIND_ADMIN1:
                named_regions[gaz.admin1[c]] += 1
            elif gaz.kind[c] == KIND_ADMIN2 and gaz.admin2[c]:
                named_counties[gaz.admin2[c]] += 1
                county_points.append(c)
            elif gaz.admin2[c]:
                county_towns[gaz.admin2[c]] += 1
            if gaz.kind[c] != KIND_ADMIN1 and gaz.admin1[c] and vouches(gaz, s, c):
                shared_regions[gaz.admin1[c]] += 1
            if sizeable(gaz, s, c):  # not the hamlets of rejected surnames
                countries[gaz.cc[c]] += 1
        county_regions = {admin1s[c] for c in county_points}
        # Only places that stand on their own vouch for others (Christmas,
        # Florida must not vouch for Heathrow, Florida).
        points = [(gaz.lat[s.choice], gaz.lon[s.choice], s) for s in surfaces
                  if s.choice is not None and gaz.kind[s.choice] > KIND_ADMIN1
                  and vouches(gaz, s, s.choice)]
        # By latitude, so each sense reads only the points in its band (bisect).
        points.sort(key=_first)
        point_lats = [q[0] for q in points]
        placed = sum(countries.values())  # places the text puts in some country
        # Surfaces whose current choice (or, after the first pass, best sense even if
        # it lacked evidence alone: `near Marsing and Homedale` vouch for each other)
        # is in a home region: is the story local?
        at_home = ([s for s in surfaces
                    if (seen := best_of.get(id(s), s.choice)) is not None
                    and region_ids.get(admin1s[seen]) in home.regions]
                   if home.regions else [])
        for s, easy in zip(surfaces, settled, strict=True):
            if easy:
                if final:
                    out.extend(Resolved(m, s.senses[0]) for m in s.mentions)
                continue
            scored = []
            # The home region lifts senses near the name's biggest; written as a
            # town (`Lebanon police`, `a Cambridge man`), the biggest is the biggest
            # town, not the country, region or county (Cambridge, Western Australia,
            # a county holding Perth's 2 million in GeoNames).
            top_pop = max(gaz.pop[p] for p in s.senses if kinds[p] == KIND_CITY
                          ) if s.local and any(kinds[p] == KIND_CITY for p in s.senses) else max(
                              map(pops.__getitem__, s.senses))
            own = s.choice if s.choice is not None else -1
            county_word = s.key.rsplit(" ", 1)[-1] in AREA_WORDS
            top_abroad = -1  # the biggest sense outside the home country, when asked
            own_a1 = admin1s[own] if own >= 0 else None
            own_area = own >= 0 and kinds[own] == KIND_ADMIN1
            own_cc = ccs[own] if own >= 0 else None
            own_a2 = admin2s[own] if own >= 0 and kinds[own] == KIND_ADMIN2 else None
            # This surface's own choice is taken out of the counts it went into
            # (shared regions and countries count only places that vouch).
            own_vouched = own >= 0 and vouches(gaz, s, own)
            own_sizeable = own >= 0 and sizeable(gaz, s, own)
            # The other names' best senses, for a configured home's neighbour rules
            # (built once per name, not per sense).
            others_best = ([best_of.get(id(o), o.choice) for o in surfaces if o is not s and not o.common]
                           if configured_home else [])
            # With no home at all, the same for a cluster of towns (`town_cluster`);
            # a common word written as a name mid-sentence counts (`and Casino`).
            others_named = ([best_of.get(id(o), o.choice) for o in surfaces
                             if o is not s and (not o.common or o.clean)]
                            if not home.countries else [])
            for p in s.senses:
                support = 0.0
                local = 0.0  # evidence that this is a place at all, not just which one
                a1, cc, kind = admin1s[p], ccs[p], kinds[p]
                mine = a1 == own_a1
                county_named = False
                towns_in = False  # a county written as one, with a town of it named
                lifted = False  # by the home region
                if kind != KIND_ADMIN1:
                    if named_regions.get(a1, 0) - (mine and own_area) > 0:
                        support += 2.0
                        local += 2.0
                    if (kind > KIND_ADMIN2 and admin2s[p]
                            and named_counties.get(admin2s[p], 0) - (admin2s[p] == own_a2) > 0):
                        support += 2.0  # Glastonbury with Somerset named: the English one
                        local += 2.0
                        county_named = True
                    elif (kind > KIND_ADMIN2 and not admin2s[p] and county_points
                          and _county_near(gaz, p, county_points, own)):
                        # GeoNames gives the town no county (one US town in ten): a
                        # named county of its state this near stands in (`near
                        # Waterloo ... Douglas County`, Nebraska).
                        support += 2.0
                        local += 2.0
                        county_named = True
                    elif (kind == KIND_ADMIN2 and county_word and admin2s[p]
                          and county_towns.get(admin2s[p], 0) > 0):
                        # And the other way: Kings County with Kentville named. (Written
                        # as a county: a bare `Thane` is the city, not its district.)
                        support += 2.0
                        local += 2.0
                        towns_in = True
                    # (A country, or a town GeoNames gives no region, shares none: its
                    # own choice was never counted, so none is taken out.)
                    shared = float(shared_regions.get(a1, 0) - (mine and not own_area and own_vouched)
                                   ) if a1 else 0.0
                    shared = 2.0 if shared > 2.0 else shared
                    support += shared
                    if not s.common:
                        local += shared
                elif (shared_regions.get(a1, 0) and gaz.main_key(p) == s.key
                      and not any(kinds[q] == KIND_COUNTRY for q in s.senses)):
                    # A region by the places the text names in it (`from the Yukon`
                    # with Dawson City; not Yukon, Oklahoma beside Oakland). Written by
                    # its own name, and not its country's: `Quebec City` is the city,
                    # `Luxembourg` the country, whatever is named in them.
                    inside = float(shared_regions.get(a1, 0) - (mine and not own_area and own_vouched))
                    support += 2.0 if inside > 2.0 else inside
                elif a1 in county_regions and gaz.main_key(p) == s.key:
                    # A county of it named outright, though a country has its name:
                    # `a judge in Fulton County ... the Georgia secretary of state`.
                    support += 2.0
                if p in spelt_out and len(s.senses) > 1:
                    support += 3.0
                # (A country too: places in Mexico are as much evidence for Mexico the
                # country as for its State of Mexico.)
                in_cc = countries.get(cc, 0) - (cc == own_cc and own_sizeable)
                support += 2.0 if in_cc > 2.0 else in_cc
                if s.town and in_cc > 0:
                    local += 1.0  # `the town of Garsen` in a story that names Kenya
                if points:
                    near = 0.0
                    lat, lon = lats[p], lons[p]
                    band = points[bisect_left(point_lats, lat - _BAND_DEG)
                                  : bisect_right(point_lats, lat + _BAND_DEG)]
                    for qlat, qlon, o in band:
                        if o is not s and abs(qlat - lat) < 1.5 and haversine_km(
                                lat, lon, qlat, qlon) < NEAR_CONTEXT_KM:
                            near += 0.5
                    near = 1.5 if near > 1.5 else near
                    support += near
                    local += near
                # (However small: a county of the home written as one, with its town
                # named: `near Silverton, the San Juan County sheriff` in a Colorado
                # paper, 637 people against New Mexico's 85,000; or a town of the home
                # with a neighbour named within 40 km: `Laurel and Columbus` in a
                # Montana paper, 2,000 people against Ohio's 900,000. Not against a
                # famous name, unless written as a town: London beside Dublin in an
                # Ohio paper is London, `Berlin police ... a Gorham man` in a New
                # Hampshire paper is Berlin, New Hampshire. So is a town written as one
                # in its home region named outright: `A Paris man ... the Tennessee
                # Highway Patrol said` in a Tennessee paper. Written as a town and so
                # placed, it is lifted a step more: two signs of a local story.)
                in_home = bool(home.regions) and region_ids.get(a1) in home.regions
                near_enough = in_home and (gaz.pop[p] * home_ratio >= top_pop or towns_in)
                # (Asked only where it can change the lift; `neighbour` keeps the answer
                # for the pair rule below, None when not asked.)
                neighbour: bool | None = None
                signs = (in_home and kind == KIND_CITY and not home.learned
                         and (s.local or not near_enough) and (
                             (s.local and named_regions.get(a1, 0) > 0)
                             or ((s.local or not famous(gaz, s.key))
                                 and (neighbour := neighbour_named(gaz, p, others_best, home)))))
                if (near_enough or signs) and (
                        # A small town is the home's only in a local story: another
                        # place of the home is named, or the name is written as a
                        # town (`a Kuna man`, a dateline). A Texas paper's wire story
                        # on the Olympics in Athens is about Greece.
                        pops[p] >= BARE_MIN_POP or s.local or s.datelined
                        or any(o is not s for o in at_home)):
                    support += 4.0 if signs and s.local else 3.0
                    lifted = True
                    if not (s.common and (home.learned or not s.local)):
                        local += 3.0
                elif cc in home.countries:
                    # The home country lifts its own senses only within `home_ratio` of
                    # the biggest abroad (Manhattan, Montana and New York's both;
                    # London, Ohio not over London for a Texas paper).
                    if top_abroad < 0:
                        top_abroad = max((pops[q] for q in s.senses if ccs[q] not in home.countries),
                                         default=0)
                    if pops[p] * home_ratio >= top_abroad:
                        support += 1.0
                # (Not on top of the home region's lift: `Clackamas and Washington county
                # officials` near Happy Valley would be the town, not the county.)
                if (not lifted and pops[p] < BARE_MIN_POP and not home.learned and cc in home.countries
                        and kind == KIND_CITY and not s.common and (
                            neighbour if neighbour is not None
                            else neighbour_named(gaz, p, others_best, home))):
                    # Small towns of a paper's home named together, as its own papers
                    # do: `Gardai in Mallow ... in Fermoy ... to Mitchelstown` in an
                    # Irish paper, `Queanbeyan` (New South Wales) and `Belconnen` in a
                    # Canberra one (each under 15,000: none vouches for the others).
                    support += 1.0
                    local += 2.0
                elif (not home.countries and pops[p] < BARE_MIN_POP and kind == KIND_CITY
                      and (not s.common or s.clean) and town_cluster(gaz, p, others_named)):
                    # No home, but small towns named together, each near two others of
                    # the names: `closed roads between Lismore and Casino, and ...
                    # rescues in Kyogle` (New South Wales; none over 15,000 people).
                    support += 1.0
                    local += 2.0
                if village_start <= p < base_len:
                    # A village (kept only at home, `surfaces`) is vouched for by its
                    # county or a local cue (`a Searsport man`), not by its region or
                    # the home: in a paper at home in England, `Hutton` is Lord Hutton.
                    # (Its county is the nearest town's, so a named county of its state
                    # within `VILLAGE_COUNTY_KM` counts too: Perryville, near Boyle County's
                    # seat, was given Mercer County's.)
                    county_named = county_named or _county_near(gaz, p, county_points, own)
                    # So is one with a town of the story within that distance (`near
                    # Coolgardie`, 38 km from Kalgoorlie; `Summerside and Borden-Carleton`):
                    # any town kept so far, though Summerside (under 15,000) vouches for
                    # no other place.
                    near_town = not county_named and any(
                        o is not s and (town := o.choice) is not None and kinds[town] == KIND_CITY
                        and not (village_start <= town < base_len) and haversine_km(
                            lats[p], lons[p], lats[town], lons[town]) < VILLAGE_COUNTY_KM
                        for o in surfaces)
                    local = (2.0 if county_named or near_town else 0.0) + (1.0 if s.local else 0.0)
                scored.append((priors.get((id(s), p), 0.0) + support, local, support, p))
            scored.sort(reverse=True)
            _, best_local, best_support, best = scored[0]
            best_of[id(s)] = best
            s.choice = best
            if not final:
                # A hamlet without evidence of its own (Loch Lomond, Virginia in a
                # Scottish story) must not lend its region and country to the others.
                # (A town of Somerville's size keeps its vote: its evidence may be
                # a neighbour that pass 1 still placed wrongly.)
                if gaz.pop[best] < BARE_MIN_POP and not evident(
                        gaz, s, best, best_local, best_support, watched):
                    s.choice = None
                continue
            if not confident(gaz, s, scored, watched):
                s.choice = None
                if why is not None:  # (the rival `confident` weighed)
                    other = rival(gaz, s, scored, watched)
                    why[s.key] = (f"in doubt between {gaz.label(best)} and "
                                  f"{gaz.label(other[3] if other is not None else scored[1][3])}: "
                                  "close in score and far apart")
                continue
            # Does the text place anything in some country, this name aside?
            elsewhere = placed > (1 if own_sizeable else 0)
            if not evident(gaz, s, best, best_local, best_support, watched, elsewhere):
                s.choice = None
                if why is not None:
                    why[s.key] = (f"{gaz.label(best)} ({pops[best]:,} people) needs more evidence: "
                                  + _WANTED)
                if (best_support <= 0 and not s.common and kinds[best] > KIND_ADMIN1
                        and BARE_MIN_POP <= pops[best] < LONE_MIN_POP):
                    lone.append((s, best))
                continue
            out.extend(Resolved(m, best) for m in s.mentions)
    # A lone town written as one (`X police`, `downtown X`) is kept when a place the
    # text names, kept on its own evidence, is in its region: `Whangarei police ...
    # found in Kerikeri` (Kerikeri, too small to vouch for others above, was kept
    # for its own local evidence). Not a bare name: `Gardner` in a team sheet,
    # `Frederick` the Barclay twin, would be Kansas's and Maryland's towns.
    # So is any lone town in a country whose institutions the text names: `Gardaí in
    # Tralee are investigating` (the Irish police; no feed `home` needed).
    if lone:
        regions = {admin1s[r.place] for r in out if kinds[r.place] > KIND_ADMIN1}
        for s, best in lone:
            if (s.local and admin1s[best] in regions) or (
                    institution is not None and institution(ccs[best])):
                out.extend(Resolved(m, best) for m in s.mentions)
                if why is not None:
                    why.pop(s.key, None)
    return out


# What a small town or a common word needs, as `--explain` says it.
_WANTED: Final = ("a small town or a common word needs its region or county named, a place near "
                  "it, or the feed's `home` (a local cue such as `X police` counts with those)")


# A little wider than the 1.5 degrees `resolve` tests, so no point it counts is outside.
_BAND_DEG: Final = 1.6
_first = itemgetter(0)


def _county_near(gaz: Gazetteer, pid: int, counties: list[int], own: int) -> bool:
    """Is one of `counties` (chosen county senses, not `own`) in `pid`'s region and
    within `VILLAGE_COUNTY_KM` of it?"""
    a1, lat, lon = gaz.admin1[pid], gaz.lat[pid], gaz.lon[pid]
    return any(gaz.admin1[c] == a1 and c != own
               and haversine_km(lat, lon, gaz.lat[c], gaz.lon[c]) < VILLAGE_COUNTY_KM for c in counties)


def _nothing_watched(pid: int) -> int:
    return 0


def places_in(gaz: Gazetteer, resolved: Iterable[Resolved]) -> set[int]:
    return {r.place for r in resolved}
