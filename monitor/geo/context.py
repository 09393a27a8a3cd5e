"""What is written around a gazetteer hit, read for `mentions`: word lists and readers.

The word lists say which words sit inside or next to place names (connectors,
area words, organisation heads, honorifics, months). The readers look at the
tokens and gaps around a hit: whether the hit is part of a longer proper noun
(`Paris Hilton`, `Paula Radcliffe`), a couple's given names, a wire dateline,
text in capitals (the qualifier after it, `Paris, Texas`, is read by
`monitor.geo.qualifiers`). `monitor.geo.mentions` decides from these whether a
hit is a place.
"""

from __future__ import annotations

import re
from typing import Final

from monitor.geo import cues
from monitor.geo.gazetteer import Gazetteer
from monitor.geo.tokens import Tokens, capitalised


def _words(text: str) -> list[str]:
    return text.split()


# Words that may follow a place inside a capitalised run without making the
# run a person's name: organisations, facilities, offices named after places
# (`New Hampshire Fish and Game`, `Texas Parks and Wildlife`).
# (Not newspapers: the Washington Post or the Kyiv Post is no story about the city.)
ORG_HEADS: Final = frozenset(_words("""
    county city town village borough parish district region province oblast state
    sheriff police university college school academy hospital clinic airport council township twp
    office department court station park bridge mayor governor
    government stock exchange detention correctional medical memorial community library
    transit housing coroner rescue emergency ambulance chamber high supreme
    metro fire zoo museum cathedral mosque church harbour harbor port bay river valley
    mountains hills army forces military regional municipal public health authority
    commission board club minister ministry president prime embassy consulate agreement
    accord convention summit conference protocol international national
    central federal bureau agency prison jail centre center area township marathon
    olympics games gov sen senator attorney legislature constabulary judge commissioner
    commissioners clerk supervisor supervisors treasurer prosecutor executive superintendent
    assessor trustee trustees selectman selectmen alderman aldermen councilman councilwoman
    councillor fish wildlife parks island islands beach lake garden gardens delta stadium arena"""))
# Words that may precede a place in a capitalised run.
PREFIX_OK: Final = frozenset(_words("""
    north south east west northern southern eastern western central greater upper lower
    downtown metropolitan old new inner outer rural urban"""))
# Region names that are ordinary words (Ghana's Central, Zambia's Western...).
GENERIC_AREA_NAMES: Final = PREFIX_OK | frozenset(_words("""
    capital centre center coast coastal islands lakes mountain highlands lowlands
    plateau valley river border littoral interior midlands"""))
AREA_WORDS: Final = frozenset(_words(
    "oblast region province state governorate prefecture county krai department"))
MONTHS: Final = frozenset(_words("""january february march april may june july august september
    october november december"""))
DATE_WORDS: Final = MONTHS | frozenset(_words("monday tuesday wednesday thursday friday saturday sunday"))
HONORIFICS: Final = frozenset(_words("mr mrs ms miss dr sir lord lady queen king prince princess"))
# Titles written abbreviated, with a period (AP style: `Sgt.`, `Rep.`, `Gov.`).
TITLE_ABBREVIATIONS: Final = frozenset(_words("""mr mrs ms dr prof rev fr gen lt col maj capt sgt cpl
    pvt adm cmdr det insp supt const rep sen gov pres amb hon"""))
# Last words of buildings' names: `the White House` is not White House, Tennessee.
# (Streets are not in ORG_HEADS either: Oxford Street is in London, not Oxford.)
BUILDING_HEADS: Final = frozenset(_words("""
    house hall palace castle tower station airport hospital church cathedral abbey
    mansion building stadium arena"""))
# (`s`: a possessive inside a name, `King's Lynn`, `Prince George's County`; `d`: `Coeur d'Alene`;
# `under`, `super`: `Newcastle-under-Lyme`, `Weston-super-Mare`.)
# (`ez`, `es`, `er`, `az`: the Arabic article as written before some letters:
# `Deir ez-Zor`, `Dar es Salaam`; not `ed`, `ash`: `Ed Kalman` is a man. `do`, `dos`,
# `das`: Portuguese, `Rio Grande do Sul`, `Mato Grosso do Sul`.)
CONNECTORS: Final = frozenset(_words("""of de la le du des upon on am sur the and or del di da el al en y i
    under super s d ez es er az do dos das"""))
