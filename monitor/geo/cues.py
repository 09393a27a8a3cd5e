"""Words around a name that say it is no place here, or which kind of place.

Pure patterns and checks used by `mentions.py` and `context.py` (kept apart to
keep those modules readable): a currency or a highway after a country code (`US$`, `U.S. 35`),
a disease, river, sea or park named after a place, a church's dedication, a
given name before a surname particle, a wire credit line, an office or a
governor after a state (`New York Gov.`: the region), and the checks that tell
a list from a qualifier; and (issue 13) a magazine's title, a cuisine,
a park said to lie in another place, a possessive country with no place of
that name, and names that describe a part of any land (`West End`); and the
local-news cues that write a name as a town (`Bath police`, `downtown X`,
`a Neenah man`, `Hamilton's Claudelands Arena`, `the town of Tillaberi`); and
(session 18) a town that speaks as its sentence's subject (`Halifax said`: a
company or a person) and a name ending in a possessive (`St. John's`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from monitor.geo.gazetteer import Gazetteer, name_key
from monitor.geo.sources import KIND_ADMIN1, KIND_CITY
from monitor.geo.tokens import Tokens, capitalised

if TYPE_CHECKING:
    from monitor.geo.mention import Mention

# After a country code: `US$2 million`, `U.S. dollars`; `U.S. 35`, `U.S. Route 1`
# (a highway). Not `the U.S. 2020 census`.
CURRENCY_AFTER: Final = re.compile(r"\.?(?:\$| dollars?\b| cents?\b| (?:route |highway |hwy\.? )?"
                            r"\d{1,3}\b(?![,.]\d))", re.IGNORECASE)
# Named after a place, not in it: `Reston virus`, `Lyme disease`; `the Vistula
# river`; `the Indian Ocean`, `the Irish Sea` (after a demonym).
EPONYM_AFTER: Final = re.compile(r" (?:\w*virus|fever|disease|flu)\b", re.IGNORECASE)
RIVER_AFTER: Final = re.compile(r" river\b", re.IGNORECASE)
# `rescued on Mount Washington`, `the summit of Mount Hood`: the mountain, not the
# town named after it (Mount Washington, Kentucky); `in Mount Vernon` is a town.
MOUNTAIN_BEFORE: Final = re.compile(
    r"(?:\b(?:on|up|climb|climbs|climbed|climbing|atop|(?:summit|slopes?|top|foot|flanks?) of) )$",
    re.IGNORECASE)
# `New York magazine`: the magazine's title, no story about the city (as the
# Washington Post is not: see `context.ORG_HEADS`).
MAGAZINE_AFTER: Final = re.compile(r" magazines?\b")
WATER_AFTER: Final = re.compile(r" (?:ocean|sea|gulf)\b", re.IGNORECASE)
# After a demonym, a cuisine (`Mexican restaurants`, `an Indian takeaway`, `Thai
# cooking`): a culture, like a language, not the country.
CUISINE_AFTER: Final = re.compile(r" (?:restaurants?|cuisine|takeaways?|dishes|cooking|recipes?"
                           r"|eatery|eateries|bistros?|caf[eé]s?)\b", re.IGNORECASE)
# A dish named after a town: `Buffalo wings`, `Philly cheesesteaks`, `Boston cream
# pie`, `Brussels sprouts` (the dish, wherever it is eaten).
DISH_AFTER: Final = re.compile(r" (?:wings|cheesesteaks?|cream pies?|clam chowder|chowder|sprouts"
                        r"|baked beans|hot dogs?|bagels?)\b", re.IGNORECASE)
# A park, bay or beach named after a town (`Islington Bay` near Auckland).
FEATURE_AFTER: Final = re.compile(r" (?:Park|Bay|Beach|Harbou?r|Lake|Island|Forest|Gardens?|Delta)\b")
FEATURE_WORDS: Final = frozenset(("park", "bay", "beach", "harbour", "harbor", "lake", "island",
                            "forest", "garden", "gardens", "delta"))
# `Richmond Park in Glasgow`: the park, and where it is.
_IN_PLACE: Final = re.compile(r" in (?:the )?([A-Z][\w'’-]*(?: [A-Z][\w'’-]*)?)")


def feature_in_place(gaz: Gazetteer, raw: str, end: int, last_word: str) -> bool:
    """Is the name, or the name and the feature word after it, a park, bay or
    beach said to lie in another named place (`Richmond Park in Glasgow`,
    `Victoria Park in Bristol`)? The place after `in` says where it is; the
    name is the feature's, not a town's (Richmond, London; Victoria Park, Perth)."""
    if last_word not in FEATURE_WORDS:
        m = FEATURE_AFTER.match(raw, end)
        if m is None:
            return False
        end = m.end()
    m = _IN_PLACE.match(raw, end)
    if m is None:
        return False
    words = m.group(1).split(" ")
    return any(bool(gaz.candidates(name_key(" ".join(words[:n])))) for n in (2, 1))


BARE_MIN_POP: Final = 15_000  # a one-word town this big stands alone (`evidence`)

# `the container ship Dali`, `the tanker Sounion`: the word before a ship's name.
VESSEL_BEFORE: Final = frozenset({
    "ship", "vessel", "tanker", "freighter", "liner", "ferry", "yacht", "trawler",
    "frigate", "destroyer", "submarine", "cruiser", "barge", "dredger", "boxship", "bulker"})

# A saint in a church's name: `the church of St. Peter and St. Paul`,
# `Saint Peter and Saint Paul Coptic Orthodox Church`.
DEDICATION_BEFORE: Final = re.compile(r"\b(?:church|cathedral|basilica|chapel|abbey|parish|feast) of "
                               r"(?:the )?(?:(?:st|saint)\.? \w+,? (?:and )?)*\Z", re.IGNORECASE)
# A city named with a possessive (`St. John's`, Newfoundland: 110,000 people) of
# at least this size is meant by its name; smaller ones are churches and grounds.
_POSSESSIVE_NAME_POP: Final = 100_000
# Words that start a clause whose subject follows (`while Hermes said`; `, and
# Hermes said`, not `residents of Black Mountain and Weaverville said`).
_CLAUSE_JOINS: Final = frozenset(("but", "while", "as", "after", "when"))
# An institution named after a place or a saint: `St. John's University`.
INSTITUTION_AFTER: Final = re.compile(r" (?:University|College|School|Academy|Hospital|Church|Cathedral"
                                      r"|Stadium|Park|Infirmary|Chapel)\b")
DEDICATED_AFTER: Final = re.compile(r"(?:,? (?:and )?(?:(?:St\.?|Saint) )?[A-Z][\w'’.-]*){0,5} "
                             r"(?:Church|Cathedral|Basilica|Chapel|Abbey|Monastery)\b")
# `Hassan el Bushra`, `Dennis van Engelsdorp`: a given name before a surname's particle.
PARTICLE_AFTER: Final = re.compile(r" (?:el|al|bin|ibn|van|von|de|da|del|dos) [A-Z]")
# Written as a region: `the state of Washington`; a governor's or a senator's
# place is a region (`New York Gov. Kathy Hochul`).
REGION_BEFORE: Final = ("state of ", "province of ")
# What a company, a person or a government does, not a town (`mentions._check`).
SPEAKS_AFTER: Final = re.compile(r" (?:said|says|reported|announced)\b")
# Written as a town: `the town of Tillaberi` (not its region, ten times its size),
# `the village of Sotk` (a village, though away from the feed's home).
TOWN_BEFORE: Final = ("town of ", "village of ", "city of ", "hamlet of ")
REGION_AFTER: Final = re.compile(r" (?:(?:lieutenant )?governor\b|senator\b|attorney general\b"
                          r"|legislature\b|gov\.|sen\.)", re.IGNORECASE)
# `(Reporting by Jane Doe in New York; Editing by Bill Rigby)`: where the wire's
# staff sat, not where the story is.
CREDIT_LINE: Final = re.compile(r"\((?:additional )?(?:reporting|writing|editing|compiled) by [^()\n]*\)",
                         re.IGNORECASE)


def outside_credits(raw: str, out: list[Mention]) -> list[Mention]:
    """`out` without the mentions inside a wire credit line."""
    spans = [m.span() for m in CREDIT_LINE.finditer(raw)]
    if not spans:
        return out
    return [m for m in out if not any(a <= m.start < b for a, b in spans)]


def county_fits(gaz: Gazetteer, name: str, areas: tuple[int, ...]) -> bool:
    """A town's name that is also some county's (`Los Angeles, San Fernando
    Valley`: a Mexican municipality) qualifies only a name with a place in that
    county; else the comma joins a list. (A county by its main sense still
    qualifies: `Newark, Nottinghamshire`.)"""
    if not name or any(gaz.kind[a] < 2 for a in areas):
        return True
    counties = {gaz.admin2[a] for a in areas if gaz.admin2[a]}
    return any(gaz.admin2[p] in counties for p in gaz.candidates(name))


def country_first(gaz: Gazetteer, key: str) -> bool:
    """Is `key` first of all a country's name (`China`, not China, Kagoshima)?"""
    senses = gaz.candidates(key) if key else ()
    return bool(senses) and gaz.kind[senses[0]] == 0


