"""Which of a name's places a bare name means when one of them is named after another.

A region or county named after a town in it (Kherson Oblast after Kherson, the
Paris department after Paris) is not what the bare name means (`Kherson` is the
city); nor is a region that shares its name with a country or a notable town
elsewhere (`Georgia`, `Sao Paulo`), unless the text says region. Read by
mention finding (lists of areas), `surfaces` (a name's senses), `resolve` (the
prior) and `rulebook` (a rule's named places).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from monitor.geo.context import AREA_WORDS
from monitor.geo.gazetteer import Gazetteer, haversine_km

NOTABLE_TOWN: Final = 100_000


def region_named_like_town(gaz: Gazetteer, key: str, senses: Sequence[int], region: int) -> bool:
    """Is `key`, a name of `region`, also a country's or a town's of `NOTABLE_TOWN`,
    and not written as a region (`Kharkiv`, `Sao Paulo`; not `Kharkiv Oblast`)?
    Then the city or country is meant unless the text says otherwise."""
    return key.rsplit(" ", 1)[-1] not in AREA_WORDS and any(
        gaz.kind[p] == 0 or (gaz.kind[p] >= 2 and gaz.pop[p] >= NOTABLE_TOWN)
        for p in senses if p != region)

# A region or county at most this many times its namesake town's population is
# named after the town (Kherson Oblast 9x Kherson, the Paris department 1x Paris);
# Quebec (20x Quebec City) is a province in its own right.
NAMESAKE_RATIO: Final = 10


def namesake_town(gaz: Gazetteer, senses: Sequence[int], area: int) -> int | None:
    """The town among `senses` (a name's places) that `area`, a region or county
    of that name, is named after: a town inside it, big enough for the name to
    mean it (see `NAMESAKE_RATIO`). None for any other place."""
    kind = gaz.kind[area]
    if kind not in (1, 2):
        return None
    own = gaz.admin1[area] if kind == 1 else gaz.admin2[area]
    if not own:
        return None
    codes = gaz.admin1 if kind == 1 else gaz.admin2
    for p in senses:
        if (p != area and gaz.kind[p] == 3 and codes[p] == own
                and gaz.pop[p] * NAMESAKE_RATIO >= gaz.pop[area]):
            return p
    return None


def named_as_town(gaz: Gazetteer, key: str, senses: Sequence[int]) -> list[int]:
    """`senses` without the regions and counties named after a town among them,
    unless `key` says region (`Kherson` is the city, `Kherson Oblast` the oblast).
    A district named `X City` after its town X is the town (`Tauranga City Council`)."""
    if key.endswith(" city"):
        senses = _city_districts_as_towns(gaz, key, senses)
    if len(senses) < 2 or key.rsplit(" ", 1)[-1] in AREA_WORDS:
        return list(senses)
    return _named_over_alternates(gaz, key, [
        p for p in senses if gaz.kind[p] == 0 or gaz.kind[p] == 3 or namesake_town(gaz, senses, p) is None])


# A town within this distance of a town named `key` (of `OWN_NAME_MIN_POP` or more)
# that has `key` only as an alternate name is the same place recorded twice.
SAME_PLACE_KM: Final = 25.0
OWN_NAME_MIN_POP: Final = 15_000


def _named_over_alternates(gaz: Gazetteer, key: str, senses: list[int]) -> list[int]:
    """`senses` without the towns that carry `key` only as an alternate name
    when a town named `key` lies next to them: GeoNames gives Delhi (11 million)
    the alternate `New Delhi`, but `New Delhi` is the capital of 317,000 inside it."""
    own = [p for p in senses if gaz.kind[p] == 3 and gaz.pop[p] >= OWN_NAME_MIN_POP
           and gaz.main_key(p) == key]
    if not own or len(own) == len(senses):
        return senses
    return [p for p in senses if gaz.kind[p] != 3 or p in own or not any(
        gaz.cc[q] == gaz.cc[p] and haversine_km(gaz.lat[p], gaz.lon[p], gaz.lat[q], gaz.lon[q])
        < SAME_PLACE_KM for q in own)]


def _city_districts_as_towns(gaz: Gazetteer, key: str, senses: Sequence[int]) -> list[int]:
    """`senses` of `X City` with each county named so after its town X (New
    Zealand's councils: `Tauranga City`, `Dunedin City`) replaced by that town:
    news naming the city council means the city, as `Asheville City Council` does."""
    towns = [q for q in gaz.candidates(key[: -len(" city")]) if gaz.kind[q] == 3]
    out: list[int] = []
    for p in senses:
        town = namesake_town(gaz, towns, p) if towns and gaz.kind[p] == 2 else None
        chosen = p if town is None else town
        if chosen not in out:
            out.append(chosen)
    return out
