"""The qualifier a name is written with, read for `mentions`: `Paris, Texas`,
`Springfield, Ill.`, `Izium, Kharkiv Oblast` after a comma (firm or not), and
`Jesenik in the Czech Republic` after `in` (soft); and what a comma's area is
instead: an item of a list (`Oxford, New York and Michigan`) or the next
clause's subject (`in Kinston, Craven County deputies said`)."""

from __future__ import annotations

from typing import Final

from monitor.geo import cues
from monitor.geo.context import APOSTROPHES, area_name
from monitor.geo.gazetteer import Gazetteer
from monitor.geo.surfaces import in_area
from monitor.geo.tokens import Tokens, capitalised


def _in_list(gaz: Gazetteer, raw: str, tk: Tokens, gaps: list[str], k: int,
             areas: tuple[int, ...], countries_only: bool = False) -> bool:
    """Is the qualifier candidate (ending before token k) an item of a list:
    followed by `and X` / `or X`, or by `, X` where X is another region (not
    the country of the areas: `Edmonton, Alberta, Canada` is no list)?
    `countries_only`: the name and the candidate are both countries, so the
    serial comma joins a list too (`China, Japan, and Brazil`; but `Paris,
    Texas, and Dallas` keeps its qualifier, as AP style writes it)."""
    if k >= len(tk):
        return False
    serial = ("", ",") if countries_only else ("",)
    joined = tk.text[k] in ("and", "or") and gaps[k].strip() in serial and k + 1 < len(tk)
    if not joined and gaps[k].strip() != ",":
        return False
    nxt = k + 1 if joined else k
    if joined and tk.text[nxt] == "the" and nxt + 1 < len(tk):  # `, and the United Kingdom`
        nxt += 1
    if not capitalised(tk.raw[nxt]):
        return False
    if joined:
        return True
    countries = {gaz.cc[a] for a in areas}
    for n in (3, 2, 1):
        senses = gaz.candidates(" ".join(tk.text[nxt : nxt + n]))
        if senses and gaz.kind[senses[0]] <= 1:
            return not (gaz.kind[senses[0]] == 0 and gaz.cc[senses[0]] in countries)
    return False


def qualifier_after(
    gaz: Gazetteer, raw: str, tk: Tokens, gaps: list[str], last: int, name: str = ""
) -> tuple[tuple[int, ...], bool]:
    """Areas named right after `, ` (Paris, Texas / Springfield, Ill. / Izium,
    Kharkiv Oblast), and whether the qualifier is firm (see `Mention.firm`)."""
    j = last + 1
    if j >= len(tk) or gaps[j].strip() != ",":
        return (), False
    for n in (3, 2, 1):
        if j + n > len(tk):
            continue
        if any(gaps[k].strip(" .") for k in range(j + 1, j + n)):
            continue
        words = tk.raw[j : j + n]
        if not capitalised(words[0]):
            continue
        key = " ".join(tk.text[j : j + n])
        senses = gaz.candidates(key)
        # Countries, regions and counties (`Newark, Nottinghamshire`).
        areas = tuple(p for p in senses if gaz.kind[p] <= 2)
        if areas and gaz.kind[senses[0]] > 2 and not cues.county_fits(gaz, name, areas):
            return (), False
        if areas:
            if _next_clause_subject(gaz, tk, j + n, name, areas):
                return (), False
            # `Oxford, New York and Michigan`: a list of places, not a qualifier.
            if _in_list(gaz, raw, tk, gaps, j + n, areas,
                        gaz.kind[areas[0]] == 0 and cues.country_first(gaz, name)):
                return (), False
            # `Manchester` is a city first; `Wales Secretary` goes on as a name.
            firm = gaz.kind[senses[0]] in (1, 2) and _ends_name(gaz, tk, gaps, j + n, areas)
            return areas, firm
        abbr = gaz.abbrevs.get(key)
        if abbr is not None:
            after = raw[tk.bounds[2 * (j + n) - 1] : tk.bounds[2 * (j + n) - 1] + 1]
            caps = all(w.isupper() for w in words)
            pids = tuple(pid for pid, needs_period in abbr
                         if (after == "." if needs_period else caps))
            if pids:
                return pids, _ends_name(gaz, tk, gaps, j + n, pids)
    return (), False