# A compass or position word and a part of a land: `the West End`, `the North
# Shore`, `the Central Coast`, `the East Side`. News writes these of any city or
# coast (`London's West End`, parts of British Columbia's Central Coast), so the
# town or region of that name (West End, British Columbia; Central Coast, New
# South Wales) needs local evidence.
_POSITION_WORDS: Final = frozenset(("north", "south", "east", "west", "northern", "southern", "eastern",
                             "western", "central", "upper", "lower", "middle", "mid"))
_LAND_PARTS: Final = frozenset(("coast", "shore", "valley", "highlands", "lowlands", "plateau", "interior",
                         "island", "islands", "lakes", "hills", "end", "side", "plains", "border",
                         "midlands"))


def descriptive_name(key: str) -> bool:
    """Is `key` (a name key) a description of a part of any land (`west end`)
    or town (`old city`)?"""
    if " " not in key:
        return False
    words = key.split(" ")
    return len(words) == 2 and ((words[0] in _POSITION_WORDS and words[1] in _LAND_PARTS)
                                or (words[0] in _AGE_WORDS and words[1] in _TOWN_PARTS))


# `the Old City` of Hyderabad (not the West Bank town of that name), `the Old Town`.
_AGE_WORDS: Final = frozenset(("old", "new"))
_TOWN_PARTS: Final = frozenset(("city", "town", "quarter"))


