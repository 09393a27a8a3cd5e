"""Find place mentions in one text: one automaton pass, then shape filters.

The automaton holds every surface form as a string of token codes (one
character per token, see `Gazetteer.scan`), and runs over the field's tokens
coded the same way, so a hit always sits on token boundaries. What survives a
hit:

- capitalisation: the first and last word capitalised (`bath` is not Bath);
- no punctuation inside a multi-word name, and no line break;
- proper-noun runs: a place inside a longer capitalised run is dropped
  (`Paris Hilton`, `Jordan Henderson`, `Queen Victoria`) unless the extra
  words are organisation/facility heads (`Laurel County Sheriff`), compass
  words (`Northern Syria`) or a sentence-initial common word (`In Kharkiv`);
- a common English word at a sentence start (`Reading the ...`, `Mobile
  phones`) is not a place unless a region qualifies it.

Each mention records what resolution needs: the explicit qualifier after a
comma (`Paris, Texas`, `Springfield, Ill.`), whether it is a common word,
and whether it sits at a sentence start. What is written around a hit (its
qualifier, the capitalised words before and after it, lists, datelines) is
read by `monitor.geo.context`.
"""

from __future__ import annotations

import re
from typing import Final

from monitor.geo import cues
from monitor.geo.context import (
    APOSTROPHES,
    AREA_WORDS,
    BUILDING_HEADS,
    CONNECTORS,
    INNER_WORDS,
    MONTHS,
    ORG_HEADS,
    RUN_FOLLOWED,
    RUN_OK,
    RUN_SURNAME,
    SENTENCE_END,
    area_name,
    couple,
    dateline,
    famous,
    run_ok,
    shouting_once,
    university_state,
)
from monitor.geo.cues import (
    ANY_AFTER,
    LOCAL_AFTER,
    LOCAL_BEFORE,
    OWN_VENUE,
    PEOPLE_BEFORE,
    RESIDENT_AFTER,
    ROAD_BEFORE,
    ROAD_LAST_WORDS,
)
from monitor.geo.gazetteer import NO_NAME, TAG_DEMONYM, Gazetteer
from monitor.geo.lists import areas_in_lists, counties_in_lists
from monitor.geo.mention import Mention
from monitor.geo.qualifiers import qualifier_after, qualifier_in
from monitor.geo.sources import KIND_ADMIN2
from monitor.geo.tokens import Tokens, capitalised

_LANGUAGE_SUFFIXES: Final = frozenset({"-language", "-speaking", " language", " speaking"})
_IN_NAME_GAP: Final = frozenset(" -'’.\t")
_WATERS: Final = frozenset(("river", "sea", "gulf", "ocean"))
_WATER_OF: Final = ("Gulf of ", "Sea of ", "Bay of ", "Strait of ", "Straits of ")
_BANK_OF: Final = ("bank of the ", "banks of the ")
_CITY_AFTER: Final = (" city", " town")


def _inside_word(tk: Tokens, j: int) -> bool:
    """Is token `j` the end of a word an apostrophe splits (`Murang'a`, `John's`)?"""
    return tk.gaps[j] in APOSTROPHES


def _hyphened(gaps: list[str], j: int) -> bool:
    """Is token `j` joined by hyphens to the words on both sides (`Port-au-Prince`,
    `Bourg-la-Reine`): a lower-case word inside one hyphenated name?"""
    return gaps[j] == "-" and gaps[j + 1] == "-"


# What `_check` returns for a span that is no place and hides none either: the
# shorter names inside it are not tried (`Ohio State`, a university's side, is
# not Ohio).
_NOT_A_PLACE: Final = Mention("", 0, 0, "", "", False, False, False, ())


