"""Evidence for a sense: is a place written so that it can be meant, and is one
sense far enough ahead of its rivals? The tests `resolve` asks of each sense it
weighs (`evident`, `confident`), what lets a place vouch for others
(`vouches`, `sizeable`), a town's own name (`own_name`), a big county written
bare (`bare_county`), a named neighbour (`neighbour_named`), and the
thresholds they share. Pure functions of the gazetteer and their arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

from monitor.geo.context import HONORIFICS
from monitor.geo.cues import BARE_MIN_POP, descriptive_name
from monitor.geo.gazetteer import Gazetteer, haversine_km, name_key
from monitor.geo.sources import KIND_ADMIN1, KIND_ADMIN2, KIND_CITY
from monitor.geo.spellings import admin_bare_name
from monitor.geo.surfaces import Home, Surface

ABSTAIN_MARGIN: Final = 0.3
ABSTAIN_KM: Final = 500.0
VILLAGE_COUNTY_KM: Final = 40.0  # a village's county, or a named neighbour, this near
CLUSTER_TOWNS: Final = 2  # with no home, a small town's named neighbours (`town_cluster`)
LONE_MIN_POP: Final = 100_000
WATCH_NAMED, WATCH_AREA = 2, 1
MULTI_MIN_POP: Final = 5_000
CLEAN_MIN_POP: Final = 300_000  # a common word used mid-sentence: a city this big needs no more


def neighbour_named(gaz: Gazetteer, p: int, others: Iterable[int | None], home: Home) -> bool:
    """Is another town of `p`'s country among `others` (the other names' best
    senses) within `VILLAGE_COUNTY_KM` of it, one of the two in a home region
    (when the home has one)? Not two namesakes far from the home: a Texas paper's
    football report naming Charlton and Holland (Matt Holland, a player) is not
    about two towns in Massachusetts."""
    lat, lon, cc = gaz.lat[p], gaz.lon[p], gaz.cc[p]
    regions, ids = home.regions, gaz.region_ids
    mine = not regions or ids.get(gaz.admin1[p]) in regions
    return any(q is not None and q != p and gaz.kind[q] == KIND_CITY and gaz.cc[q] == cc
               and (mine or ids.get(gaz.admin1[q]) in regions)
               and haversine_km(lat, lon, gaz.lat[q], gaz.lon[q]) < VILLAGE_COUNTY_KM
               for q in others)


def town_cluster(gaz: Gazetteer, p: int, others: Iterable[int | None]) -> bool:
    """Are at least `CLUSTER_TOWNS` of `others` (the other names' best senses)
    towns of `p`'s region within `VILLAGE_COUNTY_KM` of it? With no home to say
    where a story is, three small towns side by side are one place's news; two
    may be chance (a Texas paper's `Charlton and Holland`, two players, are two
    towns in Massachusetts)."""
    lat, lon, a1 = gaz.lat[p], gaz.lon[p], gaz.admin1[p]
    near = 0
    for q in others:
        if (q is not None and q != p and gaz.kind[q] == KIND_CITY and gaz.admin1[q] == a1
                and haversine_km(lat, lon, gaz.lat[q], gaz.lon[q]) < VILLAGE_COUNTY_KM):
            near += 1
            if near >= CLUSTER_TOWNS:
                return True
    return False


def vouches(gaz: Gazetteer, s: Surface, pid: int) -> bool:
    return (not s.common or (s.clean and gaz.pop[pid] >= CLEAN_MIN_POP)) and sizeable(gaz, s, pid)


def sizeable(gaz: Gazetteer, s: Surface, pid: int) -> bool:
    """Specific enough to say which country a text is about (a common word may be:
    Atlanta); a one-word hamlet picked for a surname is not."""
    return (s.qualified or pid >= gaz.base_len or " " in s.key or gaz.kind[pid] <= KIND_ADMIN1
            or gaz.pop[pid] >= BARE_MIN_POP)


def confident(
    gaz: Gazetteer, s: Surface, scored: list[tuple[float, float, float, int]],
    watched: Callable[[int], int],
) -> bool:
    if len(scored) < 2 or s.qualified or s.demonym:
        return True
    b_score, _, _, b = scored[0]
    found = rival(gaz, s, scored, watched)
    if found is None:
        return True
    r_score, _, _, r = found
    if b_score - r_score >= ABSTAIN_MARGIN:
        return True
    # Close in score: fine if both senses are the same spot (city and its county).
    far = haversine_km(gaz.lat[b], gaz.lon[b], gaz.lat[r], gaz.lon[r])
    return far <= ABSTAIN_KM


def rival(gaz: Gazetteer, s: Surface, scored: list[tuple[float, float, float, int]],
          watched: Callable[[int], int]) -> tuple[float, float, float, int] | None:
    """The best sense after the first (`scored`: (score, local, support, pid), best
    first) that could stand on its own evidence: only such a rival makes the name
    ambiguous (Newbury, Berkshire is not in doubt because of a hamlet in New Hampshire)."""
    return next((x for x in scored[1:] if evident(gaz, s, x[3], x[1], x[2], watched)), None)


def evident(gaz: Gazetteer, s: Surface, pid: int, local: float, support: float,
             watched: Callable[[int], int], elsewhere: bool = False) -> bool:
    """Is there evidence beyond the name that this is the place?

    Small places and common words need local evidence; their country alone
    does not count (every capitalised word in a US story is some US hamlet:
    Christmas, Florida; Congress, Arizona). A town under `LONE_MIN_POP` with
    no context at all (not even its country) is more likely a surname
    (Murphy, Duncan, Slater in a Canadian story) and needs some.
    """
    if s.qualified or s.demonym or pid >= gaz.base_len:
        return True
    # `Islington Bay` in Auckland: no London nearby; `the Central Coast` of British
    # Columbia: no New South Wales nearby.
    if local < 1.0 and (s.feature or descriptive_name(s.key)):
        return watched(pid) == WATCH_NAMED
    kind, pop = gaz.kind[pid], gaz.pop[pid]
    if kind == KIND_ADMIN2 and local < 1.0 and not s.local and bare_county(gaz, pid, s.key):
        # `Broward`, `Pinellas` without `County`: as its own state's papers write it
        # (their home region, a town of the state, `Broward deputies`), or a rule's.
        return watched(pid) == WATCH_NAMED
    if kind > KIND_ADMIN1 and support <= 0 and elsewhere and not own_name(gaz, pid, s.key):
        # Known here only by another of its names (`Rafa` for Rafah, `Bono` for
        # Bonn) in a text whose other places are all in other countries: a
        # person or a word spelled like the name, not the town; unless a rule
        # watches its area, as for a lone town below. (With no other place at
        # all, `Officials in Zaporizhzhia said`, a spelling is given the benefit
        # of the doubt, as a big town's name is.)
        return watched(pid) > 0
    if kind <= KIND_ADMIN1:
        ok = not s.common or local >= 1.0 or pop >= 5_000_000
    elif s.common and (pop < (CLEAN_MIN_POP if s.clean else 1_000_000)
                       or gaz.main_key(pid) != s.key):
        # (A city of 300,000 written mid-sentence, `in Denver's suburbs`, stands alone:
        # the top-5,000 list holds Boston and Denver for their frequency as names;
        # `Man Utd`, `Mobile`, `Commonwealth` name smaller places and need more.)
        # A common word that is a big city's *alternate* name (`Soul` for Seoul)
        # needs local evidence too; `China`, `Turkey`, `Britain` stand alone.
        ok = local >= 1.0
    else:
        # Multi-word names (`Laurel County`, `Red Deer`) are specific enough alone,
        # unless tiny (`Middle East`, Maryland: 1,872 people). As written: `O'Connor`
        # is one word (a surname), though its key splits at the apostrophe.
        # Not a small town with no evidence in a text whose other places are all in
        # other countries: `Newcastle West` in an Australian story is no Irish town
        # (the gazetteer lacks the Newcastle suburb).
        # A name led by a title (`Prince Albert`, `King Edward`) is a person more
        # often than Saskatchewan's town: it needs local evidence as a small town does.
        # (Not a possessive: `King's Lynn`.)
        words = s.key.split(" ", 2)
        titled = words[0] in HONORIFICS and not (len(words) > 2 and words[1] == "s")
        multi = (" " in s.key and (kind == KIND_ADMIN2 or pop >= MULTI_MIN_POP) and not titled
                 and any(" " in m.text for m in s.mentions)
                 and not (elsewhere and support <= 0 and pop < BARE_MIN_POP))
        if (pop < BARE_MIN_POP or titled) and not multi:
            ok = local >= 1.0
        elif multi or pop >= LONE_MIN_POP or support > 0:
            ok = True
        else:  # a lone town: fine if the rules ask about its area
            return watched(pid) > 0
    return ok or watched(pid) == WATCH_NAMED


# Words a main name may drop and stay itself (`New York` of New York City).
_GENERIC_NAME_WORDS: Final = frozenset(("city", "of", "the", "town", "borough", "municipality"))
_RIVER_CONNECTORS: Final = frozenset(("am", "an", "upon", "on", "sur", "ob", "nad", "del", "de"))


def short_of_river_name(gaz: Gazetteer, pid: int, key: str) -> bool:
    """Is `key` the place's main name without the river it stands on (`stoke` of
    Stoke-on-Trent, `halle` of Halle (Saale))?"""
    main = gaz.main_key(pid)
    if not main.startswith(key + " "):
        return False
    return main[len(key) + 1 :].split(" ", 1)[0] in _RIVER_CONNECTORS or gaz.names[pid].endswith(")")


def own_name(gaz: Gazetteer, pid: int, key: str, either_way: bool = False) -> bool:
    """Is `key` the place's main name, or it without generic words (`New York`
    of New York City, `Westminster` of the City of Westminster; not `Serena` of
    La Serena), or its first words before a river's (`Frankfurt`)?
    `either_way`: or the main name with words added (`Washington DC`)."""
    main = gaz.main_key(pid)
    if key == main:
        return True
    words, main_words = set(key.split(" ")), set(main.split(" "))
    if words <= main_words and main_words - words <= _GENERIC_NAME_WORDS:
        return True
    # `Frankfurt` of Frankfurt am Main, `Newcastle` of Newcastle upon Tyne, `Halle`
    # of Halle (Saale).
    return short_of_river_name(gaz, pid, key) or (either_way and main_words <= words)


def bare_county(gaz: Gazetteer, pid: int, key: str) -> bool:
    """Is `key` the county `pid`'s name without its `County` (`build.BARE_COUNTY_POP`),
    or without the kind of area GeoNames writes before it (`Gironde` of `Departement
    de la Gironde`, `spellings.admin_bare_name`)?"""
    main = gaz.main_key(pid)
    if main.endswith(" county"):
        return main[: -len(" county")] == key
    if not main.endswith(" " + key):
        return False
    bare = admin_bare_name(gaz.names[pid])
    return bare is not None and name_key(bare) == key