_CITY_POP: Final = 100_000
_PART_DEG: Final = 0.3  # about 30 km north-south (and as far east-west at mid latitudes)


def owned_by_other_area(gaz: Gazetteer, raw: str, previous: Mention | None, start: int,
                        key: str) -> bool:
    """`Australia's Tanna` (a film), `France's Suez` (a company): a country or
    region right before the name with a possessive `'s`, and no place of that
    name in it. Then the name is no place here. (`Ontario's London` is; and a
    name that is some country's or region's own, `China's Taiwan`, is left alone.)"""
    if (previous is None or previous.demonym or previous.qualifier
            or raw[previous.end : start] not in ("'s ", "’s ")):
        return False
    owner = gaz.candidates(previous.key)
    senses = gaz.candidates(key)
    # (A country's or region's own name is no part of anything: `New York's US attorney`.)
    if not owner or not senses or any(gaz.kind[p] <= 1 for p in senses):
        return False
    if gaz.kind[owner[0]] > 1:
        # `London's West End`, `Chicago's Hyde Park`: a city's part. Only a sense
        # near the city can be meant (`Manchester's Moss Side`); with none in the
        # gazetteer, the name is no place of its own here (not West End, Ontario).
        # (The cities the owner's name most likely means: London, England, not
        # London, Ontario, a twentieth of its size, near which a West End lies.)
        cities = [o for o in owner if gaz.kind[o] == KIND_CITY and gaz.pop[o] >= _CITY_POP]
        cities = [o for o in cities if gaz.pop[o] * 10 >= gaz.pop[cities[0]]] if cities else []
        return bool(cities) and not any(
            abs(gaz.lat[p] - gaz.lat[o]) < _PART_DEG and abs(gaz.lon[p] - gaz.lon[o]) < 2 * _PART_DEG
            for p in senses for o in cities)
    return not holds_any(gaz, owner, senses)


def holds_any(gaz: Gazetteer, areas: Sequence[int], places: Sequence[int]) -> bool:
    """Does a country or first-level region among `areas` (a name's senses) hold
    a place among `places` (another's)? `Ontario's London`; not `France's Suez`."""
    kind, cc, admin1 = gaz.kind, gaz.cc, gaz.admin1
    return any(cc[p] == cc[a] and (kind[a] == 0 or admin1[p] == admin1[a])
               for a in areas if kind[a] <= 1 for p in places)