def headline_runs(found: list[Mention], title: str, tk: Tokens, runs: set[tuple[str, str]]) -> list[Mention]:
    """`found` without the title's names that the body writes as the head of a
    longer name (`runs`, from `find_mentions`), when the title is in Title Case:
    `Denver Nuggets Beat Phoenix Suns` over `beat the Phoenix Suns 118-109`."""
    # (The title is read first: its mentions, if any, lead `found`.)
    if not runs or not found or found[0].field != "title" or not _title_cased(tk):
        return found
    def in_run(m: Mention) -> bool:
        nxt = _NEXT_WORD.match(title, m.end)
        return nxt is not None and (m.key, nxt.group(1).lower()) in runs
    return [m for m in found if m.field != "title" or not in_run(m)]


_NEXT_WORD: Final = re.compile(r" +([A-Za-z0-9]+)")


def _title_cased(tk: Tokens) -> bool:
    """A headline in Title Case: capitals carry no information there."""
    words = [w for w in tk.raw if len(w) > 3 and w[0].isalpha()]
    return bool(words) and sum(capitalised(w) for w in words) >= 0.7 * len(words)


def _visible_codes(gaz: Gazetteer, tk: Tokens) -> tuple[str, list[int]]:
    """Token codes for the automaton of the tokens that can be in a name, and
    the token each code stands for: only capitalised words (or digits), and the
    lower-case words that sit inside names (`of`, `region`) right after them.
    Each run of other tokens is one `NO_NAME` code (no name spans it), so the
    automaton reads a fifth of the text."""
    # A plain loop: compiled (mypyc) it is C; pure, about as fast as the
    # C-level passes (map, compress) it replaced.
    text, raw, gaps, n = tk.text, tk.raw, tk.gaps, len(tk.text)
    cache = gaz.code_cache
    codes: list[str] = []
    where: list[int] = []
    after = 0  # the token after the last one coded
    i = 0
    while i < n:
        # A token starting with a lower-case letter is never the first word of a
        # name, nor (unless a connector or area word) a later one.
        if i < after:
            i += 1
            continue
        first = ord(raw[i][0])  # (compiled, ord is C; `.islower()` a method call)
        if 97 <= first <= 122 or (first > 127 and raw[i][0].islower()):
            i += 1
            continue
        word = text[i]
        code = cache.get(word)
        if code is None:
            code = gaz.code_of(word)
        if code == NO_NAME:
            i += 1
            continue  # a word in no name (`The`, `Mr`): part of the run of others
        if i > after and codes:
            codes.append(NO_NAME)
            where.append(after)
        codes.append(code)
        where.append(i)
        i += 1
        # (And a word after an apostrophe, `Murang'a County`, `St. John's`, or
        # between hyphens, `Port-au-Prince`.)
        while i < n and (text[i] in INNER_WORDS or gaps[i] in APOSTROPHES or (
                i + 1 < n and _hyphened(gaps, i))):
            word = text[i]
            code = cache.get(word)
            codes.append(code if code is not None else gaz.code_of(word))
            where.append(i)
            i += 1
        after = i
    return "".join(codes), where


def find_mentions(gaz: Gazetteer, field: str, raw: str,
                  names: set[str] | None = None, tokens: Tokens | None = None,
                  runs: set[tuple[str, str]] | None = None) -> list[Mention]:
    """Place mentions in one field. `names` collects the keys seen inside a
    person's name (`Paula Radcliffe`), so the caller can drop the same word
    elsewhere in the document (`Radcliffe said`): one sense per document.
    `runs` collects (key, next word) of names dropped as the head of a longer
    capitalised run (`Phoenix Suns`), for `headline_runs`.
    `tokens`: `Tokens(raw)`, when the caller has it already."""
    tk = Tokens(raw) if tokens is None else tokens
    if not tk.text:
        return []
    code, where = _visible_codes(gaz, tk)
    hits: dict[int, list[tuple[int, int, str]]] = {}  # first token -> [(n tokens, tag, key)]
    for first, n, tag, key in gaz.scan(tk.text, code, where):
        hits.setdefault(first, []).append((n, tag, key))
    if not hits:
        return []
    titlecase = field == "title" and _title_cased(tk)
    shouting: list[bool] = []  # computed when a code (US, UK) needs it
    gaps = tk.gaps
    out: list[Mention] = []
    taken_until = -1
    for first in sorted(hits):
        if first <= taken_until:
            continue
        # Longest first; a rejected long form falls back to a shorter one, but
        # not to a demonym (`British Columbia Finance Minister` is no `British`).
        longer_rejected = False
        group = hits[first]
        if len(group) > 1:
            group.sort(reverse=True)
        for n, tag, key in group:
            if tag == TAG_DEMONYM and longer_rejected:
                break
            longer_rejected = True
            last = first + n - 1
            mention = _check(gaz, field, raw, tk, gaps, first, last, tag, key, titlecase,
                             shouting, out[-1] if out else None, names, runs)
            if mention is not None:
                if mention is not _NOT_A_PLACE:
                    out.append(mention)
                taken_until = last
                break
    if out and "by " in raw:
        out = cues.outside_credits(raw, out)
    return areas_in_lists(gaz, raw, counties_in_lists(gaz, field, raw, out))


