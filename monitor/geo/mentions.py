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
and whether it sits at a sentence start.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import compress
from operator import not_

from monitor.geo import cues
from monitor.geo.gazetteer import NO_NAME, TAG_DEMONYM, Gazetteer
from monitor.geo.sources import KIND_ADMIN2
from monitor.geo.tokens import FIRST_CHAR, Tokens, capitalised


def _words(text: str) -> list[str]:
    return text.split()


# Words that may follow a place inside a capitalised run without making the
# run a person's name: organisations, facilities, offices named after places.
# (Not newspapers: the Washington Post or the Kyiv Post is no story about the city.)
ORG_HEADS = frozenset(_words("""
    county city town village borough parish district region province oblast state
    sheriff police university college school academy hospital clinic airport council
    office department court station park bridge mayor governor
    government stock exchange detention correctional medical memorial community library
    transit housing coroner rescue emergency ambulance chamber high supreme
    metro fire zoo museum cathedral mosque church harbour harbor port bay river valley
    mountains hills army forces military regional municipal public health authority
    commission board club minister ministry president prime embassy consulate agreement
    accord convention summit conference protocol airlines airways international national
    central federal bureau agency prison jail centre center area township marathon
    olympics games gov sen senator attorney legislature constabulary judge commissioner
    commissioners clerk supervisor supervisors treasurer prosecutor executive superintendent
    assessor trustee trustees selectman selectmen alderman aldermen councilman councilwoman
    councillor"""))
# Words that may precede a place in a capitalised run.
PREFIX_OK = frozenset(_words("""
    north south east west northern southern eastern western central greater upper lower
    downtown metropolitan old new inner outer rural urban"""))
# Region names that are ordinary words (Ghana's Central, Zambia's Western...).
GENERIC_AREA_NAMES = PREFIX_OK | frozenset(_words("""
    capital centre center coast coastal islands lakes mountain highlands lowlands
    plateau valley river border littoral interior midlands"""))
AREA_WORDS = frozenset(_words("oblast region province state governorate prefecture county"))
MONTHS = frozenset(_words("""january february march april may june july august september
    october november december"""))
_DATE_WORDS = MONTHS | frozenset(_words("monday tuesday wednesday thursday friday saturday sunday"))
HONORIFICS = frozenset(_words("mr mrs ms miss dr sir lord lady queen king prince princess"))
# Titles written abbreviated, with a period (AP style: `Sgt.`, `Rep.`, `Gov.`).
TITLE_ABBREVIATIONS = frozenset(_words("""mr mrs ms dr prof rev fr gen lt col maj capt sgt cpl
    pvt adm cmdr det insp supt const rep sen gov pres amb hon"""))
# Last words of buildings' names: `the White House` is not White House, Tennessee.
# (Streets are not in ORG_HEADS either: Oxford Street is in London, not Oxford.)
BUILDING_HEADS = frozenset(_words("""
    house hall palace castle tower station airport hospital church cathedral abbey
    mansion building stadium arena"""))
# (`s`: a possessive inside a name, `King's Lynn`, `Prince George's County`; `d`: `Coeur d'Alene`;
# `under`, `super`: `Newcastle-under-Lyme`, `Weston-super-Mare`.)
CONNECTORS = frozenset(_words("""of de la le du des upon on am sur the and del di da el al en y i
    under super s d"""))
_INNER = CONNECTORS | AREA_WORDS  # lower-case words that occur inside names
_LANGUAGE_SUFFIXES = frozenset({"-language", "-speaking", " language", " speaking"})
_SENTENCE_END = frozenset(".!?:;\n\"“”‘«(")
_IN_NAME_GAP = frozenset(" -'’.\t")