# Institutions a country's news names and no other's: the police (`Gardaí`, `RCMP`,
# `PSNI`), the head of government and the parliament, as written. A lone town of
# that country in the text then needs no other evidence (see `resolve`).
_INSTITUTIONS: Final[dict[str, tuple[str, ...]]] = {
    "IE": ("Gardaí", "Gardai", "Taoiseach", "Tánaiste", "Tanaiste", "Oireachtas"),
    "CA": ("RCMP",),
    "GB": ("PSNI",),
    "IL": ("Knesset",),
    "DE": ("Bundestag",),
}


def names_institution(texts: Sequence[str], cc: str) -> bool:
    """Do `texts` name an institution of country `cc`? (Substring tests in C, asked
    only for a lone town's country: no pass over every article.)"""
    words = _INSTITUTIONS.get(cc, ())
    return any(word in text for word in words for text in texts)


def listed_with_town(gaz: Gazetteer, tk: Tokens, gaps: list[str], first: int, last: int) -> bool:
    """`Orange and Parkes will share a station`, `Parkes and Orange`: a common word
    written mid-sentence in a pair or list with another place name (not itself a
    common word) is written as a town, as `town_at_start` reads it at a sentence's
    start. Resolution still asks for local evidence (the home, a place nearby)."""
    if _listed_after(gaz, tk, gaps, last):
        return True
    j = first - 1
    if j > 0 and gaps[first] == " " and tk.text[j] == "and" and gaps[j] == " ":
        return _place_word(gaz, tk, j - 1)
    return j >= 0 and gaps[first] == ", " and _place_word(gaz, tk, j)


def _listed_after(gaz: Gazetteer, tk: Tokens, gaps: list[str], last: int) -> bool:
    """Does `and X` or `, X` follow token `last`, X a place name and no common word?"""
    k = last + 1
    if k >= len(tk):
        return False
    if gaps[k] == " " and tk.text[k] == "and" and k + 1 < len(tk) and gaps[k + 1] == " ":
        k += 1
    elif gaps[k] != ", ":
        return False
    return _place_word(gaz, tk, k)


def _place_word(gaz: Gazetteer, tk: Tokens, k: int) -> bool:
    word = tk.text[k]
    return capitalised(tk.raw[k]) and word not in gaz.common and bool(gaz.candidates(word))


def town_at_start(gaz: Gazetteer, raw: str, tk: Tokens, gaps: list[str], last: int) -> bool:
    """`Bath police said`, `Alliance's mayor`, `Bath and Freeport sent engines`:
    a common word that opens a sentence is written as a town when a local-news
    cue follows it, or another place name (not itself a common word) is listed
    with it. It stays a common word: resolution still asks for local evidence
    (the home region, a place nearby), so `Border police` or `Marks and
    Spencer` name no town."""
    end = tk.bounds[2 * last + 1]
    if OWN_VENUE.match(raw, end):  # `Hamilton's Claudelands Arena`
        return True
    if raw[end : end + 2] in ("'s", "’s"):
        end += 2  # `Alliance's mayor`
    if LOCAL_AFTER.match(raw, end):
        return True
    return _listed_after(gaz, tk, gaps, last)


# A town's side in a sports report: its score (`beat Fishers 3-1`), a result with a
# score or a final later in the sentence (`Carmel beat Fishers 3-1`, `Sheffield
# Wednesday drew 0-0`, `Kerry beat Dublin in the All-Ireland final`), its fans
# (`Geelong fans`), its fixture (`Buffalo will host Miami`), or a fixture after a
# verb (`will face Zionsville in the sectional final`, `plays Lincoln on Friday`);
# or the opponent after a score (`drew 0-0 with Barnsley`, `lost 2-1 to Fulham`).
_WEEKDAYS: Final = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_ROUNDS: Final = ("finals?|semifinals?|semi-finals?|quarterfinals?|quarter-finals?|playoffs?|play-offs?"
           "|championship")