INNER_WORDS: Final = CONNECTORS | AREA_WORDS  # lower-case words that occur inside names
SENTENCE_END: Final = frozenset(".!?:;\n\"“”‘«(")

_DATELINE_AFTER: Final = re.compile(r"^(?:,|\s*\(|\s*[—–-]\s)")


def dateline(tk: Tokens, gaps: list[str], first: int, last: int, words: list[str]) -> bool:
    """A wire dateline: a place in capitals opening the text or a line, then `,`,
    `(AP)` or a dash (`BOSTON (AP) —`, `KHARKIV, Ukraine —`)."""
    return ((first == 0 or "\n" in gaps[first]) and all(len(w) > 1 and w.isupper() for w in words)
            and bool(_DATELINE_AFTER.match(gaps[last + 1])))


def shouting_once(memo: list[bool], tk: Tokens) -> bool:
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


def area_name(gaz: Gazetteer, key: str) -> bool:
    """Is `key` the name of a country or first-level region?"""
    got = gaz.memo.get(("area", key))
    if got is None:
        got = any(gaz.kind[p] <= 1 for p in gaz.candidates(key))
        if len(gaz.memo) < 200_000:  # any capitalised word gets here: bounded
            gaz.memo[("area", key)] = got
    return got


def famous(gaz: Gazetteer, key: str) -> bool:
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


def run_ok(
    raw: str, tk: Tokens, gaps: list[str], first: int, last: int, gaz: Gazetteer, key: str = ""
) -> int:
    """RUN_OK, or why the place is part of a longer proper noun: a capitalised
    word follows (`Paris Hilton`, `Toronto Maple Leafs`) or precedes it (a
    surname: `Paula Radcliffe`)."""
    nxt = last + 1
    # `McLean County Crime Stoppers`, `Kharkiv Oblast Military Administration`: a
    # name that ends in its area word is an area's, and what follows is something
    # of that area (not `State`: `Golden State Warriors` is a team's name).
    if nxt < len(tk) and gaps[nxt].strip(" ") == "" and (
            first == last or tk.text[last] not in _AREA_RUN_HEADS):
        word = tk.raw[nxt]
        # `Paris Texas`: a following area name that holds the place is a qualifier,
        # not a surname (`Boise Cascade`, a company: Cascade, Seychelles holds no Boise);
        # `Manitoba RCMP`, `Kharkiv SBU`: an acronym after a place is its agency.
        # (`in New York Saturday`: AP style drops the `on` before a weekday.)
        if (capitalised(word) and tk.text[nxt] not in ORG_HEADS and tk.text[nxt] not in DATE_WORDS
                and not (word.isupper() and 2 <= len(word) <= 5 and word.isalpha())
                and not _area_holding(gaz, tk.text[nxt], key) and not _office(tk, gaps, nxt)
                and not (tk.text[nxt] in _COMPASS_ADJECTIVES
                         and not ORG_HEADS.isdisjoint(tk.text[nxt + 1 : nxt + 3]))):
            return RUN_FOLLOWED
        # `the Goulburn Valley Highway`: a road named after the place, not in it (a
        # country's or region's name stays: `the UK High Street`, its shops).
        if (nxt + 1 < len(tk) and tk.text[nxt] in ORG_HEADS and tk.text[nxt + 1] in _ROADS
                and gaps[nxt + 1] == " " and capitalised(tk.raw[nxt + 1]) and not area_name(gaz, key)):
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
            prv_start = prv == 0 or not SENTENCE_END.isdisjoint(gaps[prv])
            # `In Kharkiv` is fine; `Jordan Henderson`, `Queen Victoria` are names.
            # (`Neighbouring Rockport`, `Following Tuesday's vote`: a sentence-opening
            # participle is no given name, even when the word list lacks its spelling.)
            function_word = prv_start and (low in gaz.common or (
                len(low) >= 7 and low.endswith("ing"))) and not any(
                gaz.kind[p] == 0 or gaz.pop[p] >= 15_000 for p in gaz.candidates(low))
            # (A frequent word opening a sentence is still a given name when what
            # follows is said of a person: `Ben Stowe, a Montpelier teacher`, `Ben
            # Stowe, 45,`.)
            if (low in HONORIFICS or not function_word
                    or _PERSON_AFTER.match(raw, tk.bounds[2 * last + 1])):
                # (`BBC Radio Leeds`: a station's name, no one's surname.)
                return RUN_FOLLOWED if low in _MEDIA_BEFORE else RUN_SURNAME
    return RUN_OK