# Not frozen: a frozen dataclass's __init__ sets each of the 14 fields through
# object.__setattr__ (3 us a mention, ~4% of matching). A mention is never
# changed in place (changes go through `replace`), and hashes by value as before.
@dataclass(slots=True, unsafe_hash=True)
class Mention:
    field: str
    start: int  # character offsets in the field text
    end: int
    text: str  # as written
    key: str  # name_key of the surface form
    demonym: bool
    common: bool  # the surface is a frequent English word
    sentence_start: bool
    qualifier: tuple[int, ...]  # area ids named right after a comma
    qualifies: bool = False  # this mention is the qualifier of the one before
    # The qualifier is unmistakably one (`Stroud, Ontario, Canada`, `Holliday,
    # Mo. -`): a region by its main sense, ending the name. A town with no sense
    # in it is one the gazetteer lacks, not a same-named town elsewhere.
    firm: bool = False
    # Written as a town by local news: `Lebanon police`, `Albany officers`,
    # `downtown Huntington`, `the Salina city council`. A country is never what that means.
    local: bool = False
    # Written as a region: `the state of Washington`, `New York Governor`.
    regional: bool = False
    # The name of a park, bay or beach (`Islington Bay`, `Richmond Park`): such
    # places are often named after a town far away, so the town needs local evidence.
    feature: bool = False


def _title_cased(tk: Tokens) -> bool:
    """A headline in Title Case: capitals carry no information there."""
    words = [w for w in tk.raw if len(w) > 3 and w[0].isalpha()]
    return bool(words) and sum(capitalised(w) for w in words) >= 0.7 * len(words)


def _visible_codes(gaz: Gazetteer, tk: Tokens) -> tuple[str, list[int]]:
    """Token codes for the automaton of the tokens that can be in a name, and
    the token each code stands for: only capitalised words (or digits), and the
    lower-case words that sit inside names (`of`, `region`) right after them.
    Each run of other tokens is one `NO_NAME` code (no name spans it), so the
    automaton reads a fifth of the text. Only visible tokens cost Python work;
    they are picked by C-level passes."""
    text, n = tk.text, len(tk.text)
    get, miss = gaz.code_cache.get, gaz.code_of
    codes: list[str] = []
    where: list[int] = []
    add, at, inner = codes.append, where.append, _INNER
    after = 0  # the token after the last one coded
    # A token starting with a lower-case letter is never the first word of a
    # name, nor (unless a connector or area word) a later one.
    visible = list(compress(range(n), map(not_, map(str.islower, map(FIRST_CHAR, tk.raw)))))
    for i, code in zip(visible, map(get, map(text.__getitem__, visible))):  # noqa: B905
        if i < after:
            continue  # coded already, as an inner word of the run before
        code = code or miss(text[i])
        if code == NO_NAME:
            continue  # a word in no name (`The`, `Mr`): part of the run of others
        if i > after and codes:
            add(NO_NAME)
            at(after)
        add(code)
        at(i)
        i += 1
        while i < n and text[i] in inner:
            add(get(text[i]) or miss(text[i]))
            at(i)
            i += 1
        after = i
    return "".join(codes), where


def find_mentions(gaz: Gazetteer, field: str, raw: str,
                  names: set[str] | None = None, tokens: Tokens | None = None) -> list[Mention]:
    """Place mentions in one field. `names` collects the keys seen inside a
    person's name (`Paula Radcliffe`), so the caller can drop the same word
    elsewhere in the document (`Radcliffe said`): one sense per document.
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
                             shouting, out[-1] if out else None, names)
            if mention is not None:
                out.append(mention)
                taken_until = last
                break
    if out and "by " in raw:
        out = cues.outside_credits(raw, out)
    return _areas_in_lists(gaz, raw, out)


NOTABLE_TOWN = 100_000


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
NAMESAKE_RATIO = 10


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
    unless `key` says region (`Kherson` is the city, `Kherson Oblast` the oblast)."""
    if len(senses) < 2 or key.rsplit(" ", 1)[-1] in AREA_WORDS:
        return list(senses)
    return [p for p in senses if gaz.kind[p] == 0 or gaz.kind[p] == 3
            or namesake_town(gaz, senses, p) is None]


_PLURAL_AREA = re.compile(r" (?:regions|oblasts|provinces|states|counties|governorates|"
                          r"prefectures|districts)\b", re.IGNORECASE)
_LIST_GAPS = frozenset({",", "and", ", and", "or", ", or", "&"})