SIDE_AFTER: Final = re.compile(
    rf",? \d{{1,3}}-\d{{1,3}}\b(?![-/])| fans\b|(?: (?:{_WEEKDAYS}))?"
    r" (?:beat|beats|defeated|defeats|edged|edges|downed|downs|topped|tops|routed|routs|thrashed"
    r"|blanked|blanks|outscored|outlasted|outlasts|shut out|shuts out|rallied past|rallies past"
    r"|held off|holds off|rolled past|rolls past|cruised past|cruises past|knocked off|knocks off"
    r"|stunned|stuns|upset|upsets|fell to|falls to|drew|won|wins|lost|loses)\b"
    # (The score may follow a `St.` or `Mt.` name: `beat St. Marys 42-14`.)
    r"(?:[^.;!?\n]|(?<=\bSt)\.|(?<=\bMt)\.|(?<=\bFt)\.)*?"
    r" (?:\d{1,3}-\d{1,3}\b(?![-/])|"
    rf"(?:in|at) the (?:[\w-]+ ){{0,2}}(?:{_ROUNDS})\b)"
    # `Buffalo will host Miami`, `Tremont will play at Eureka`: a side's fixture, with
    # its opponent or the venue named.
    r"| (?:will |to )?(?:host|hosts|face|faces|play|plays|visit|visits|(?:play|plays) at) [A-Z]"
    # `Streator and Ottawa meet in Saturday's final`: both sides of a fixture.
    r"|(?: and [A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*)?)? (?:will )?meet (?:in|for) (?:the |\w+['’]s )?"
    rf"(?:[\w-]+ ){{0,2}}(?:{_ROUNDS}|title|game|opener)\b")
# A fixture, after one of the verbs below (kept out of `ANY_AFTER`: `in Kyiv on
# Monday` is no cue, and the verb is tested first).
SIDE_FIXTURE: Final = re.compile(
    rf" (?:in|at) the (?:[\w-]+ ){{0,2}}(?:{_ROUNDS}|opener|game|match)\b"
    rf"| on (?:{_WEEKDAYS})\b(?! night['’]s)")
SIDE_BEFORE: Final = frozenset({"face", "faces", "facing", "play", "plays", "playing", "host", "hosts",
                         "hosting", "visit", "visits", "visiting", "beat", "beats", "defeated"})


# The words between a score and the opponent (`drew 0-0 with Barnsley`): a name
# after one of them is tested for the score before it.
OPPONENT_BEFORE: Final = (" with ", " to ", " against ", " over ")
_SCORE_BEFORE: Final = re.compile(r"\d{1,3}-\d{1,3},? (?:with|to|against|over) $")


def sports_side(tk: Tokens, gaps: list[str], first: int, raw: str, start: int, end: int,
                after: bool = True) -> bool:
    """Is the name from `start` to `end` (token `first` its first) a side named by
    its town? (`after`: False when `ANY_AFTER` found no cue after it.)"""
    if raw.endswith(OPPONENT_BEFORE, 0, start) and _SCORE_BEFORE.search(raw, max(0, start - 16), start):
        return True
    if after and SIDE_AFTER.match(raw, end):
        return True
    return (first > 0 and gaps[first] == " " and tk.text[first - 1] in SIDE_BEFORE
            and SIDE_FIXTURE.match(raw, end) is not None)


# Words that make a name a town's in local news (see `Mention.local`).
LOCAL_AFTER: Final = re.compile(
    r" (?:police|officers?|firefighters?|fire department|fire chief|city council|city commission"
    r"|city hall|city manager|township|mayor|sheriff|officials|selectmen|select ?board|aldermen"
    r"|town council|town board|town manager|town hall|village board|borough council"
    r"|district council|water system|water department|water utility|school board|school district"
    r"|public schools)\b", re.IGNORECASE)
LOCAL_BEFORE: Final = frozenset({"downtown", "uptown", "midtown", "suburban"})
# A numbered road, then where on it: `on U.S. 84 near Post`, `Interstate 70 near New
# Concord`, `the A64 between Malton and Pickering`: a town, as local news writes it.
_ON_ROAD: Final = ("near", "in", "at", "outside", "between", "through", "into")
ROAD_BEFORE: Final = re.compile(
    r"(?:\b(?:Interstate|Highway|Hwy\.?|Route|U\.S\.|US|State Road|State Route|SR|County Road|I|M)"
    r"[ -]?\d{1,4}[A-Z]?|\b[AB]\d{1,4})"
    rf" (?:{'|'.join(_ON_ROAD)}|(?:just )?(?:north|south|east|west)(?:east|west)? of) $")
# The word right before the name in each of ROAD_BEFORE's forms (tested first:
# most names follow none of them).
ROAD_LAST_WORDS: Final = frozenset((*_ON_ROAD, "of"))
# A town's own venue after its possessive: `Hamilton's Claudelands Arena`,
# `Celina's Tribune Field`.
OWN_VENUE: Final = re.compile(r"['’]s (?:[A-Z][\w'’-]* ){1,3}"
                              r"(?:Arena|Stadium|Field|Fieldhouse|Park|Coliseum|Airport|Harbou?r|Hospital)\b")