# Said of a person right after a name: an age, or `a/an [Town] teacher`.
_PERSON_AFTER: Final = re.compile(
    r", (?:\d{1,3},|(?:a|an|the) (?:[A-Z][\w'’-]* )?(?:[a-z]+ )?(?:man|woman|teacher|student|resident"
    r"|native|mother|father|spokesman|spokeswoman|spokesperson|officer|nurse|doctor|farmer"
    r"|lawyer|attorney|pastor|owner|coach|player|worker)\b)")


_AREA_RUN_HEADS: Final = AREA_WORDS - {"state"}
_ROADS: Final = frozenset(_words("highway freeway expressway motorway parkway road street avenue turnpike"))
# Title-case words of broadcasters' names before the area they serve.
_MEDIA_BEFORE: Final = frozenset(_words("radio sport sports television news channel network"))
# A force or a hospital named after the area it serves, its head first: `Police
# Scotland`, `University Hospital Kerry`.
_FORCE_BEFORE: Final = frozenset({"police", "hospital"})


# (Not `Southern`, `Northern`...: after a name they make a company's or a college's
# name, `Norfolk Southern`, `Georgia Southern`, not a constituency's; but a school
# of the place, `Portsmouth Northern Secondary School`, is in it.)
_COMPASS: Final = frozenset(_words("north south east west central northeast northwest southeast southwest"))
_COMPASS_ADJECTIVES: Final = frozenset(_words("northern southern eastern western"))


def _area_holding(gaz: Gazetteer, area: str, key: str) -> bool:
    """Is `area` a country or first-level region that is famous (`in Spain
    Britain's`, a headline run into the text), a compass word, or holds a place
    named `key` (or is `key` famous itself: `to Spain Munster's`)? Not `Boise
    Cascade` (a company: Cascade, a district of the Seychelles, holds no Boise)."""
    if not area_name(gaz, area):
        return False
    if not key or area in _COMPASS or famous(gaz, area) or famous(gaz, key):
        return True  # (`Bristol East`, `Leicester South`: a constituency is a place's part)
    return cues.holds_any(gaz, gaz.candidates(area), gaz.candidates(key))


def _office(tk: Tokens, gaps: list[str], k: int) -> bool:
    """`British Columbia Finance Minister`, `Ohio Health Department`: one word,
    then an office's head; the place names the office's area."""
    j = k + 1
    return (j < len(tk) and gaps[j] == " " and tk.text[j] in _OFFICE_HEADS
            and capitalised(tk.raw[j]))


# Heads of a public office's name (not `Hospital` or `Club`: `Florence
# Nightingale Hospital` is a person's name before a building).
_OFFICE_HEADS: Final = frozenset(_words("""minister ministry department office council commission
    board authority agency bureau court police sheriff mayor governor secretary patrol"""))


# A US state whose name with `State` is still the state (`New York State Police`;
# `Washington State` against the city).
_STATE_NAMED_SO: Final = frozenset({"new york state", "washington state"})
# After `Ohio State`: the state's own body, not the university's side; or the
# university's full name, which names its state as `University of Maryland` does.
_STATE_BODIES: Final = frozenset(_words("""police patrol highway troopers legislature senate house
    capitol parks park fair lottery government treasurer auditor attorney representative
    senator prison penitentiary line border university college""")) | _OFFICE_HEADS


def university_state(gaz: Gazetteer, tk: Tokens, gaps: list[str], last: int, key: str) -> bool:
    """`Ohio State`, `Michigan State` (capital `State`, token `last`): a
    university's side, not the state, unless the state's own body follows
    (`Ohio State Highway Patrol`, `Michigan State Police`) or the university's
    full name (`Ohio State University`)."""
    if not key.endswith(" state") or key in _STATE_NAMED_SO or gaps[last] != " ":
        return False  # (`Brattleboro, Vermont. State officials said`: two sentences)
    nxt = last + 1
    if nxt < len(tk) and gaps[nxt] == " " and tk.text[nxt] in _STATE_BODIES:
        return False
    return any(gaz.kind[p] == 1 and gaz.cc[p] == "US" for p in gaz.candidates(key[: -len(" state")]))


def couple(gaz: Gazetteer, tk: Tokens, gaps: list[str], last: int) -> bool:
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


APOSTROPHES: Final = frozenset(("'", "’"))