def _areas_in_lists(gaz: Gazetteer, raw: str, out: list[Mention]) -> list[Mention]:
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

    def regions_follow(m: Mention) -> bool:  # `the Bryansk and Kursk regions`
        return bool(_PLURAL_AREA.match(raw, m.end))

    for i, m in enumerate(out):
        # (`Kharkiv, Ukraine`: Ukraine qualifies the city; no list of areas.)
        if m.qualifies or m.demonym or m.qualifier or not _area_name(gaz, m.key):
            continue
        if regions_follow(m):
            out[i] = replace(m, qualifies=True)
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(out):
                a, b = (out[j], m) if j < i else (m, out[j])
                if (raw[a.end : b.start].strip() in _LIST_GAPS and not out[j].demonym
                        and (area_first(out[j]) or regions_follow(out[j]))):
                    out[i] = replace(m, qualifies=True)
                    break
    return out


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
) -> Mention | None:
    words = tk.raw[first : last + 1]
    # `Kharkiv region` is as good as `Kharkiv Region`.
    if not capitalised(words[0]) or not (capitalised(words[-1]) or (
            len(words) > 1 and words[-1] in AREA_WORDS)):
        return None
    if first != last and (
            any(not capitalised(w) and w not in CONNECTORS for w in words[:-1])
            or any(set(gaps[j]) - _IN_NAME_GAP or "\n" in gaps[j]
                   for j in range(first + 1, last + 1))):
        return None
    if key in gaz.codes:
        if not all(w.isupper() for w in words) or _shouting_once(shouting, tk):
            return None
        # A dotted code keeps its dots: `A U.S. Embassy` holds no `A.U.` (Australia).
        if first != last and any(gaps[j] != "." for j in range(first + 1, last + 1)):
            return None
        # `US$2 million`, `U.S. 35`: a currency or a highway, not the country.
        if cues.CURRENCY_AFTER.match(raw, tk.bounds[2 * last + 1]):
            return None
    elif (first == last and len(words[0]) <= 4 and words[0].isupper() and tag != TAG_DEMONYM
          and not (_shouting_once(shouting, tk) or _dateline(tk, gaps, first, last, words))):
        # `The UN said`, `the CDC`, `(ICA)`: an acronym in mixed-case text, not Un,
        # Gujarat or Ica, Peru (a dateline, `ROME, Ga. -`, or a text in capitals is).
        return None
    before = gaps[first]
    sentence_start = first == 0 or not _SENTENCE_END.isdisjoint(before) or titlecase
    if sentence_start and _dateline(tk, gaps, first, last, words):
        sentence_start = False  # `BOSTON (AP) -`: a place by position, not a word
    demonym = tag == TAG_DEMONYM
    single = first == last
    # (A code is matched only in capitals: `LA` is no word, whatever `la` is.)
    common = (single and not demonym and key in gaz.common and key not in gaz.codes
              and not _famous_cached(gaz, key))
    # (Only `, ` after the name can start a qualifier: skip the call otherwise.)
    qualifier, firm = (_qualifier(gaz, raw, tk, gaps, last, key) if gaps[last + 1].strip() == ","
                       else _NO_QUALIFIER)
    if not qualifier and not demonym and cues.owned_by_other_area(
            gaz, raw, previous, tk.bounds[2 * first], key):
        if names is not None:  # one sense per document: the film's name later too
            names.add(key)
        return None
    if common and sentence_start and not qualifier:
        return None
    if single and key in ORG_HEADS and not qualifier:
        return None  # `Queen's University`: University, Ontario is no place anyone means
    if (not single and tk.text[last] in BUILDING_HEADS and first > 0
            and tk.text[first - 1] == "the" and gaps[first] == " "):
        if names is not None:  # the same building elsewhere in the text
            names.add(key)
        return None
    if not titlecase and not demonym:
        run = _run_ok(raw, tk, gaps, first, last, gaz)
        if run != RUN_OK:
            # `Paula Radcliffe`: Radcliffe is a surname in the whole article; but
            # `BBC Sport Wales` does not make Wales a surname elsewhere.
            if run == RUN_SURNAME and names is not None and not (
                    _area_name(gaz, key) or _famous_cached(gaz, key)):
                names.add(key)
            return None
    # `13 March`, `March 2004`: a date, not March, Cambridgeshire.
    if single and key in MONTHS and (
            (first > 0 and gaps[first] == " " and tk.raw[first - 1].isdigit())
            or (last + 1 < len(tk) and gaps[last + 1] == " " and tk.raw[last + 1].isdigit())):
        return None
    start, end = tk.bounds[2 * first], tk.bounds[2 * last + 1]
    # Most names are followed by none of the cues tested below: one C call rules
    # them all out (`after` False), instead of a dozen.
    after = _ANY_AFTER.match(raw, end) is not None
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
    # `Brent and Lynnette Hain`: a couple's given names, not the London borough;
    # `Hassan el Bushra`: a given name before a surname's particle.
    given_name = ((last + 1 < len(tk) and tk.text[last + 1] == "and" and _couple(gaz, tk, gaps, last))
                  or (after and cues.PARTICLE_AFTER.match(raw, end)))
    if single and given_name and not (_area_name(gaz, key) or _famous_cached(gaz, key)):
        if names is not None:  # `Brent said` later is the same man
            names.add(key)
        return None
    # `the Vistula river`, `the Dnipro River`: a river, not the town of its name
    # (it runs for hundreds of kilometres; a town on it is named on its own).
    if after and cues.RIVER_AFTER.match(raw, end):
        return None
    # `New York magazine`; not `US magazine Wired`, `a German magazine` (whose).
    if after and cues.MAGAZINE_AFTER.match(raw, end) and not (demonym or cues.country_first(gaz, key)):
        return None
    # `Reston virus`, `Marburg virus`, `Lyme disease`: named after a town, not in it.
    if after and cues.EPONYM_AFTER.match(raw, end) and not _famous_cached(gaz, key):
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
    local = not demonym and ((after and bool(_LOCAL_AFTER.match(raw, end))) or (
        first > 0 and gaps[first] == " " and tk.text[first - 1] in _LOCAL_BEFORE))
    regional = not demonym and (raw[max(0, start - 12) : start].lower().endswith(cues.REGION_BEFORE)
                                or (after and bool(cues.REGION_AFTER.match(raw, end))))
    feature = not demonym and after and bool(cues.FEATURE_AFTER.match(raw, end))
    if (not demonym and (after or tk.text[last] in cues.FEATURE_WORDS)
            and cues.feature_in_place(gaz, raw, end, tk.text[last])):
        return None
    return Mention(field, start, end, raw[start:end], key, demonym, common,
                   sentence_start, qualifier, qualifies, firm, local, regional, feature)