def qualifier_in(gaz: Gazetteer, tk: Tokens, gaps: list[str], last: int, name: str) -> tuple[int, ...]:
    """`Jesenik in the Czech Republic`, `Spa in Belgium`, `Erwin in Tennessee`: a
    country, or a name whose first sense is a first-level region, written right
    after `in` (or `in the`) and ending the name. A soft qualifier: it keeps the
    name's senses there, if any, and never drops the name. Not after a name that is
    itself a country's or a region's (`talks with Armenia in Russia`)."""
    j = last + 1
    if j + 1 >= len(tk) or tk.raw[j] != "in" or gaps[j] != " " or gaps[j + 1] != " ":
        return ()
    j += 1
    if tk.raw[j] == "the" and j + 1 < len(tk) and gaps[j + 1] == " ":
        j += 1
    if not capitalised(tk.raw[j]) or area_name(gaz, name):
        return ()
    for n in (3, 2, 1):
        if j + n > len(tk) or any(gaps[k] != " " for k in range(j + 1, j + n)):
            continue
        senses = gaz.candidates(" ".join(tk.text[j : j + n]))
        if senses and gaz.kind[senses[0]] <= 1:
            area = senses[0]
            # (Only where the name has a sense: `Suez in Argentina` is the company.)
            inside = any(in_area(gaz, p, area) for p in gaz.candidates(name))
            return (area,) if inside and _ends_name(gaz, tk, gaps, j + n, senses[:1]) else ()
    return ()


# Who is said to have said or done something, written after an area's name.
_AGENCY_WORDS: Final = frozenset({
    "deputies", "officers", "officials", "police", "authorities", "troopers", "commissioners",
    "prosecutors", "detectives", "firefighters", "investigators"})
# A source two words on, with its verb: `Linn County jail records show`, `fire officials said`.
_SOURCE_WORDS: Final = _AGENCY_WORDS | {"records"}
_REPORT_VERBS: Final = frozenset({
    "said", "say", "says", "show", "shows", "showed", "report", "reports", "reported", "told"})
_POSSESSED: Final = _AGENCY_WORDS | {"office", "department"}


def _next_clause_subject(gaz: Gazetteer, tk: Tokens, k: int, name: str, areas: tuple[int, ...]) -> bool:
    """`a bank in Kinston, Craven County deputies said`, `in Iowa City, Linn County
    jail records show`: the area (ending before token k) begins the next clause,
    as its officers or their records, rather than qualifying
    the name: no place of the name lies in it (Kinston is in Lenoir County)."""
    if not name or k >= len(tk) or not tk.raw[k].islower() or not _source_at(tk, k):
        return False
    senses = gaz.candidates(name)
    kind, cc, admin1, admin2 = gaz.kind, gaz.cc, gaz.admin1, gaz.admin2
    if senses and kind[senses[0]] == 0:
        return True  # `in Russia, U.S. officials said`: a country is no village's qualifier
    return not any(
        cc[p] == cc[a] if kind[a] == 0 else admin1[p] == admin1[a] if kind[a] == 1
        else admin2[p] == admin2[a] and admin1[p] == admin1[a]
        for a in areas for p in senses)


def _source_at(tk: Tokens, k: int) -> bool:
    """Does token k start who or what is said to have said something: `deputies`,
    `jail records show`, `sheriff's deputies`, `prosecutor's office`? (Not any
    noun: `a Bradford, Ontario court` is a court in Bradford, Ontario.)"""
    if tk.text[k] in _AGENCY_WORDS:
        return True
    if k + 2 >= len(tk):
        return False
    if tk.text[k + 1] in _SOURCE_WORDS and tk.text[k + 2] in _REPORT_VERBS:
        return True
    return tk.text[k + 1] == "s" and tk.gaps[k + 1] in APOSTROPHES and tk.text[k + 2] in _POSSESSED


def _ends_name(gaz: Gazetteer, tk: Tokens, gaps: list[str], k: int, areas: tuple[int, ...]) -> bool:
    """Does the qualifier (ending before token k) end the place's name: the text
    ends, or punctuation or a lower-case word follows, or `, ` and the areas'
    country (`Stroud, Ontario, Canada`)?"""
    if k >= len(tk):
        return True
    gap = gaps[k].strip(" .")
    if gap == "," and capitalised(tk.raw[k]):
        senses = gaz.candidates(" ".join(tk.text[k : k + 2])) or gaz.candidates(tk.text[k])
        return bool(senses) and gaz.kind[senses[0]] == 0 and gaz.cc[senses[0]] in {
            gaz.cc[a] for a in areas}
    return bool(gap) or not capitalised(tk.raw[k])
