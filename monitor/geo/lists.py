"""Lists of names in a text, read as lists: `Virginia, Washington, West Virginia
and Wyoming` are states, `the Bryansk and Kursk regions` regions, and `Wake and
Johnston counties` names two counties that are not written as such (`Wake
County`).

The items of a list are read alike: next to a region or country name, a name
is read as one too (`Washington` there is the state).
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise
from typing import Final

from monitor.geo.context import area_name
from monitor.geo.gazetteer import Gazetteer, name_key
from monitor.geo.mention import Mention
from monitor.geo.namesakes import namesake_town, region_named_like_town
from monitor.geo.sources import KIND_ADMIN2

_PLURAL_AREA: Final = re.compile(r" (?:regions|oblasts|provinces|states|counties|governorates|"
                          r"prefectures|districts)\b", re.IGNORECASE)
_LIST_GAPS: Final = frozenset({",", "and", ", and", "or", ", or", "&"})


def areas_in_lists(gaz: Gazetteer, raw: str, out: list[Mention]) -> list[Mention]:
    """`Virginia, Washington, West Virginia and Wyoming`: items of a list next to
    a region or country name are read as regions or countries too."""
    def area_first(m: Mention) -> bool:
        # A region named like a city of its own (Donetsk, Kherson, Phuket: the
        # region's population is summed from its towns, so it comes first) is
        # no evidence that the list is of regions: `Kharkiv and Donetsk` are cities.
        senses = gaz.candidates(m.key)
        if not senses or gaz.kind[senses[0]] > 1:
            return False
        return gaz.kind[senses[0]] == 0 or not (region_named_like_town(gaz, m.key, senses, senses[0])
                                                or namesake_town(gaz, senses, senses[0]) is not None)

    # Each mention followed by a plural area word; each joined to the next by a list's gap.
    plural = [bool(_PLURAL_AREA.match(raw, m.end)) for m in out]
    joined = [raw[a.end : b.start].strip() in _LIST_GAPS for a, b in pairwise(out)]
    # `the Bryansk and Kursk regions`, `Taiz, Ibb and Al Hudaydah governorates`: each
    # item of a list that ends in a plural area word (read from the end of the list).
    listed = plural[:]
    for i in range(len(out) - 2, -1, -1):
        listed[i] = plural[i] or (joined[i] and listed[i + 1])

    # `HOLLAND - ... Zeeland and Holland beaches`: the dateline's town keeps its
    # sense through the story (one sense per name); it makes no list of areas.
    datelined = {m.key for m in out[:1] if m.start == 0 and m.text.isupper() and len(m.text) > 3}
    for i, m in enumerate(out):
        if m.key in datelined:
            continue
        # (`Kharkiv, Ukraine`: Ukraine qualifies the city; no list of areas.)
        if m.qualifies or m.demonym or m.qualifier or not area_name(gaz, m.key):
            continue
        if listed[i]:
            # (Written as an area in a list, a common word is no word: `Jonglei and
            # Unity states`; alone it may be: `Gulf states`.)
            in_list = not plural[i] or (i > 0 and listed[i - 1] and joined[i - 1])
            out[i] = replace(m, qualifies=True, common=m.common and not in_list)
            continue
        for j in (i - 1, i + 1):
            if (0 <= j < len(out) and joined[min(i, j)] and not out[j].demonym
                    and out[j].key not in datelined and (area_first(out[j]) or listed[j])):
                out[i] = replace(m, qualifies=True)
                break
    return out


# `Wake and Johnston counties`, `Orleans and Jefferson parishes`: each item is a county.
_NAME: Final = r"[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)?"
_COUNTY_LIST: Final = re.compile(rf"({_NAME}(?:(?:, and |, | and | & ){_NAME})+) (counties|parishes)\b")
_ITEM: Final = re.compile(_NAME)


def counties_in_lists(gaz: Gazetteer, field: str, raw: str, out: list[Mention]) -> list[Mention]:
    """`out` with the items of a list of counties (`in Travis and Williamson
    counties`) as mentions of those counties, in place of whatever was found in
    their spans (Williamson, West Virginia)."""
    if " counties" not in raw and " parishes" not in raw:
        return out
    made = []
    for m in _COUNTY_LIST.finditer(raw):
        word = " County" if m.group(2) == "counties" else " Parish"
        for item in _ITEM.finditer(m.group(1)):
            key = name_key(item.group() + word)
            if any(gaz.kind[p] == KIND_ADMIN2 for p in gaz.candidates(key)):
                start = m.start(1) + item.start()
                made.append(Mention(field, start, start + len(item.group()), item.group(), key,
                                    False, False, False, ()))
    if not made:
        return out
    kept = [x for x in out if not any(y.start < x.end and x.start < y.end for y in made)]
    return sorted(kept + made, key=lambda x: x.start)