_NO_QUALIFIER: tuple[tuple[int, ...], bool] = ((), False)

# Words that make a name a town's in local news (see `Mention.local`).
_LOCAL_AFTER = re.compile(
    r" (?:police|officers?|firefighters?|fire department|fire chief|city council|city commission"
    r"|city hall|city manager|township|mayor|sheriff)\b", re.IGNORECASE)
_LOCAL_BEFORE = frozenset({"downtown", "uptown", "midtown", "suburban"})


def _any_of(*patterns: re.Pattern[str]) -> re.Pattern[str]:
    """One pattern that matches where any of `patterns` does (each keeps its flags)."""
    # Only IGNORECASE is carried over, as a scoped `(?i:...)`.
    assert all(not p.flags & ~(re.IGNORECASE | re.UNICODE) for p in patterns), patterns
    return re.compile("|".join(f"(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern})"
                               for p in patterns))


# Every cue `_check` reads right after a name (a superset: a match only means
# "test them one by one").
_ANY_AFTER = _any_of(cues.WATER_AFTER, cues.CUISINE_AFTER, cues.PARTICLE_AFTER, cues.RIVER_AFTER,
                     cues.MAGAZINE_AFTER, cues.EPONYM_AFTER, cues.REGION_AFTER, cues.FEATURE_AFTER,
                     _LOCAL_AFTER, re.compile(r"[ -](?:language|speaking|speaker)", re.IGNORECASE))