# People before `from` or `in` a town: `a man from Enterprise` lives there,
# `crews from Queensbury`, `a lifeboat from Deal` are based there, `Police in
# Street` work there.
PEOPLE_BEFORE: Final = {
    "from": frozenset({"man", "woman", "boy", "girl", "teen", "teenager", "couple", "resident",
                       "residents", "family", "men", "women", "driver", "motorist", "pensioner",
                       "crew", "crews", "firefighters", "lifeboat", "volunteers", "pupils"}),
    "in": frozenset({"police", "officers", "detectives", "firefighters", "paramedics", "gardai",
                     "garda"}),
}
# (Singular only: `Brazil women`, `England men` are national teams.)
RESIDENT_AFTER: Final = re.compile(r" (?:man|woman|boy|girl|teen|teenager|couple)\b(?!['’])", re.IGNORECASE)


def _any_of(*patterns: re.Pattern[str]) -> re.Pattern[str]:
    """One pattern that matches where any of `patterns` does (each keeps its flags)."""
    # Only IGNORECASE is carried over, as a scoped `(?i:...)`.
    assert all(not p.flags & ~(re.IGNORECASE | re.UNICODE) for p in patterns), patterns
    return re.compile("|".join(f"(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern})"
                               for p in patterns))


# Every cue `mentions._check` reads right after a name (a superset: a match only means
# "test them one by one").
ANY_AFTER: Final = _any_of(WATER_AFTER, CUISINE_AFTER, DISH_AFTER, SIDE_AFTER, PARTICLE_AFTER,
                     RIVER_AFTER,
                     MAGAZINE_AFTER, EPONYM_AFTER, REGION_AFTER, FEATURE_AFTER,
                     LOCAL_AFTER, RESIDENT_AFTER, SPEAKS_AFTER,
                     re.compile(r"[ -](?:language|speaking|speaker)", re.IGNORECASE))


def possessive_city(gaz: Gazetteer, raw: str, tk: Tokens, last: int, key: str) -> bool:
    """A name ending in a possessive's `s` (`St. John's`, `St Mary's`) is more often
    a church, a school or a stadium: is it a city of that very name, of
    `_POSSESSIVE_NAME_POP` or more, and not before an institution's word
    (`St. John's University`)?"""
    return INSTITUTION_AFTER.match(raw, tk.bounds[2 * last + 1]) is None and any(
        gaz.pop[p] >= _POSSESSIVE_NAME_POP and gaz.main_key(p) == key for p in gaz.candidates(key))


def speaks_as_subject(gaz: Gazetteer, raw: str, tk: Tokens, first: int, end: int, key: str) -> bool:
    """`Santander said profit rose`, `Hermes said it would open`: a town that speaks
    as its sentence's subject is a company or a person (a capital, a country, a
    region or a county speaks for its government: `Ankara said`, `Powys said`).
    Not `Police in Durban said`: the town is no subject there."""
    gaps = tk.gaps
    return (SPEAKS_AFTER.match(raw, end) is not None
            and (first == 0 or gaps[first].strip() != "" or tk.text[first - 1] in _CLAUSE_JOINS
                 or (tk.text[first - 1] == "and" and gaps[first - 1] == ", "))
            and all(gaz.kind[p] == KIND_CITY and p not in gaz.capitals for p in gaz.candidates(key)))


def written_as_town(gaz: Gazetteer, raw: str, tk: Tokens, first: int, end: int, key: str) -> bool:
    """`Herat city`, `occupied Macomia town` (the text at `end` starts with ` city` or
    ` town`): the town, not the province of its name. Not an adjective: `a Kent town`,
    `the Fife town of Kirkcaldy`, `Queensland town` (a region with no town of its
    name of 15,000 people)."""
    after = raw[end + 5 : end + 9]
    if after[:1].isalpha() or after.startswith(" of"):
        return False
    if first > 0 and tk.text[first - 1] in ("a", "an", "the", "this", "that"):
        return False
    senses = gaz.candidates(key)
    return not any(gaz.kind[p] <= KIND_ADMIN1 for p in senses) or any(
        gaz.kind[p] == KIND_CITY and gaz.pop[p] >= BARE_MIN_POP for p in senses)