def _check(
    gaz: Gazetteer,
    field: str,
    raw: str,
    tk: Tokens,
    gaps: list[str],
    first: int,
    last: int,
    tag: int,
    key: str,
    titlecase: bool,
    shouting: list[bool],
    previous: Mention | None,
    names: set[str] | None = None,
    runs: set[tuple[str, str]] | None = None,
) -> Mention | None:
    words = tk.raw[first : last + 1]
    # `Kharkiv region` is as good as `Kharkiv Region`; `Murang'a`: a letter after an
    # apostrophe belongs to the word before it.
    if not capitalised(words[0]) or not (capitalised(words[-1]) or (
            len(words) > 1 and (words[-1] in AREA_WORDS or _inside_word(tk, last)))):
        return None
    if (first != last and tk.text[last] == "s" and _inside_word(tk, last)
            and not cues.possessive_city(gaz, raw, tk, last, key)):
        return None
    if first != last and (
            any(not capitalised(tk.raw[j]) and tk.raw[j] not in CONNECTORS
                and not _inside_word(tk, j) and not _hyphened(gaps, j) for j in range(first + 1, last))
            or any(set(gaps[j]) - _IN_NAME_GAP or "\n" in gaps[j]
                   for j in range(first + 1, last + 1))):
        return None
    if key in gaz.codes:
        if not all(w.isupper() for w in words) or shouting_once(shouting, tk):
            return None
        # A dotted code keeps its dots: `A U.S. Embassy` holds no `A.U.` (Australia).
        if first != last and any(gaps[j] != "." for j in range(first + 1, last + 1)):
            return None
        # `300 B.C.`: an era, not British Columbia (`2015 U.S. drone strike` is the US).
        if key == "b c" and first > 0 and gaps[first] == " " and tk.raw[first - 1].isdigit():
            return None
        # `US$2 million`, `U.S. 35`: a currency or a highway, not the country.
        if cues.CURRENCY_AFTER.match(raw, tk.bounds[2 * last + 1]):
            return None
    elif (first == last and len(words[0]) <= 4 and words[0].isupper() and tag != TAG_DEMONYM
          and not (shouting_once(shouting, tk) or dateline(tk, gaps, first, last, words))):
        # `The UN said`, `the CDC`, `(ICA)`: an acronym in mixed-case text, not Un,
        # Gujarat or Ica, Peru (a dateline, `ROME, Ga. -`, or a text in capitals is).
        return None
    before = gaps[first]
    sentence_start = first == 0 or not SENTENCE_END.isdisjoint(before) or titlecase
    own_dateline = wire_dateline = False
    if sentence_start and dateline(tk, gaps, first, last, words):
        sentence_start = False  # `BOSTON (AP) -`: a place by position, not a word
        mark = gaps[last + 1].strip()[:1]  # `LIMA -` (the paper's own) or `GENEVA (Reuters)`
        own_dateline = mark in _DASHES
        wire_dateline = mark == "("
    demonym = tag == TAG_DEMONYM
    single = first == last
    # (A code is matched only in capitals: `LA` is no word, whatever `la` is.)
    common = (single and not demonym and key in gaz.common and key not in gaz.codes
              and not famous(gaz, key))
    # (Only `, ` after the name can start a qualifier: skip the call otherwise.)
    qualifier, firm = (qualifier_after(gaz, raw, tk, gaps, last, key) if gaps[last + 1].strip() == ","
                       else _NO_QUALIFIER)
    if not qualifier and not demonym and last + 1 < len(tk) and tk.raw[last + 1] == "in":
        qualifier = qualifier_in(gaz, tk, gaps, last, key)
    if not qualifier and not demonym and cues.owned_by_other_area(
            gaz, raw, previous, tk.bounds[2 * first], key):
        if names is not None:  # one sense per document: the film's name later too
            names.add(key)
        return None
    # (`Bath and Freeport sent engines`: written as a town, as `Bath police` is.)
    # (`Atlanta: a judge in Fulton County...`: a feed summary's dateline, the
    # field's first word(s) and a colon.)
    town_at_start = (common and sentence_start and not qualifier and (
        (first == 0 and gaps[last + 1].startswith(": ")) or cues.town_at_start(gaz, raw, tk, gaps, last)))
    if common and sentence_start and not qualifier and not town_at_start:
        return None
    if single and key in ORG_HEADS and not qualifier:
        return None  # `Queen's University`: University, Ontario is no place anyone means
    if (first > 0 and gaps[first] == " " and tk.text[first - 1] in cues.VESSEL_BEFORE
            and tk.raw[first - 1].islower() and not qualifier and not demonym):
        if names is not None:  # `the container ship Dali`: the ship, here and later
            names.add(key)
        return None
    if not single and tk.raw[last] == "State" and university_state(gaz, tk, gaps, last, key):
        return _NOT_A_PLACE  # `Ohio State will play Michigan`: a university's side
    if (not single and tk.text[last] in BUILDING_HEADS and first > 0
            and tk.text[first - 1] == "the" and gaps[first] == " "):
        if names is not None:  # the same building elsewhere in the text
            names.add(key)
        return None
    if not titlecase and not demonym:
        run = run_ok(raw, tk, gaps, first, last, gaz, key)
        if run != RUN_OK:
            # `Paula Radcliffe`: Radcliffe is a surname in the whole article; but
            # `BBC Sport Wales` does not make Wales a surname elsewhere, nor does
            # a facility named after a person and a town (`Henry Ford Wyandotte
            # Hospital`) make the town one. (A small region is no exception:
            # `Dennis Flores ... Flores said` is no Uruguayan department.)
            if run == RUN_SURNAME and names is not None and not famous(gaz, key) and not (
                    last + 1 < len(tk) and tk.text[last + 1] in ORG_HEADS):
                names.add(key)
            elif run == RUN_FOLLOWED and runs is not None and last + 1 < len(tk):
                runs.add((key, tk.text[last + 1]))
            return None
    # `13 March`, `March 2004`: a date, not March, Cambridgeshire.
    if single and key in MONTHS and (
            (first > 0 and gaps[first] == " " and tk.raw[first - 1].isdigit())
            or (last + 1 < len(tk) and gaps[last + 1] == " " and tk.raw[last + 1].isdigit())):
        return None
    start, end = tk.bounds[2 * first], tk.bounds[2 * last + 1]
    # Most names are followed by none of the cues tested below: one C call rules
    # them all out (`after` False), instead of a dozen.
    after = ANY_AFTER.match(raw, end) is not None
    # `Spanish-speaking`, `Spanish-language`, `Latin American`: a language or a
    # culture, not the country.
    if demonym and ((first > 0 and tk.text[first - 1] in ("latin", "pan") and gaps[first] in (" ", "-"))
                    or (after and (raw[end : end + 9].lower() in _LANGUAGE_SUFFIXES
                                   or raw[end : end + 8].lower() in (" speaker", "-speaker")
                                   or cues.WATER_AFTER.match(raw, end)))):
        return None  # (`Pan-American`; `the Indian Ocean`, `the Irish Sea`: water, not land)
    # `Mexican restaurants`, `Thai cooking` (`Thai` is one of Thailand's names): a cuisine.
    if (after and cues.CUISINE_AFTER.match(raw, end)
            and (demonym or (single and cues.country_first(gaz, key)))):
        return None
    if after and cues.DISH_AFTER.match(raw, end):
        return None  # `Buffalo wings`, `Boston cream pie`: a dish
    # `Carmel beat Fishers 3-1`: the towns' sides. (Not a country's or a region's:
    # `Wales beat England` names their teams, but news of them counts as theirs.)
    if (not demonym and (after or raw.endswith(cues.OPPONENT_BEFORE, 0, start)
                         or (first > 0 and tk.text[first - 1] in cues.SIDE_BEFORE))
            and cues.sports_side(tk, gaps, first, raw, start, end, after)
            and not area_name(gaz, key)):
        return _NOT_A_PLACE  # (nor the names inside it: `Kansas City beat` holds no Kansas)
    # `Brent and Lynnette Hain`: a couple's given names, not the London borough;
    # `Hassan el Bushra`: a given name before a surname's particle.
    given_name = ((last + 1 < len(tk) and tk.text[last + 1] == "and" and couple(gaz, tk, gaps, last))
                  or (after and cues.PARTICLE_AFTER.match(raw, end)))
    if single and given_name and not (area_name(gaz, key) or famous(gaz, key)):
        if names is not None:  # `Brent said` later is the same man
            names.add(key)
        return None
    # `on Mount Washington`, `the summit of Mount Hood`: the mountain.
    if tk.text[first] in ("mount", "mt") and cues.MOUNTAIN_BEFORE.search(raw, max(0, start - 16), start):
        return None
    # `the Vistula river`, `the Dnipro River`: a river, not the town of its name
    # (it runs for hundreds of kilometres; a town on it is named on its own).
    if after and cues.RIVER_AFTER.match(raw, end):
        return None
    # `the Tana River burst its banks`, `the Rio Negro fell`, `attacks in the Red Sea`:
    # the water, not Kenya's county, the Brazilian town or Egypt's governorate named
    # after it (`Tana River county`, `Red Sea state` are the areas).
    if ((tk.text[last] in _WATERS or tk.text[first] == "rio") and first > 0
            and tk.text[first - 1] == "the" and (last + 1 == len(tk) or tk.text[last + 1] not in AREA_WORDS)):
        return None
    # `the Gulf of Oman`, `the Sea of Azov`, `the Strait of Hormuz`: the water named
    # after the land, not the land.
    if raw.endswith(_WATER_OF, max(0, start - 11), start):
        return None
    # `the right bank of the Dnipro`, `the banks of the Don`: the river, not the city.
    if raw.endswith(_BANK_OF, max(0, start - 13), start) and not demonym:
        return None
    # `New York magazine`; not `US magazine Wired`, `a German magazine` (whose).
    if after and cues.MAGAZINE_AFTER.match(raw, end) and not (demonym or cues.country_first(gaz, key)):
        return None
    # (So are the name's other uses: `Santander's shares`.)
    if single and after and not demonym and cues.speaks_as_subject(gaz, raw, tk, first, end, key):
        if names is not None:
            names.add(key)
        return None
    # `Reston virus`, `Marburg virus`, `Lyme disease`: named after a town, not in it.
    if after and cues.EPONYM_AFTER.match(raw, end) and not famous(gaz, key):
        if names is not None:  # one sense per document: `the Reston strain` too
            names.add(key)
        return None
    # `the church of St. Peter and St. Paul`: a dedication, not the towns.
    if tk.text[first] in ("st", "saint") and (
            cues.DEDICATION_BEFORE.search(raw, max(0, start - 80), start)
            or cues.DEDICATED_AFTER.match(raw, end)):  # `Saint Peter and Saint Paul Church`
        if names is not None:
            names.add(key)
        return None
    # `St. Michael's Hospital`, `St Peter's`: a church or a hospital, not the town.
    if tk.text[first] in ("st", "saint", "ste", "sainte") and raw[end : end + 2] in ("'s", "’s"):
        return None
    # `Antonio "LA" Reid`, `Earvin "Magic" Johnson`: a nickname in quotes inside a name.
    if (first > 0 and last + 1 < len(tk) and gaps[first][-1:] in _QUOTES
            and gaps[last + 1][:1] in _QUOTES and gaps[first][:1] == " " and gaps[last + 1][1:] == " "
            and capitalised(tk.raw[first - 1]) and capitalised(tk.raw[last + 1])):
        return None
    # `Buffalo, New York`: the second name qualifies the first, so it is the state.
    qualifies = (previous is not None and bool(previous.qualifier)
                 and raw[previous.end : start].strip() == ",")
    # `Lafayette, LA`: a state's abbreviation that qualifies the name before is no
    # place of its own (`LA` is also Los Angeles, but not here).
    if qualifies and key in gaz.abbrevs and all(gaz.kind[p] > KIND_ADMIN2 for p in gaz.candidates(key)):
        return None
    local = town_at_start or (common and not sentence_start and cues.listed_with_town(
        gaz, tk, gaps, first, last)) or (not demonym and ((after and bool(LOCAL_AFTER.match(raw, end))) or (
        OWN_VENUE.match(raw, end) is not None) or (
        first > 1 and tk.text[first - 1] in ROAD_LAST_WORDS and _number_before(tk.text, first)
        and ROAD_BEFORE.search(raw, max(0, start - 40), start) is not None) or (
        first > 0 and gaps[first] == " " and (tk.text[first - 1] in LOCAL_BEFORE or (
            # `a Brazil woman`, `a Neenah man`: where a person lives, as local news
            # writes it (of a country one writes `a Brazilian woman`).
            after and tk.text[first - 1] in ("a", "an") and bool(RESIDENT_AFTER.match(raw, end))) or (
            # `a man from Enterprise`, `Police in Street` (not `a woman from Brazil`:
            # a country's people; nor `police in Scotland`).
            first > 1 and tk.text[first - 2] in PEOPLE_BEFORE.get(tk.text[first - 1], ())
            and gaps[first - 1] == " " and not area_name(gaz, key))))))
    preceding = raw[max(0, start - 12) : start].lower()
    regional = not demonym and (preceding.endswith(cues.REGION_BEFORE)
                                or (after and bool(cues.REGION_AFTER.match(raw, end))))
    # `the town of X`; `X city`, `X town` (`40 km north-west of Herat city`: not the
    # province the title names).
    town = not demonym and (preceding.endswith(cues.TOWN_BEFORE) or (
        raw.startswith(_CITY_AFTER, end) and cues.written_as_town(gaz, raw, tk, first, end, key)))
    feature = not demonym and after and bool(cues.FEATURE_AFTER.match(raw, end))
    if (not demonym and (after or tk.text[last] in cues.FEATURE_WORDS)
            and cues.feature_in_place(gaz, raw, end, tk.text[last])):
        return None
    return Mention(field, start, end, raw[start:end], key, demonym, common, sentence_start,
                   qualifier, qualifies, firm, local or town, regional, feature, own_dateline, town,
                   wire_dateline)


_NO_QUALIFIER: Final[tuple[tuple[int, ...], bool]] = ((), False)


def _number_before(words: list[str], first: int) -> bool:
    """Is one of the three tokens before the word before token `first` a road's
    number (`84`, `a64`, `5a`)? A cheap test before `ROAD_BEFORE`'s search."""
    for t in words[max(0, first - 4) : first - 1]:  # noqa: SIM110 -- a plain loop compiles to C
        if t[:1].isdigit() or t[1:2].isdigit():
            return True
    return False


_DASHES: Final = frozenset("—–-")


_QUOTES: Final = frozenset('"“”\'‘’')