_DATELINE_AFTER = re.compile(r"^(?:,|\s*\(|\s*[—–-]\s)")
_QUOTES = frozenset('"“”\'‘’')


def _dateline(tk: Tokens, gaps: list[str], first: int, last: int, words: list[str]) -> bool:
    """A wire dateline: a place in capitals opening the text or a line, then `,`,
    `(AP)` or a dash (`BOSTON (AP) —`, `KHARKIV, Ukraine —`)."""
    return ((first == 0 or "\n" in gaps[first]) and all(len(w) > 1 and w.isupper() for w in words)
            and bool(_DATELINE_AFTER.match(gaps[last + 1])))


def _shouting_once(memo: list[bool], tk: Tokens) -> bool:
    """`_shouting(tk)`, worked out on the first call for a field (`memo` starts empty)."""
    if not memo:
        memo.append(_shouting(tk))
    return memo[0]


def _shouting(tk: Tokens) -> bool:
    """Text in capitals: a capitalised code (US, UK) means nothing there."""
    # Words of more than 3 characters, and how many of them are in capitals (C-level
    # passes; the capitalised words are few, so they are filtered first).
    n_upper = sum(map((3).__lt__, map(len, filter(str.isupper, tk.raw))))
    if not n_upper:
        return False  # (the usual case: no need to count the words)
    n_words = sum(map((3).__lt__, map(len, tk.raw)))
    return n_upper >= 0.5 * n_words


def _area_name(gaz: Gazetteer, key: str) -> bool:
    """Is `key` the name of a country or first-level region?"""
    got = gaz.memo.get(("area", key))
    if got is None:
        got = any(gaz.kind[p] <= 1 for p in gaz.candidates(key))
        if len(gaz.memo) < 200_000:  # any capitalised word gets here: bounded
            gaz.memo[("area", key)] = got
    return got


def _famous_cached(gaz: Gazetteer, key: str) -> bool:
    cache = gaz.memo
    got = cache.get(("famous", key))
    if got is None:
        got = cache[("famous", key)] = _famous(gaz, key)
    return got


def _famous(gaz: Gazetteer, key: str) -> bool:
    """A frequent word that is mostly a place (London, Georgia): a country, a
    first-level region of a million (not `Central`, `Western`, `Capital`) or a
    city of a million."""
    for pid in gaz.candidates(key)[:3]:
        kind, pop = gaz.kind[pid], gaz.pop[pid]
        if kind > 1 and gaz.main_key(pid) != key:
            continue  # `Soul` is one of Seoul's alternate names, not a famous name
        if kind == 0 or (kind > 1 and pop >= 1_000_000) or (
                kind == 1 and pop >= 1_000_000 and key not in GENERIC_AREA_NAMES):
            return True
    return False


RUN_OK, RUN_FOLLOWED, RUN_SURNAME = 0, 1, 2


def _run_ok(
    raw: str, tk: Tokens, gaps: list[str], first: int, last: int, gaz: Gazetteer
) -> int:
    """RUN_OK, or why the place is part of a longer proper noun: a capitalised
    word follows (`Paris Hilton`, `Toronto Maple Leafs`) or precedes it (a
    surname: `Paula Radcliffe`)."""
    nxt = last + 1
    if nxt < len(tk) and gaps[nxt].strip(" ") == "":
        word = tk.raw[nxt]
        # `Paris Texas`: a following area name is a qualifier, not a surname;
        # `Manitoba RCMP`, `Kharkiv SBU`: an acronym after a place is its agency.
        # (`in New York Saturday`: AP style drops the `on` before a weekday.)
        if (capitalised(word) and tk.text[nxt] not in ORG_HEADS and tk.text[nxt] not in _DATE_WORDS
                and not (word.isupper() and 2 <= len(word) <= 5 and word.isalpha())
                and not _area_name(gaz, tk.text[nxt]) and not _office(tk, gaps, nxt)):
            return RUN_FOLLOWED
    prv = first - 1
    # `Wal-Mart`, `Merriam-Webster`: the second half of a hyphenated name (but
    # `Kyiv-Kharkiv highway`, `Izium-Kupiansk`: two places).
    if (prv >= 0 and gaps[first] == "-" and capitalised(tk.raw[prv])
            and not gaz.candidates(tk.text[prv]) and gaz.demonym(tk.text[prv]) is None):
        return RUN_FOLLOWED
    # `Mr. Palma`, `Sgt. Jackson`, `Rep. Lafayette`: a title with its period makes it
    # a surname (not `St.` or `Mt.`: `St. Albans` and `Mt. Vernon` are places).
    if (prv >= 0 and gaps[first] == ". " and tk.text[prv] in TITLE_ABBREVIATIONS
            and tk.raw[prv][:1].isupper()):
        return RUN_SURNAME
    # `Franklin D. Roosevelt`, `J. Hayes`: an initial before it makes it a surname.
    # (Not `U.S. Washington`: the initial stands after a space or first.)
    if (prv >= 0 and gaps[first] == ". " and len(tk.raw[prv]) == 1 and tk.raw[prv].isupper()
            and (prv == 0 or gaps[prv] == " ")):
        return RUN_SURNAME
    if prv >= 0 and gaps[first].strip(" ") == "":
        word = tk.raw[prv]
        low = tk.text[prv]
        # `G Murphy`, `J Hayes` (team sheets): an initial (not `A` or `I`: words).
        if len(word) == 1 and word.isupper() and word not in ("A", "I"):
            return RUN_SURNAME
        # A given name is a Title-case word: not `1990s`, not `CTV` (`CTV Winnipeg`).
        if (word[:1].isupper() and not word.isupper() and low not in PREFIX_OK
                and low not in CONNECTORS and low not in _FORCE_BEFORE):
            prv_start = prv == 0 or not _SENTENCE_END.isdisjoint(gaps[prv])
            # `In Kharkiv` is fine; `Jordan Henderson`, `Queen Victoria` are names.
            # (`Neighbouring Rockport`, `Following Tuesday's vote`: a sentence-opening
            # participle is no given name, even when the word list lacks its spelling.)
            function_word = prv_start and (low in gaz.common or (
                len(low) >= 7 and low.endswith("ing"))) and not any(
                gaz.kind[p] == 0 or gaz.pop[p] >= 15_000 for p in gaz.candidates(low))
            if low in HONORIFICS or not function_word:
                return RUN_SURNAME
    return RUN_OK


# A force named after the area it polices, its head first: `Police Scotland`.
_FORCE_BEFORE = frozenset({"police"})


def _office(tk: Tokens, gaps: list[str], k: int) -> bool:
    """`British Columbia Finance Minister`, `Ohio Health Department`: one word,
    then an office's head; the place names the office's area."""
    j = k + 1
    return (j < len(tk) and gaps[j] == " " and tk.text[j] in _OFFICE_HEADS
            and capitalised(tk.raw[j]))


# Heads of a public office's name (not `Hospital` or `Club`: `Florence
# Nightingale Hospital` is a person's name before a building).
_OFFICE_HEADS = frozenset(_words("""minister ministry department office council commission
    board authority agency bureau court police sheriff mayor governor secretary"""))


def _couple(gaz: Gazetteer, tk: Tokens, gaps: list[str], last: int) -> bool:
    """Is the name followed by `and` and a person's name (two Title-case words,
    the first no place, demonym or frequent word): `Brent and Lynnette Hain`?"""
    k = last + 1
    if k + 2 >= len(tk) or tk.text[k] != "and" or any(gaps[j] != " " for j in (k, k + 1, k + 2)):
        return False
    w1, w2 = tk.raw[k + 1], tk.raw[k + 2]
    t1, t2 = tk.text[k + 1], tk.text[k + 2]
    return (capitalised(w1) and capitalised(w2) and not w1.isupper() and not w2.isupper()
            and t1 not in gaz.common and t1 not in PREFIX_OK and t2 not in ORG_HEADS
            and not gaz.candidates(t1) and gaz.demonym(t1) is None
            and not gaz.candidates(f"{t1} {t2}"))


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


def _qualifier(
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
