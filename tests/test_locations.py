"""Location rules end to end: real gazetteer (cached between runs), real articles."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.article import Article, RawItem, normalise
from monitor.match.places import LocationMatcher, PlaceLookupError
from monitor.settings import ConfigError, load_config
from monitor.settings.locations import PlaceConfig
from monitor.settings.rules import RuleConfig

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "izium-2022-09.txt"
# Shared between runs: the first run builds the gazetteer (~20 s), later runs load it.
CACHE = Path(tempfile.gettempdir()) / "newsmon-test-gazetteer"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rule(name: str, **loc: Any) -> RuleConfig:
    return RuleConfig.model_validate({"name": name, "locations": loc})


def article(body: str, title: str = "", source: str = "test", geo: Any = ()) -> Article:
    return normalise(RawItem(source=source, key=body[:40] + title, title=title, body=body,
                             geo=geo), NOW)


def compile_(*rules: RuleConfig, places: tuple[PlaceConfig, ...] = (),
             homes: dict[str, str] | None = None) -> LocationMatcher:
    return LocationMatcher.compile(rules, places, cache_dir=CACHE, homes=homes)


def places_in(lm: LocationMatcher, text: str) -> dict[str, str]:
    """Each resolved mention's text -> its place's label."""
    return {r.mention.text: lm._gaz.label(r.place) for r in lm.mentions(article(text))}


def labels_in(lm: LocationMatcher, text: str) -> list[str]:
    """The labels of the resolved mentions, in order."""
    return [lm._gaz.label(r.place) for r in lm.mentions(article(text))]


VARIANTS = {
    "Kharkiv": ["Kharkov", "Kharkiv"],
    "Kyiv": ["Kiev", "Kyiv"],
    "Izium": ["Izyum", "Izium"],
    "Zaporizhzhia": ["Zaporozhye", "Zaporizhzhia", "Zaporizhzhya"],
    "Kupiansk": ["Kupyansk", "Kupiansk"],
    "Luhansk": ["Lugansk", "Luhansk"],
}


@pytest.mark.parametrize(("canonical", "variant"),
                         [(c, v) for c, vs in VARIANTS.items() for v in vs])
def test_every_transliteration_variant_resolves(canonical: str, variant: str) -> None:
    lm = compile_(rule("p", places=[canonical]), rule("ua", within=["Ukraine"]))
    got = lm.match(article(f"Shelling hit {variant} on Monday, officials said."))
    assert set(got) == {"p", "ua"}
    ev = got["p"][0]
    assert ev.kind == "place" and ev.text == variant and ev.detail["country"] == "UA"


def test_izium_is_in_kharkiv_oblast_about_120_km_from_kharkiv() -> None:
    lm = compile_(rule("obl", within=["Kharkiv Oblast"]),
                  rule("near", near=[{"place": "Kharkiv", "radius_km": 130}]),
                  rule("tight", near=[{"place": "Kharkiv", "radius_km": 100}]))
    got = lm.match(article("Troops entered Izium on Saturday."))
    assert set(got) == {"obl", "near"}


def _seed() -> Article:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip())
    return article("\n".join(lines[first + 1 :]), title=lines[first])


@pytest.mark.skipif(not SEED.is_file(), reason="seed article not in the tree")
def test_seed_article() -> None:
    lm = compile_(
        rule("oblast", within=["Kharkiv Oblast"]),
        rule("near", near=[{"place": "Kharkiv", "radius_km": 150}]),
        rule("ukraine", within=["Ukraine"]),
        rule("iran", within=["Iran"]),
        rule("pakistan", within=["Pakistan"]),
        rule("chkalovske", places=["Chkalovske"]),
        places=(PlaceConfig(name="Chkalovske", lat=49.67, lon=36.93, parent="Kharkiv Oblast"),),
    )
    got = lm.match(_seed())
    assert set(got) == {"oblast", "near", "ukraine", "chkalovske"}
    # Iran and Pakistan(i) appear only in ALSO READ teaser lines.
    assert got["oblast"][0].field == "title" and got["oblast"][0].text == "Izium"
    assert len(got["oblast"]) == 10  # evidence is capped; the clause counts all
    gaz = lm._gaz
    texts = {r.mention.text for r in lm.mentions(_seed()) if gaz.admin1[r.place] == "UA.07"}
    assert {"Izium", "Kupiansk", "Chkalovske", "Kharkov region", "Kharkiv region"} <= texts


@pytest.mark.parametrize("text", [
    "Of the 20 people questioned, most agreed.",
    "Mobile phones were banned in the exam hall.",
    "Nice to see you again, she said.",
    "He ran a hot bath after the match.",
    "Reading the report, the minister frowned.",
    "Sale prices start on Friday.",
    "Jordan Henderson scored in the second half.",
    "Paris Hilton arrived at the party late.",
    "Victoria Beckham said the collection was ready.",
    "ALSO READ: Floods hit Tehran, Iran and Baghdad",
    # Buildings and streets named after places are not those places.
    "The White House said the talks would resume.",
    "Stars arrived at the premiere in Leicester Square.",
    "He was stabbed on Falcon Street shortly after midnight.",
    "Shares fell on Wall Street.",
])
def test_false_positive_traps_do_not_fire(text: str) -> None:
    lm = compile_(
        rule("uk", within=["United Kingdom"]), rule("fr", within=["France"]),
        rule("us", within=["United States"]), rule("jo", within=["Jordan"]),
        rule("au", within=["Australia"]), rule("tr", within=["Turkey"]),
        rule("ir", within=["Iran"]), rule("iq", within=["Iraq"]),
        rule("ca", within=["Canada"]), rule("ve", within=["Venezuela"]),
    )
    assert lm.match(article(text)) == {}


def test_mention_shapes() -> None:
    lm = compile_(
        rule("texas", within=["Texas"]), rule("france", within=["France"]),
        rule("illinois", within=["Illinois"]), rule("kentucky", within=["Kentucky"]),
        rule("ukraine", within=["Ukraine"]), rule("oblast", within=["Kharkiv Oblast"]),
    )
    assert set(lm.match(article("A storm hit Paris, Texas, overnight."))) == {"texas"}
    assert set(lm.match(article("The fair opens in Springfield, Ill., next week."))) == {
        "illinois"}
    assert set(lm.match(article("Shops reopened in Izium, Kharkiv Oblast."))) == {
        "ukraine", "oblast"}
    assert set(lm.match(article("Ukrainian forces advanced overnight."))) == {"ukraine"}
    got = lm.match(article("A Laurel County Sheriff's Office deputy made the arrest."))
    assert set(got) == {"kentucky"}
    assert got["kentucky"][0].text == "Laurel County"


def test_a_town_the_gazetteer_lacks_is_not_a_namesake_elsewhere() -> None:
    # No Stroud or Bradford in Ontario in the gazetteer: the English towns are
    # not what the text means, though the region still counts.
    lm = compile_(rule("uk", within=["United Kingdom"]), rule("ontario", within=["Ontario"]),
                  rule("london", near=[{"place": "London, GB", "radius_km": 150}]))
    got = lm.match(article("He was stopped on Highway 11 in Stroud, Ontario, Canada. "
                           "Stroud police said he is due in a Bradford, Ontario court."))
    assert set(got) == {"ontario"}
    # A qualifier that goes on as a name (`Wales Secretary`) or a city first
    # (`Manchester`) is no contradiction.
    assert "uk" in lm.match(article("Darling spoke in Edinburgh, Wales Secretary Peter Hain "
                                    "in Cardiff."))
    assert "london" in lm.match(article("Polling in London, Manchester and Leeds."))


def test_a_qualifier_names_its_region_for_the_rest_of_the_article() -> None:
    # `GLASGOW, Ky.` names Kentucky: the later `of Edmonton` is Edmonton, Kentucky
    # (pop. 1,600), not Edmonton, Alberta.
    lm = compile_(rule("ky", within=["Kentucky"]), rule("ab", within=["Alberta"]))
    text = ("GLASGOW, Ky. -- A woman died after being struck by a vehicle in Glasgow. "
            "The other car was driven by James Kitchens, of Edmonton.")
    got = lm.match(article(text))
    assert set(got) == {"ky"}
    assert [e.text for e in got["ky"]] == ["GLASGOW", "Glasgow", "Edmonton"]


def test_document_context_resolves_georgia_and_paris() -> None:
    lm = compile_(rule("atlanta", near=[{"place": "Atlanta", "radius_km": 400}]),
                  rule("tbilisi", near=[{"place": "Tbilisi", "radius_km": 400}]),
                  rule("texas", within=["Texas"]), rule("france", within=["France"]))
    us = article("Voters in Atlanta lined up early. Georgia has two runoffs.")
    ge = article("Protesters gathered in Tbilisi. Georgia's parliament met later.")
    assert set(lm.match(us)) == {"atlanta"}
    assert set(lm.match(ge)) == {"tbilisi"}
    tx = article("Flooding closed roads in Dallas and Houston. In Paris, schools closed.")
    assert "texas" in lm.match(tx) and "france" not in lm.match(tx)
    assert set(lm.match(article("Crowds marched in Paris on Saturday."))) == {"france"}


def test_home_of_a_source_resolves_ambiguous_names() -> None:
    lm = compile_(rule("texas", within=["Texas"]), rule("france", within=["France"]),
                  homes={"lamar-county-news": "Texas"})
    text = "Police in Paris said the road would reopen on Monday."
    assert set(lm.match(article(text, source="lamar-county-news"))) == {"texas"}
    assert set(lm.match(article(text, source="elsewhere"))) == {"france"}


def test_georss_points_match_near() -> None:
    lm = compile_(rule("kh", near=[{"place": "Kharkiv", "radius_km": 50}]),
                  rule("pt", near=[{"lat": 49.2, "lon": 37.3, "radius_km": 20}]))
    got = lm.match(article("No place named here.", geo=[(49.99, 36.23)]))
    assert set(got) == {"kh"}
    assert got["kh"][0].kind == "point" and got["kh"][0].detail["clause"].startswith("near")
    assert set(lm.match(article("Nothing.", geo=[(49.21, 37.28)]))) == {"pt"}
    assert lm.match(article("Nothing.", geo=[(10.0, 10.0)])) == {}


def test_fields_and_min_mentions() -> None:
    lm = compile_(rule("title", within=["Ukraine"], fields=["title"]),
                  rule("three", within=["Ukraine"], min_mentions=3))
    got = lm.match(article("Fighting near Kharkiv and Izium.", title="Weather report"))
    assert got == {}
    got = lm.match(article("Kharkiv, Izium and Kupiansk were shelled.", title="Kyiv reacts"))
    assert set(got) == {"title", "three"}
    assert [e.field for e in got["title"]] == ["title"]


def test_rules_with_the_same_clauses_all_match_in_config_order() -> None:
    lm = compile_(rule("b", within=["Ukraine"]), rule("kh", places=["Kharkiv"]),
                  rule("a", within=["Ukraine"]), rule("t", within=["Ukraine"], fields=["title"]),
                  rule("c", within=["Ukraine"]), rule("two", within=["Ukraine"], min_mentions=2))
    assert len(lm) == 6
    got = lm.match(article("Shelling in Kharkiv.", title="Kyiv reacts"))
    assert list(got) == ["b", "kh", "a", "t", "c", "two"]
    assert got["b"] == got["a"] == got["c"] == got["two"]
    assert [e.text for e in got["t"]] == ["Kyiv"]
    assert list(lm.match(article("Shelling in Kharkiv."))) == ["b", "kh", "a", "c"]


def test_evidence_points_at_the_text() -> None:
    lm = compile_(rule("ua", within=["Ukraine"]))
    a = article("Officials in Zaporizhzhia said the plant was safe.")
    (ev,) = lm.match(a)["ua"]
    assert a.field_text(ev.field)[ev.start : ev.end] == "Zaporizhzhia"
    assert set(ev.detail) == {"name", "country", "admin1", "lat", "lon", "clause"}
    assert ev.detail["clause"] == "within Ukraine"


def test_unknown_place_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(PlaceLookupError) as err:
        compile_(rule("a", within=["Ukraine"]), rule("b", places=["Kharkvi"]))
    assert err.value.path == "rules[1].locations.places[0]"
    assert "Kharkiv" in err.value.message and "did you mean" in err.value.message


@pytest.mark.parametrize(("loc", "path", "words"), [
    ({"within": ["Izium"]}, "rules[0].locations.within[0]", "not a country or region"),
    ({"places": ["Paris, Narnia"]}, "rules[0].locations.places[0]", "Narnia"),
    ({"places": ["Zzyzxq"]}, "rules[0].locations.places[0]", "unknown place"),
    ({"within": ["Kharkvi Oblast"]}, "rules[0].locations.within[0]", "Kharkiv Oblast, UA"),
])
def test_rule_errors_carry_their_path(loc: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(PlaceLookupError) as err:
        compile_(rule("r", **loc))
    assert err.value.path == path and words in err.value.message


@pytest.mark.parametrize(("toml", "expected"), [
    ('locations = { near = [{ radius_km = 5 }] }',
     "rules[0].locations.near[0]: needs `place`, or both `lat` and `lon`"),
    ('locations = { within = ["Ukraine"], fields = ["tags"] }',
     "rules[0].locations.fields: unknown field 'tags'"),
    ('locations = { within = ["Ukraine"], min_mentions = 0 }', "rules[0].locations.min_mentions"),
    ("locations = { }", "needs `places`, `within` or `near`"),
])
def test_location_config_errors_are_config_lines(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[[rules]]\nname = "r"\n{toml}\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: ") and expected in str(err.value)


def test_check_prints_location_notes(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'state_dir = "{CACHE}"\n[[rules]]\nname = "p"\n'
                    'locations = { places = ["Paris"] }\n')
    proc = subprocess.run([sys.executable, "-m", "monitor", "check", "--config", str(path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'note: rules[0].locations.places[0]: "Paris" is ambiguous' in proc.stdout


def test_ambiguous_names_are_noted_and_qualifiers_pick() -> None:
    lm = compile_(rule("p", places=["Paris"]), rule("tx", places=["Paris, US-TX"]),
                  rule("tx2", places=["Paris, Texas"]))
    notes = lm.notes()
    assert len(notes) == 1 and "rules[0].locations.places[0]" in notes[0]
    assert "ambiguous" in notes[0] and "Paris, US-" in notes[0]
    got = lm.match(article("The county fair in Paris, Texas, drew crowds."))
    assert set(got) == {"tx", "tx2"}


def test_user_places_with_aliases() -> None:
    lm = compile_(rule("v", places=["Vovchansk Bridge"]),
                  places=(PlaceConfig(name="Vovchansk Bridge", aliases=("Bridge 7",),
                                      lat=50.29, lon=36.94, country="Ukraine"),))
    got = lm.match(article("Sappers cleared Bridge 7 at dawn."))
    assert set(got) == {"v"} and got["v"][0].detail["country"] == "UA"


def test_rules_without_locations_are_ignored() -> None:
    lm = LocationMatcher.compile([RuleConfig(name="q", query="flood")], (), cache_dir=CACHE)
    assert len(lm) == 0 and lm.match(article("Kharkiv")) == {}


@pytest.mark.parametrize("text", [
    "Kharkiv " * 20_000,
    "\x00\u202eKharkiv\U0001F600\U00010000 Izium\ufffd",
    "𝐊𝐡𝐚𝐫𝐤𝐢𝐯 and K̶h̶a̶r̶k̶i̶v̶ and " + "ǅ" * 5000,
    "",
])
def test_hostile_text_does_not_break_matching(text: str) -> None:
    lm = compile_(rule("ua", within=["Ukraine"]))
    got = lm.match(article(text or "x", title=text[:200]))
    assert set(got) <= {"ua"}


def test_a_surname_is_a_surname_throughout_the_article() -> None:
    lm = compile_(rule("uk", within=["United Kingdom"]), rule("ca", within=["Canada"]))
    text = "Paula Radcliffe won the race in record time. Radcliffe said she was delighted."
    assert lm.match(article(text)) == {}
    # After an initial too (`Franklin D. Roosevelt`), but not after `U.S.`.
    lm_ny = compile_(rule("ny", near=[{"place": "Roosevelt, US-NY", "radius_km": 5}]),
                     rule("dc", near=[{"place": "Washington, US-DC", "radius_km": 5}]))
    assert lm_ny.match(article("In 1939 President Franklin D. Roosevelt moved the holiday.")) == {}
    assert set(lm_ny.match(article("Talks with the U.S. Washington said were over."))) == {"dc"}
    # An acronym before a place is a broadcaster or a firm, not a given name.
    got = lm.match(article("The owner told CTV Winnipeg the cat was safe."))
    assert set(got) == {"ca"} and got["ca"][0].text == "Winnipeg"


def test_lists_of_places() -> None:
    lm = compile_(rule("wa", within=["Washington"]), rule("dc", places=["Washington, US-DC"]),
                  rule("utah", within=["Utah"]), rule("ny", within=["New York"]),
                  rule("uk", within=["United Kingdom"]), rule("ab", within=["Alberta"]))
    text = "Cases were found in Tennessee, Texas, Utah, Virginia, Washington and Wyoming."
    assert set(lm.match(article(text))) == {"wa", "utah"}
    # `Edmonton, Alberta, Canada` is a chain of qualifiers, not a list (no Edmonton, London).
    got = lm.match(article("Snow fell on Edmonton, Alberta, Canada overnight."))
    assert set(got) == {"ab"} and [e.text for e in got["ab"]] == ["Edmonton", "Alberta"]


@pytest.mark.parametrize(("text", "rule_kw", "want"), [
    # Britain is the UK; a demonym beats a small town of its name (Canadian, Texas).
    ("Britain said on Monday it would send more aid.", {"within": ["United Kingdom"]}, True),
    ("Canadian forces joined the exercise.", {"within": ["Canada"]}, True),
    ("Canadian forces joined the exercise.", {"within": ["Texas"]}, False),
    # A language or a culture is not the country.
    ("The station plays hip-hop for the Spanish-speaking world.", {"within": ["Spain"]}, False),
    ("Funds bought Latin American bonds.", {"within": ["United States"]}, False),
    # A date is not March, Cambridgeshire; a team sheet's initial makes a surname.
    ("The match is on 13 March at home.", {"within": ["United Kingdom"]}, False),
    ("Ireland: G Murphy, B O'Driscoll, D Hickie.", {"within": ["Texas"]}, False),
    # The second half of a firm's hyphenated name; but two places joined by a hyphen.
    ("Wal-Mart cut prices again.", {"near": [{"lat": 31.54, "lon": -96.83, "radius_km": 20}]}, False),
    ("Traffic on the Kyiv-Kharkiv highway resumed.", {"within": ["Kharkiv Oblast"]}, True),
    # A surname use does not hide a country for the rest of the article.
    ("BBC Sport Wales reported the news. Wales won by ten points.", {"within": ["Wales"]}, True),
    # The nation, not Wales the village in Yorkshire, though England is named too.
    ("England beat Wales at Twickenham.", {"within": ["Wales"]}, True),
])
def test_names_that_are_not_what_they_seem(text: str, rule_kw: dict[str, Any], want: bool) -> None:
    lm = compile_(rule("r", **rule_kw))
    assert bool(lm.match(article(text))) is want, text


@pytest.mark.parametrize(("text", "region", "not_region"), [
    ("BOSTON (AP) — A fire broke out in a warehouse on Tuesday.", "Massachusetts", None),
    ("Superintendent Rico Munn told parents in Denver's eastern suburbs that classes resume.",
     "Colorado", None),
    ("Officials in Durango said the wildfire near Silverton had grown. La Plata County issued "
     "an evacuation order.", "Colorado", "Durango"),
    ("Police in Cambridge said the student was found. Boston and Somerville officers helped.",
     "Massachusetts", "Western Australia"),
    ("SOMERSET, Ky. (AP) — Pulaski County deputies arrested a man near Burnside.", "Kentucky",
     None),
])
def test_local_news(text: str, region: str, not_region: str | None) -> None:
    rules = [rule("in", within=[region])]
    if not_region:
        rules.append(rule("out", within=[not_region]))
    assert set(compile_(*rules).match(article(text))) == {"in"}


@pytest.mark.parametrize(("text", "county", "inside"), [
    # GeoNames files these towns under their boroughs; the county is built over them.
    ("Police in Wolverhampton arrested two men after a break-in.", "West Midlands", True),
    ("A Rochdale man was charged on Friday, police said.", "Greater Manchester", True),
    ("Crowds gathered in Doncaster town centre on Saturday.", "South Yorkshire", True),
    ("Police in Leicester arrested two men after a break-in.", "West Midlands", False),
    ("Crowds gathered in Harrogate town centre on Saturday.", "South Yorkshire", False),
])
def test_a_metropolitan_county_covers_its_boroughs_towns(text: str, county: str, inside: bool) -> None:
    lm = compile_(rule("county", within=[county]), rule("england", within=["England"]))
    assert set(lm.match(article(text))) == ({"county", "england"} if inside else {"england"})


@pytest.mark.parametrize(("text", "place"), [
    # A police force named after its area, as `Lincolnshire Police` is.
    ("Cumbria Constabulary said the road was closed.", "Cumbria, England, GB"),
    ("Durham Constabulary said a Darlington man was arrested.", "Durham, England, GB"),
    # So is a local office: `Texas Judge`, `Warren County Judge-Executive`.
    ("Texas Judge Letitia Clark said the company had no case.", "Texas, US"),
])
def test_a_force_or_an_office_names_its_area(text: str, place: str) -> None:
    lm = compile_(rule("england", within=["England"]))
    assert place in labels_in(lm, text)


def test_a_county_that_is_a_first_level_region_is_the_region() -> None:
    # Kenya's counties are its first-level regions: `Kiambu county` is the county,
    # not the town of Kiambu in it; a rule may name it `Kiambu County` too.
    lm = compile_(rule("kiambu", within=["Kiambu County"]))
    text = "Kiambu county officials said traders will move to a new market next month."
    assert [(r.mention.text, lm._gaz.label(r.place)) for r in lm.mentions(article(text))] == [
        ("Kiambu county", "Kiambu, KE")]
    assert set(lm.match(article(text))) == {"kiambu"}


@pytest.mark.parametrize(("within", "text", "want"), [
    # `Police` before a name is the force's head, not a given name; the country it
    # names then places Aberdeen in Scotland, not in Hong Kong.
    ("Scotland", "A man has been charged after a crash near Inverurie. Police Scotland said he "
     "would appear at Aberdeen Sheriff Court.",
     {"Scotland": "Scotland, GB", "Aberdeen": "Aberdeen, Scotland, GB"}),
    # So is `Hospital` before the county it serves: `University Hospital Kerry`.
    ("Ireland", "A man was taken to University Hospital Kerry after an assault in Tralee.",
     {"Kerry": "County Kerry, Munster, IE", "Tralee": "Tralee, Munster, IE"}),
    # Places in Mexico are evidence for Mexico the country as much as for the State
    # of Mexico; the country, the likelier sense, wins.
    ("Mexico", "GUADALAJARA, Mexico (AP) — Authorities in the western state of Jalisco said "
     "Thursday they had found three bodies near Tlaquepaque.",
     {"Mexico": "Mexico", "GUADALAJARA": "Guadalajara, Jalisco, MX"}),
])
def test_the_text_around_a_name_places_it(within: str, text: str, want: dict[str, str]) -> None:
    places = places_in(compile_(rule("area", within=[within])), text)
    assert {name: places.get(name) for name in want} == want


def test_a_road_is_no_place() -> None:
    # GeoNames lists a `Highway 11` in British Columbia; news means the road.
    lm = compile_(rule("bc", within=["British Columbia"]))
    text = "A crash closed Highway 11 for six hours on Monday, police said."
    assert lm.mentions(article(text)) == []
    assert lm.match(article(text)) == {}


def test_a_town_written_as_one_is_kept_beside_a_small_neighbour() -> None:
    # Kerikeri is too small to vouch for others, but it is kept on its own evidence;
    # `Whangarei police` is then Whangarei, in the same region, not a lone surname.
    # (A whole country: a rule on the region would vouch for its towns by itself.)
    lm = compile_(rule("nz", within=["New Zealand"]))
    text = ("Whangarei police are looking for a man who robbed a dairy on Tuesday night. "
            "A car seen leaving the area was later found in Kerikeri.")
    places = places_in(lm, text)
    assert places == {"Whangarei": "Whangarei, Northland, NZ", "Kerikeri": "Kerikeri, Northland, NZ"}


def test_a_small_town_abroad_with_no_evidence_is_not_taken() -> None:
    # The gazetteer lacks Newcastle West, New South Wales; its Irish namesake (6,600
    # people) must not stand in for it in a story whose places are all Australian.
    lm = compile_(rule("ie", within=["Ireland"]), homes={"herald": "New South Wales"})
    text = ("A Maitland woman has been charged after a crash in Newcastle West on Friday night. "
            "Police said a man from Cessnock was taken to hospital.")
    got = article(text, source="herald")
    assert [r.mention.text for r in lm.mentions(got)] == ["Maitland", "Cessnock"]
    assert lm.match(got) == {}


@pytest.mark.parametrize(("text", "want"), [
    # Dotted country codes: only those news writes for countries.
    ("The meeting starts at 9 A.M. and ends at 5 P.M., officials said.", []),
    ("The crash happened near Adelaide, S.A., on Sunday.", ["Adelaide, South Australia, AU"]),
    ("B.B. King played the blues; T.J. Miller told jokes.", []),
    ("Officials in the U.S. and the U.K. welcomed the deal.", ["United States", "United Kingdom"]),
    ("Exports to N.Z. rose in March.", ["New Zealand"]),
])
def test_dotted_codes_are_countries_only_where_news_writes_them(text: str, want: list[str]) -> None:
    lm = compile_(rule("any", within=["Armenia"]))
    assert labels_in(lm, text) == want


@pytest.mark.parametrize(("text", "want"), [
    # A possessive or a lower-case word inside a name: the whole name, not its pieces.
    ("Police in King's Lynn are appealing for witnesses.", ["King's Lynn, England, GB"]),
    ("Prince George's County police are investigating a shooting in Hyattsville.",
     ["Prince George's County, Maryland, US", "Hyattsville, Maryland, US"]),
    ("A man from Newcastle-under-Lyme has been jailed.", ["Newcastle under Lyme, England, GB"]),
    ("The People's Republic of China was founded in 1949.", ["China"]),
    ("He was arrested in Coeur d'Alene on Monday.", ["Coeur d'Alene, Idaho, US"]),
])
def test_names_with_a_possessive_or_a_lower_case_word(text: str, want: list[str]) -> None:
    lm = compile_(rule("any", within=["England"]))
    assert labels_in(lm, text) == want


def test_a_county_before_its_officer_s_title_is_the_county() -> None:
    lm = compile_(rule("ky", within=["Kentucky"]), homes={"daily-news": "Kentucky"})
    text = "Warren County Judge-Executive Doug Gorman backed the plan on Tuesday."
    got = article(text, source="daily-news")
    assert [(r.mention.text, lm._gaz.label(r.place)) for r in lm.mentions(got)] == [
        ("Warren County", "Warren County, Kentucky, US")]


@pytest.mark.parametrize(("text", "want"), [
    # The Irish police name Ireland: a lone town of 23,000 there needs no feed `home`.
    ("Gardaí in Tralee are investigating a serious assault in the town.", ["Tralee, Munster, IE"]),
    # Without them it is a lone name, as likely a surname.
    ("Officers in Tralee are investigating a serious assault in the town.", []),
    ("RCMP say the Penticton man was arrested.", ["Penticton, British Columbia, CA"]),
])
def test_a_country_s_institutions_place_its_lone_towns(text: str, want: list[str]) -> None:
    lm = compile_(rule("any", within=["France"]))
    assert labels_in(lm, text) == want


def test_a_metropolitan_county_is_named_as_itself_not_a_namesake_abroad() -> None:
    # `West Midlands` was `Midlands`, Zimbabwe's province, before the county existed.
    lm = compile_(rule("wm", within=["West Midlands"]), rule("zw", within=["Zimbabwe"]))
    text = "West Midlands Police said the road would reopen. Merseyside officers helped."
    got = lm.match(article(text))
    assert set(got) == {"wm"}
    assert [e.text for e in got["wm"]] == ["West Midlands"]
    places = places_in(lm, text)
    assert places == {"West Midlands": "West Midlands, England, GB",
                      "Merseyside": "Merseyside, England, GB"}


def test_a_learned_home_does_not_turn_london_into_a_namesake() -> None:
    lm = compile_(rule("london", near=[{"place": "London, GB", "radius_km": 50}]),
                  rule("ca", within=["California"]))
    for i in range(10):  # the desk learns California as its home
        lm.match(article(f"Stars arrived in Los Angeles, California, for premiere {i}.",
                         source="ent"))
    got = lm.match(article("The premiere moved to London on Friday.", source="ent"))
    assert set(got) == {"london"}


@pytest.mark.parametrize("teaser", [
    "ALSO READ: Floods hit Tehran", "See also: Tehran talks stall", "Most read: Tehran floods",
    "Recommended: Tehran's new metro", "Related coverage: Tehran", "You may also like: Tehran",
])
def test_places_only_in_page_furniture_do_not_count(teaser: str) -> None:
    lm = compile_(rule("ir", within=["Iran"]), rule("ua", within=["Ukraine"]))
    text = f"Ukrainian troops entered Izium.\n{teaser}\nThe town was retaken."
    assert set(lm.match(article(text))) == {"ua"}


def test_lists_of_cities_that_share_a_region_name_stay_cities() -> None:
    lm = compile_(rule("kharkiv", places=["Kharkiv"]),
                  rule("near", near=[{"place": "Kharkiv", "radius_km": 30}]),
                  rule("oblast", within=["Kharkiv Oblast"]))
    assert set(lm.match(article("Explosions were reported in Kharkiv and Donetsk."))) == {
        "kharkiv", "near", "oblast"}
    # ...but `the Bryansk and Kursk regions` are regions.
    got = lm.mentions(article("Drones were shot down over the Bryansk and Kursk regions."))
    assert {lm._gaz.kind[r.place] for r in got} == {1}


@pytest.mark.parametrize(("text", "region", "want"), [
    ("LONDON, Ont. — Police in St. Thomas said a man was arrested.", "Ontario", True),
    ("LONDON, Ont. — Police in St. Thomas said a man was arrested.", "England", False),
    ("Sharks were seen off Perth, WA on Sunday.", "Western Australia", True),
    ("Sharks were seen off Perth, WA on Sunday.", "Scotland", False),
    ("Winnipeg, Man. — Snow closed schools.", "Manitoba", True),
    ("The Welsh Government announced new funding.", "Wales", True),
    ("Manitoba RCMP said the highway was closed.", "Manitoba", True),
    ("The Washington Post reported the talks had stalled.", "District of Columbia", False),
    ("She studied at Queen's University before moving.", "Ontario", False),
])
def test_abbreviations_agencies_and_newspapers(text: str, region: str, want: bool) -> None:
    lm = compile_(rule("r", within=[region]))
    assert bool(lm.match(article(text))) is want, text


@pytest.mark.parametrize(("text", "region", "want"), [
    # Old names of big cities, unless a place of note already has the name.
    ("Floods hit Bombay on Monday.", "Maharashtra", True),
    ("Veterans gathered in Stalingrad.", "Volgograd Oblast", True),
    ("Shelling hit Dnepropetrovsk overnight.", "Ukraine", True),
    ("The White House said talks would resume.", "Morocco", False),  # not Casablanca
    # A county after a comma qualifies; a county named elsewhere supports its towns.
    ("Police in Newark, Nottinghamshire, made an arrest.", "New Jersey", False),
    ("Police in Newark, Nottinghamshire, made an arrest.", "England", True),
    ("Thousands went to Glastonbury, Somerset, for the festival.", "England", True),
    ("Thousands went to Glastonbury, Somerset, for the festival.", "Connecticut", False),
])
def test_old_names_and_counties(text: str, region: str, want: bool) -> None:
    lm = compile_(rule("r", within=[region]))
    assert bool(lm.match(article(text))) is want, text


@pytest.mark.parametrize(("city", "bare", "region_text"), [
    ("Paris", "Protesters marched through central Paris on Saturday, police said.", ""),
    ("Manchester", "Police in Manchester arrested two men after the match on Saturday.", ""),
    ("Kherson", "Russian shelling hit Kherson overnight, the city's mayor said.",
     "Fighting continued across the Kherson region, the governor said."),
])
def test_places_rule_about_a_city_matches_the_city(city: str, bare: str, region_text: str) -> None:
    """Issue #10: the county, department or oblast named after its city must not
    take the city's place, on the rule side or in the article; the region is
    meant only where the text says so."""
    lm = compile_(rule("city", places=[city]))
    got = lm.match(article(bare))
    assert "city" in got, lm.mentions(article(bare))
    detail = got["city"][0].detail
    assert detail["name"] == city
    if region_text:
        said = {r.mention.text: r.place for r in lm.mentions(article(region_text))}
        # `the Kherson region` is the oblast, not the city the rule is about
        assert "city" not in lm.match(article(region_text)), said


def test_a_region_much_bigger_than_its_namesake_city_keeps_its_name() -> None:
    """`Quebec` is the province (20x the city); the rule above is for regions named
    after the city inside them, not for every province with a capital of its name."""
    lm = compile_(rule("province", within=["Quebec"]), rule("city", places=["Quebec City"]))
    got = lm.match(article("Quebec's premier announced new funding for hospitals on Monday."))
    assert "province" in got and "city" not in got


def test_a_name_written_as_a_town_is_the_home_regions_town_not_the_country() -> None:
    """`Lebanon officers` in an Oregon paper: Lebanon, Oregon (a country has no
    officers or downtown in local news). Without the local wording, or for an
    outlet elsewhere, the country stays."""
    lm = compile_(rule("oregon", within=["Oregon"]), rule("lebanon", within=["Lebanon"]),
                  homes={"albany-paper": "Oregon"})
    local = "Linn County deputies and Lebanon officers searched the area with a dog."
    assert set(lm.match(article(local, source="albany-paper"))) == {"oregon"}
    downtown = "A water main broke in downtown Lebanon on Friday morning."
    assert set(lm.match(article(downtown, source="albany-paper"))) == {"oregon"}
    national = "Lebanon said on Friday it would reopen its border crossings."
    assert set(lm.match(article(national, source="albany-paper"))) == {"lebanon"}
    assert "oregon" not in lm.match(article("Lebanon officers searched the area.", source="elsewhere"))


def test_local_news_wording_names_towns() -> None:
    """Three ways local outlets write a town: `a Brazil woman` (a country's
    resident would be `a Brazilian woman`), `McLean County Crime Stoppers` (an
    area's name followed by something of the area's), and a town spelled like a
    common word opening a sentence, when a local cue follows or a place is
    listed with it (`Bath police said`, `Bath and Freeport`). The wording only
    weighs against the country (`a Brazil woman` alone still outweighs the home
    region: Brazil is 25,000 times bigger), and the common word still needs
    local evidence: for an outlet elsewhere, or as `Border police` and `Marks
    and Spencer`, no town."""
    lm = compile_(rule("indiana", within=["Indiana"]), rule("brazil", within=["Brazil"]),
                  rule("illinois", within=["Illinois"]), rule("virginia", within=["Virginia"]),
                  rule("maine", within=["Maine"]), rule("england", within=["England"]),
                  homes={"terre-haute": "Indiana", "bloomington": "Illinois", "brunswick": "Maine"})
    crash = "A Brazil woman in the other car was flown to a hospital in Indianapolis."
    got = lm.match(article(crash, source="terre-haute"))
    assert set(got) == {"indiana"} and [e.text for e in got["indiana"]] == ["Brazil", "Indianapolis"]
    team = "Brazil women beat Canada 2-0 in the final."
    assert set(lm.match(article(team, source="terre-haute"))) == {"brazil"}
    county = "McLean County Crime Stoppers is offering a reward."
    got = lm.match(article(county, source="bloomington"))
    assert set(got) == {"illinois"} and got["illinois"][0].text == "McLean County"
    for text in ("Bath police said the road would reopen on Monday.",
                 "Bath and Freeport sent engines to the fire."):
        got = lm.match(article(text, source="brunswick"))
        assert "maine" in got and got["maine"][0].text == "Bath", text
    assert lm.match(article("Bath police said the road would reopen.", source="terre-haute")) == {}
    for text in ("Border police said the road would reopen.", "Marks and Spencer said sales fell."):
        assert lm.match(article(text, source="brunswick")) == {}, text


def test_what_follows_a_comma_or_a_dateline_in_local_news() -> None:
    """`in Kinston, Craven County deputies said` (or `jail records show`): the county
    begins the next clause (Kinston lies in Lenoir County), so Kinston is not dropped as a town
    missing from its qualifier; `Alliance's mayor` opens a sentence as a town;
    a dateline's town (`HOLLAND -`) keeps its sense when the story lists it
    with a Dutch province's namesake (`Zeeland and Holland beaches`); and `the
    North Dakota Highway Patrol` is the state's."""
    lm = compile_(rule("kinston", places=["Kinston"]), rule("alliance", places=["Alliance, Ohio"]),
                  rule("michigan", within=["Michigan"]), rule("netherlands", within=["Netherlands"]),
                  homes={"new-bern": "North Carolina", "canton": "Ohio", "holland": "Michigan"})
    bank = "A Havelock man was charged with robbing a bank in Kinston, Craven County deputies said."
    assert "kinston" in lm.match(article(bank, source="new-bern"))
    # So do its records, with their verb; but `a Bradford, Ontario court` is in
    # Bradford, Ontario, which the gazetteer lacks: no Bradford, England instead.
    iowa = compile_(rule("iowa-city", places=["Iowa City"]), rule("uk", within=["United Kingdom"]),
                    homes={"gazette": "Iowa"})
    jail = "A Hiawatha man was arrested Tuesday in Iowa City, Linn County jail records show."
    assert set(iowa.match(article(jail, source="gazette"))) == {"iowa-city"}
    boat = "A man was hurt near Iowa City, Linn County sheriff's deputies said."
    assert set(iowa.match(article(boat, source="gazette"))) == {"iowa-city"}
    court = "He was released on a promise to appear in a Bradford, Ontario court on May 12."
    assert iowa.match(article(court)) == {}
    mayor = "Stark County will fix the bridge. Alliance's mayor asked for more roads."
    assert "alliance" in lm.match(article(mayor, source="canton"))
    beach = ("HOLLAND — Ottawa County officials closed a beach on Monday. Zeeland and Holland "
             "beaches were not affected.")
    got = lm.match(article(beach, source="holland"))
    assert set(got) == {"michigan"}
    assert {e.text for e in got["michigan"]} == {"HOLLAND", "Ottawa County", "Zeeland", "Holland"}
    # A state's highway patrol names the state, as its health department does.
    patrol = compile_(rule("nd", within=["North Dakota"]))
    got = patrol.match(article("A man died in a crash east of town, the North Dakota Highway Patrol said."))
    assert [e.text for e in got["nd"]] == ["North Dakota"]


def test_a_local_papers_own_dateline_is_its_regions_town() -> None:
    """`LIMA -` in an Ohio paper is Lima, Ohio, though Peru's capital is 200
    times bigger; the same dateline from the wire (`(AP)`), or in a paper
    elsewhere, is Peru's. But `WASHINGTON -` in a Chicago paper is its bureau in
    the capital, not Washington, Illinois. `Cherry Hill Twp.` is Cherry Hill's
    township."""
    lm = compile_(rule("ohio", within=["Ohio"]), rule("peru", within=["Peru"]),
                  rule("nj", within=["New Jersey"]), homes={"lima-news": "Ohio", "courier": "New Jersey"})
    story = "Commissioners approved a new radio system for deputies on Thursday."
    assert set(lm.match(article(f"LIMA — {story}", source="lima-news"))) == {"ohio"}
    assert set(lm.match(article(f"LIMA (AP) — {story}", source="lima-news"))) == {"peru"}
    assert set(lm.match(article(f"LIMA — {story}", source="elsewhere"))) == {"peru"}
    # A big namesake in the paper's own country is where its bureau files from.
    capital = compile_(rule("dc", within=["District of Columbia"]), homes={"tribune": "Illinois"})
    senate = "WASHINGTON — The Senate passed the farm bill on Thursday, 68-30."
    assert set(capital.match(article(senate, source="tribune"))) == {"dc"}
    crash = "A Voorhees man hit a pole on Route 70 in Cherry Hill Twp. early Saturday."
    got = lm.match(article(crash, source="courier"))
    assert [e.text for e in got["nj"]] == ["Voorhees", "Cherry Hill"]


def test_a_surname_is_a_persons_but_a_facility_is_not_a_person() -> None:
    """`Dennis Flores ... Flores said`: the lone `Flores` is the same man, not
    Uruguay's department of 23,000 people (only a famous area's name, `Wales`,
    `Miranda`, is spared); `Henry Ford Wyandotte Hospital` is a hospital's
    name, so it does not make `a Wyandotte woman` a person; nor does a radio
    station's."""
    lm = compile_(rule("uy", within=["Uruguay"]), rule("mi", within=["Michigan"]),
                  homes={"news-herald": "Michigan"})
    council = "City Council President Dennis Flores spoke on Monday. Flores said the park would open."
    assert lm.match(article(council)) == {}
    car = ("The owner, a Wyandotte woman, said it was taken from a lot at Henry Ford Wyandotte "
           "Hospital. A Taylor man has been charged.")
    got = lm.match(article(car, source="news-herald"))
    assert set(got) == {"mi"} and [e.text for e in got["mi"]][:1] == ["Wyandotte"]
    # Nor is a broadcaster's name a person's: `BBC Radio Leeds` leaves Leeds a place.
    leeds = compile_(rule("leeds", places=["Leeds"]))
    radio = "He told BBC Radio Leeds the plan would fail. The council in Leeds said it would appeal."
    got = leeds.match(article(radio))
    assert [e.text for e in got["leeds"]] == ["Leeds"] and got["leeds"][0].start > radio.index("council")


def test_a_us_county_abbreviated_co_is_the_county() -> None:
    """Local headlines write `Allen Co.`; a company's `& Co.` is no county."""
    lm = compile_(rule("allen", places=["Allen County, Ohio"]), rule("ohio", within=["Ohio"]),
                  homes={"lima-news": "Ohio"})
    got = lm.match(article("Allen Co. commissioners approved a new radio system for deputies in Lima.",
                           source="lima-news"))
    assert "allen" in got and got["allen"][0].text == "Allen Co"
    assert lm.match(article("Shares of Allen & Co. rose on Friday.")) == {}


def test_a_village_is_a_place_in_its_home_papers_or_written_with_its_region() -> None:
    """Villages of 500-999 people (cities500) are what local papers name; they
    are senses only in a paper whose configured home is their region, or when
    written with their region. Elsewhere the name is a surname or a country,
    and a village's longer name never hides a place inside it. The home alone
    vouches neither for a village nor for a common word (`Downing Street`)."""
    lm = compile_(rule("maine", within=["Maine"]), rule("ie", within=["Ireland"]),
                  rule("russia", within=["Russia"]), rule("md", within=["Maryland"]),
                  rule("mb", within=["Manitoba"]), homes={"bangor": "Maine"})
    chase = "A Searsport man was arrested Thursday after a chase that began in Bucksport."
    got = lm.match(article(chase, source="bangor"))
    assert [e.text for e in got["maine"]] == ["Searsport", "Bucksport"]
    assert lm.match(article(chase)) == {}  # (no home: neither is a town of note)
    # At home but with no local cue and no county near it, a village's name is a
    # person's: a paper at home in England still means Lord Hutton.
    england = compile_(rule("england", within=["England"]), homes={"bbc": "England"})
    inquiry = "Hutton said the report was unfounded. Officials in London and Leeds welcomed it."
    assert [e.text for e in england.match(article(inquiry, source="bbc"))["england"]] == [
        "London", "Leeds"]
    # Nor does the home make a common word a town (Street and Stone are towns in
    # England), unless it is written as one (`Bath police`, `Bath and Freeport`).
    for text in ("Downing Street defended the decision. Officials in Leeds were unmoved.",
                 "Wall Street cheered the result, and shares rose in Leeds.",
                 "Oliver Stone's epic Alexander opened in Leeds."):
        assert [e.text for e in england.match(article(text, source="bbc"))["england"]] == [
            "Leeds"], text
    baby = "Lucy was born in Churchill, Man. at 23 weeks. Her father is a Churchill doctor."
    assert [e.text for e in lm.match(article(baby))["mb"]] == ["Churchill", "Churchill"]
    rugby = "Brian O'Driscoll scored twice as Ireland beat Italy. O'Driscoll said Ireland were sharper."
    assert [e.text for e in lm.match(article(rugby))["ie"]] == ["Ireland", "Ireland"]
    spy = "He spent years in Russia, U.S. officials said. A poll by the University of Maryland agreed."
    assert set(lm.match(article(spy))) == {"russia", "md"}


def test_a_home_lifts_its_small_towns_only_in_local_stories() -> None:
    """A Texas paper's wire story on the Olympics in Athens is about Greece:
    the home lifts a small town (Athens, Texas: 12,700 people) only when the
    story names another place of the home or writes the name as a town; nor
    does the home country lift London, Ohio over London. And a county written
    as one is where its named towns are (Kings County, Nova Scotia, with
    Kentville: not Brooklyn's Kings County, 240 times bigger)."""
    lm = compile_(rule("tx", within=["Texas"]), rule("greece", within=["Greece"]),
                  rule("uk", within=["United Kingdom"]), rule("ns", within=["Nova Scotia"]),
                  homes={"star": "Texas", "herald": "Nova Scotia"})
    games = "Phelps won again in Athens on Tuesday, as rivals from Russia and Japan faded."
    assert set(lm.match(article(games, source="star"))) == {"greece"}
    council = "Athens council members met in Tyler on Tuesday to approve a new water plant."
    assert set(lm.match(article(council, source="star"))) == {"tx"}
    vote = "Voters in Dallas and Houston decided the race, and markets in London rose."
    assert set(lm.match(article(vote, source="star"))) == {"tx", "uk"}
    # Two small home towns named together vouch for each other, whichever is read first.
    idaho = compile_(rule("id", within=["Idaho"]), homes={"press": "Idaho"})
    fire = "A grass fire near Marsing and Homedale burned 500 acres."
    assert [e.text for e in idaho.match(article(fire, source="press"))["id"]] == [
        "Marsing", "Homedale"]
    # (Between two senses in the home country it lifts both: Manhattan is Montana's
    # beside Gallatin County, as before.)
    mt = compile_(rule("mt", within=["Montana"]), homes={"chronicle": "Montana"})
    plan = ("Gallatin County commissioners approved a subdivision near Belgrade. "
            "Residents of Manhattan asked for a traffic study.")
    assert [e.text for e in mt.match(article(plan, source="chronicle"))["mt"]] == [
        "Gallatin County", "Belgrade", "Manhattan"]
    rcmp = ("RCMP in Kings County are investigating a break-in at a Kentville pharmacy. "
            "A car stolen in Wolfville was found in New Minas.")
    assert [e.text for e in lm.match(article(rcmp, source="herald"))["ns"]] == [
        "Kings County", "Kentville", "Wolfville", "New Minas"]


def test_a_citys_part_is_near_the_city() -> None:
    """`London's Docklands` is no suburb of Melbourne, `London's Hilton hotel` no
    village in Cambridgeshire: after a city's possessive, a name is a part of
    that city, a place of its own only where a sense lies near it (`New York's
    Harlem`)."""
    lm = compile_(rule("vic", within=["Victoria"]), rule("england", within=["England"]),
                  rule("ny", within=["New York"]))
    text = "A development in London's Docklands stalled. The awards were at London's Hilton hotel."
    got = lm.match(article(text))
    assert set(got) == {"england"} and [e.text for e in got["england"]] == ["London", "London"]
    got = lm.match(article("Police in New York's Harlem arrested two men."))
    assert [e.text for e in got["ny"]] == ["New York", "Harlem"]


def test_irish_counties_and_welsh_principal_areas_by_the_names_news_uses() -> None:
    """The package data names some Irish counties in Irish (`Ciarrai`) and Welsh
    areas as `Torfaen County Borough`; news writes `Co Clare`, `Kerry`,
    `Torfaen`. A senator named Kerry stays a senator."""
    lm = compile_(rule("clare", places=["County Clare"]), rule("ie", within=["Ireland"]),
                  rule("wales", within=["Wales"]))
    ennis = "Gardaí in Ennis, Co Clare, are appealing for witnesses after an assault."
    got = lm.match(article(ennis))
    assert [e.text for e in got["clare"]] == ["Co Clare"]
    assert [e.text for e in got["ie"]] == ["Ennis", "Co Clare"]
    assert got["clare"][0].detail["name"] == "County Clare"  # GeoNames' spelling
    greenway = "Councillors in Listowel said the route should be extended across Kerry."
    assert set(lm.match(article(greenway))) == {"ie"}
    tip = "A Cwmbran woman was fined for fly-tipping near Pontypool, Torfaen council said."
    assert [e.text for e in lm.match(article(tip))["wales"]] == ["Cwmbran", "Pontypool", "Torfaen"]
    senator = "Senator John Kerry said he would win Ohio. Kerry told voters in Toledo the war was wrong."
    assert "ie" not in lm.match(article(senator))


def test_a_big_county_without_county_is_the_county_where_its_state_is_in_view() -> None:
    """South Florida papers write `Miami-Dade police`, `Broward deputies`: a
    county of 250,000+ whose name is no everyday word stands without `County`,
    when its state is the paper's home, a place of the state is named, or a
    local cue follows; elsewhere a namesake is meant (`Hidalgo`, Mexico's
    state) or nothing (`Broward said`), and a prince is no Virginia county."""
    lm = compile_(rule("broward", places=["Broward County"]), rule("fl", within=["Florida"]),
                  rule("va", within=["Virginia"]), rule("mx", within=["Mexico"]),
                  homes={"herald": "Florida"})
    robbery = ("Miami-Dade police are looking for a man who robbed a bank on Tuesday, and Broward "
               "detectives are helping with the search.")
    got = lm.match(article(robbery, source="herald"))
    assert set(got) == {"broward", "fl"}
    assert [e.text for e in got["fl"]] == ["Miami-Dade", "Broward"]
    # No home: a town of the state places it.
    assert set(lm.match(article("A crash in Broward closed roads in Fort Lauderdale."))) == {"broward", "fl"}
    # No Florida in view: a surname-like county name is not taken (unless a rule
    # names the county: then its mentions are trusted, as any watched place's).
    states = compile_(rule("fl", within=["Florida"]), rule("va", within=["Virginia"]),
                      rule("mx", within=["Mexico"]))
    assert states.match(article("Broward said the talks in London went well.")) == {}
    assert set(lm.match(article("Broward said the talks in London went well."))) == {"broward", "fl"}
    # A county named like a bigger place elsewhere is that place, but in its state.
    texas = compile_(rule("tx", within=["Texas"]), rule("mx", within=["Mexico"]),
                     homes={"monitor": "Texas"})
    floods = "Floods in Hidalgo closed roads on Tuesday."
    assert set(texas.match(article(floods))) == {"mx"}
    assert set(texas.match(article(floods, source="monitor"))) == {"tx"}
    assert set(texas.match(article("The mayor of McAllen said Hidalgo deputies found the car."))) == {"tx"}
    assert set(states.match(article("Prince William visited a hospital in Norfolk, Virginia."))) == {"va"}


def test_cities_listed_together_are_cities_and_an_opening_participle_is_no_given_name() -> None:
    """`in Mykolaiv and Kherson`: two oblasts named after their cities do not make
    a list of regions; `Neighbouring Rockport` opens a sentence with a participle,
    not a person's given name."""
    lm = compile_(rule("mykolaiv", places=["Mykolaiv"]), rule("kherson", places=["Kherson"]),
                  rule("rockport", places=["Rockport, Maine"]))
    listed = article("Air raid alerts also sounded in Mykolaiv and Kherson overnight.")
    assert {"mykolaiv", "kherson"} <= set(lm.match(listed))
    local = article("Voters in Camden, Maine, approved the harbor budget. Neighbouring Rockport "
                    "will vote next month.")
    assert "rockport" in lm.match(local)


def _engine(*rules: RuleConfig) -> Any:
    from monitor.match.engine import Matcher

    return Matcher.compile(rules, cache_dir=CACHE)


def test_keyword_and_location_rules_share_tokens_but_keep_their_own_text() -> None:
    """One tokenisation serves both kinds of rules, yet each reads its own text:
    location matching blanks page furniture (`See also`) and `Related:` titles,
    keyword rules only QUERY.md's teaser lines (`Read more`)."""
    m = _engine(RuleConfig(name="kw-paris", query="paris"),
                RuleConfig(name="kw-marseille", query="marseille"),
                RuleConfig(name="kw-flood", query="flooding"),
                rule("in-paris", places=["Paris"]), rule("in-lyon", places=["Lyon"]))
    art = article("Flooding in Lyon on Monday.\nSee also: Paris\nRead more: Marseille\n",
                  title="Related: Paris")
    assert [x.rule for x in m.match(art)] == ["kw-paris", "kw-flood", "in-lyon"]
    assert [m.names[i] for i in m.matching_ids(art)] == ["kw-paris", "kw-flood", "in-lyon"]
    plain = article("Flooding in Paris and Lyon on Monday.")
    found = {x.rule: x for x in m.match(plain)}
    assert list(found) == ["kw-paris", "kw-flood", "in-paris", "in-lyon"]
    assert [(e.start, e.end, e.text) for e in found["kw-paris"].evidence] == [(12, 17, "Paris")]
    assert [(e.start, e.text) for e in found["in-paris"].evidence] == [(12, "Paris")]


def test_a_field_is_tokenised_once_for_both_kinds_of_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.match import doc

    calls: list[str] = []
    real = doc.spaced_words

    def counting(text: str) -> str:
        if text:  # (empty title and summary: nothing to share)
            calls.append(text)
        return real(text)

    monkeypatch.setattr(doc, "spaced_words", counting)
    m = _engine(RuleConfig(name="kw", query="flooding"), rule("in-lyon", places=["Lyon"]))
    assert [x.rule for x in m.match(article("Flooding in Lyon on Monday."))] == ["kw", "in-lyon"]
    assert calls == []  # the keyword side took the location side's tokens
    # Page furniture makes the texts differ: the keyword side tokenises its own.
    furnished = article("Flooding in Lyon.\nSee also: Paris")
    assert [x.rule for x in m.match(furnished)] == ["kw", "in-lyon"]
    assert calls == [furnished.field_text("body")]


def test_a_village_at_home_is_vouched_for_by_a_town_named_near_it() -> None:
    """A village (500-999 people) in its home paper is a place when the story
    names a town within 40 km of it, even a town too small to vouch for other
    places (Summerside, 14,800 people); alone it still needs a local cue."""
    lm = compile_(rule("wa", within=["Western Australia"]), rule("pei", within=["Prince Edward Island"]),
                  homes={"west": "Western Australia", "guardian": "Prince Edward Island"})
    crash = ("Police in Kalgoorlie have charged a man after a crash on the Great Eastern Highway "
             "near Coolgardie left two people in hospital.")
    assert [e.text for e in lm.match(article(crash, source="west"))["wa"]] == ["Kalgoorlie", "Coolgardie"]
    assert lm.match(article("A crash near Coolgardie left two people in hospital.", source="west")) == {}
    crews = "Crews from Summerside and Borden-Carleton will train at the new fire hall."
    assert [e.text for e in lm.match(article(crews, source="guardian"))["pei"]] == [
        "Summerside", "Borden-Carleton"]


def test_a_village_in_a_region_the_text_names_is_a_place_beside_its_towns() -> None:
    """With no home, a village (Old Fort, 911 people) is a sense of its name in a
    region the text names (the dateline's `N.C.`), and kept beside towns named near
    it; without the region named it is left out, and so is a village far from
    the towns named (Raleigh, 300 km away)."""
    lm = compile_(rule("nc", within=["North Carolina"]))
    detour = ("ASHEVILLE, N.C. — Crews reopened Interstate 40 near Old Fort on Tuesday. Drivers "
              "from Black Mountain and Marion had faced long detours.")
    assert [e.text for e in lm.match(article(detour))["nc"]] == [
        "ASHEVILLE", "Old Fort", "Black Mountain", "Marion"]
    assert "Old Fort" not in places_in(lm, detour.replace("ASHEVILLE, N.C. — ", ""))
    assert "Old Fort" in places_in(lm, "ASHEVILLE, N.C. — Crews reopened the road near Old Fort.")
    assert "Old Fort" not in places_in(lm, "RALEIGH, N.C. — Crews reopened the road near Old Fort.")
    # A county's name that can mean only it names its state too (Naches, 805 people,
    # not Natchez, Mississippi, of which `Naches` is another spelling).
    fire = "Authorities in Yakima County said a wildfire near Naches had grown to 2,000 acres."
    assert places_in(lm, fire)["Naches"] == "Naches, Washington, US"


def test_state_agencies_mountains_and_a_town_named_like_a_country() -> None:
    """`New Hampshire Fish and Game` names the state (an agency, not a person's
    name); `on Mount Washington` is the mountain, not the Kentucky town; `Peru`
    between Kokomo, Indiana and Logansport is the Indiana town."""
    lm = compile_(rule("us", within=["United States"]))
    rescue = ("Two hikers were rescued on Mount Washington, New Hampshire Fish and Game said. "
              "Both were from Portsmouth.")
    assert places_in(lm, rescue) == {"New Hampshire": "New Hampshire, US",
                                     "Portsmouth": "Portsmouth, New Hampshire, US"}
    assert places_in(lm, "A man was shot in Mount Washington, police said.")["Mount Washington"] == (
        "Mount Washington, Kentucky, US")
    career = "She was born in Kokomo, Indiana, and taught for 30 years in Peru and Logansport."
    assert places_in(lm, career)["Peru"] == "Peru, Indiana, US"
    # With no town of Indiana near it (Gary is 150 km away), the country.
    assert places_in(lm, "She was born in Gary, Indiana, and taught for 30 years in Peru.")["Peru"] == "Peru"


def test_with_no_home_three_small_towns_side_by_side_are_places() -> None:
    """No feed home, no town over 15,000 people: three names that are towns of one
    region within 40 km of each other are one place's news (`Casino`, a common
    word, too); two such names may be chance, and stay unplaced."""
    lm = compile_(rule("nsw", within=["New South Wales"]))
    floods = ("Flooding closed roads between Lismore and Casino, and the SES carried out rescues "
              "in Kyogle overnight.")
    assert [e.text for e in lm.match(article(floods))["nsw"]] == ["Lismore", "Casino", "Kyogle"]
    assert places_in(lm, "Flooding closed roads between Lismore and Kyogle overnight.") == {}


def test_a_town_after_a_numbered_road_is_written_as_a_town() -> None:
    """`on U.S. 84 near Post`, `on State Highway 1 near Kaikoura`: after a numbered
    road a name is a town, as `Post police` would be (Post, Texas is a common word
    and Kaikoura a village in GeoNames); without the road they stay unplaced."""
    lm = compile_(rule("tx", within=["Texas"]), rule("nz", within=["New Zealand"]),
                  homes={"aj": "Texas", "press": "Canterbury"})

    def towns(text: str, source: str) -> dict[str, list[str]]:
        return {k: [e.text for e in v] for k, v in lm.match(article(text, source=source)).items()}

    crash = "A Slaton man died in a rollover crash on U.S. 84 near Post, DPS troopers said."
    assert towns(crash, "aj") == {"tx": ["Slaton", "Post"]}
    assert towns(crash.replace("on U.S. 84 ", ""), "aj") == {"tx": ["Slaton"]}
    hurt = "A Rangiora man was hurt in a crash on State Highway 1 near Kaikoura."
    assert towns(hurt, "press") == {"nz": ["Rangiora", "Kaikoura"]}
    assert towns(hurt.replace("on State Highway 1 ", ""), "press") == {"nz": ["Rangiora"]}


def test_a_score_after_a_saint_s_name_and_a_town_s_own_field() -> None:
    """`Wapakoneta beat St. Marys 42-14`: two sides, though the score comes after
    `St.`; `Celina's Tribune Field` writes Celina as a town, so an Ohio paper's
    Celina is Ohio's (10,000 people), not Texas's (64,000)."""
    lm = compile_(rule("oh", within=["Ohio"]), rule("tx", within=["Texas"]), homes={"news": "Ohio"})
    assert labels_in(lm, "Wapakoneta beat St. Marys 42-14 on Friday night.") == []
    # Headline verbs: `tops`, `falls to`, `rolls past` with a score are results too.
    for result in ("Wapakoneta tops St. Marys 35-7", "Celina falls to Coldwater 28-21",
                   "Lima Senior rolls past Bath 56-20"):
        assert labels_in(lm, result) == [], result
    # A fixture at the opponent's: the side is no place, the venue is.
    assert "Tremont" not in places_in(lm, "Tremont will play at Eureka on Saturday.")
    assert labels_in(lm, "Streator and Ottawa meet in Saturday's final.") == []
    assert places_in(lm, "Leaders of Ohio and Texas meet in Dallas.")["Dallas"] == "Dallas, Texas, US"
    game = "The Redskins travel to Celina next week; the game will be played at Celina's Tribune Field."
    assert {k: [e.text for e in v] for k, v in lm.match(article(game, source="news")).items()} == {
        "oh": ["Celina", "Celina"]}


def test_former_names_still_used_in_news() -> None:
    """Calcutta, Burma and Artemivsk are Kolkata, Myanmar and Bakhmut, though
    their old names pass neither as spellings nor as a big city's old name
    (a township in Mpumalanga is called Calcutta)."""
    lm = compile_(rule("asia", within=["India", "Myanmar"]))
    assert places_in(lm, "Floods hit Calcutta and other parts of West Bengal.") == {
        "Calcutta": "Kolkata, West Bengal, IN", "West Bengal": "West Bengal, IN"}
    assert places_in(lm, "The junta in Burma freed 200 prisoners.") == {"Burma": "Myanmar"}
    assert places_in(lm, "Shelling continued around Artemivsk, Ukraine, overnight.")[
        "Artemivsk"] == "Bakhmut, Donetsk, UA"


def test_ukrainian_towns_in_the_national_romanisation() -> None:
    """GeoNames writes small Ukrainian towns in an older romanisation
    (`Mar'yinka`, `Shchastya`, `Kostyantynivka`); news writes `Marinka`,
    `Shchastia`, `Kostiantynivka`. Both are found."""
    lm = compile_(rule("ua", within=["Ukraine"]))
    text = ("Shells hit Marinka and Kostiantynivka in the Donetsk region, and fighting "
            "continued near Shchastia in the Luhansk region.")
    found = places_in(lm, text)
    assert {k: found.get(k) for k in ("Marinka", "Kostiantynivka", "Shchastia")} == {
        "Marinka": "Mar'yinka, Donetsk, UA", "Kostiantynivka": "Kostyantynivka, Donetsk, UA",
        "Shchastia": "Shchastya, Luhansk, UA"}


def test_an_irish_county_council_is_the_county() -> None:
    """`Cork County Council` is County Cork, not the city of Cork; `Cork` alone is the city."""
    lm = compile_(rule("ie", within=["Ireland"]))
    assert places_in(lm, "Cork County Council approved plans for a greenway.") == {
        "Cork County": "County Cork, Munster, IE"}
    assert places_in(lm, "Flooding closed roads in Cork on Monday.") == {"Cork": "Cork, Munster, IE"}


def test_explain_lists_the_places_found_and_why_others_were_not() -> None:
    """`explain` (what `newsmon match --explain` prints for location rules): the
    places found, and each name weighed but unplaced with its reason: a small town
    with no evidence but its name, or two senses too close to call."""
    lm = compile_(rule("tx", within=["Texas"]))
    got = lm.explain(article("Houston police said a crash near Post injured two people."))
    assert got["places"] == [{"text": "Houston", "field": "body", "start": 0,
                              "place": "Houston, Texas, US"}]
    (post,) = got["unplaced"]
    assert post["text"] == "Post" and post["start"] == 33
    assert post["reason"].startswith("Post, Texas, US (5,349 people) needs more evidence")
    valencia = [u for u in lm.explain(article("Crowds gathered in Valencia."))["unplaced"]
                if u["text"] == "Valencia"]
    assert valencia and valencia[0]["reason"].startswith("in doubt between Valencia, ")


def test_a_name_with_or_inside_it() -> None:
    """`Truth or Consequences` is one town's name; `Kharkiv or Izium` still two places."""
    lm = compile_(rule("any", within=["United States"]))
    assert places_in(lm, "Smoke closed the road to Truth or Consequences, New Mexico, on Friday.") == {
        "Truth or Consequences": "Truth or Consequences, New Mexico, US", "New Mexico": "New Mexico, US"}
    assert set(places_in(lm, "Troops may move to Kharkiv or Izium.")) == {"Kharkiv", "Izium"}


def test_a_roll_of_names_is_people() -> None:
    """A team sheet's names are people, though a few are named like towns
    (Murphy, Texas; Hayes; Foley, Alabama); a list whose items are mostly places
    stays a list of places, and so do the clubs in brackets after players."""
    lm = compile_(rule("us", within=["United States"]), rule("uk", within=["United Kingdom"]),
                  rule("ru", within=["Russia"]))
    sheet = ("Ireland: Murphy, Horgan, D'Arcy, Hickie, O'Gara, Stringer, Corrigan, Byrne, Hayes, "
             "O'Kelly, O'Connell, S Easterby, O'Connor, A Foley.")
    assert places_in(lm, sheet) == {"Ireland": "Ireland"}  # the side's name, not the players'
    cities = "It owns breweries in Klin, Ivanovo, Saransk, Kursk, Omsk, Perm and Novocheboksarsk."
    assert set(lm.match(article(cities))) == {"ru"}
    assert len(lm.match(article(cities))["ru"]) == 7
    seats = ("The marginals are Aberdeen South, Dumfriesshire, Dundee East and West, South West "
             "Edinburgh, Ochil, Stirling, East Renfrewshire and Western Isles.")
    assert {"Dundee", "Stirling", "East Renfrewshire"} <= set(places_in(lm, seats))
    squad = ("Wales: M Davies (Gloucester), A Jones (Ospreys), B Cockbain (Ospreys), R Sidoli (Blues), "
             "D Jones (Scarlets), R Preddy (Gloucester), G Warburton (Cardiff).")
    assert set(places_in(lm, squad)) == {"Wales", "Gloucester", "Cardiff"}


def test_small_towns_of_the_home_named_together_vouch_for_each_other() -> None:
    """In a paper's home, small towns (under 15,000) named near each other are
    evidence for each other, as its own papers write them; a county of the home
    written as one, with its town named, is lifted by the home however small.
    Two towns far from a home region are not (a Texas paper's football report
    naming Charlton and Holland, players, is no story about two towns in
    Massachusetts), but a paper at home in the whole country takes them."""
    lm = compile_(rule("ie", within=["Ireland"]), rule("act", within=["Australian Capital Territory"]),
                  rule("nsw", within=["New South Wales"]), rule("co", within=["Colorado"]),
                  rule("me", within=["Maine"]), rule("mt", within=["Montana"]),
                  homes={"examiner": "Ireland", "canberra": "Australian Capital Territory",
                         "post": "Colorado", "star": "Texas", "usa": "United States",
                         "gazette": "Montana"})
    gardai = ("Gardai in Mallow are appealing for witnesses after a car was set alight in Fermoy "
              "overnight. It happened on the road to Mitchelstown.")
    assert [e.text for e in lm.match(article(gardai, source="examiner"))["ie"]] == [
        "Mallow", "Fermoy", "Mitchelstown"]
    # With no home, three small towns of one county side by side are evidence for each
    # other too (`town_cluster`); one alone is not.
    assert [e.text for e in lm.match(article(gardai))["ie"]] == ["Mallow", "Fermoy", "Mitchelstown"]
    assert lm.match(article("Gardai in Mallow are appealing for witnesses.")) == {}
    storm = "Queanbeyan residents must boil their water, while crews cleared fallen trees in Belconnen."
    got = lm.match(article(storm, source="canberra"))
    assert [e.text for e in got["nsw"]] == ["Queanbeyan"] and [e.text for e in got["act"]] == ["Belconnen"]
    avalanche = "A Golden man was killed in an avalanche near Silverton, the San Juan County sheriff said."
    assert [e.text for e in lm.match(article(avalanche, source="post"))["co"]] == [
        "Golden", "Silverton", "San Juan County"]
    # A town of the home with a neighbour named is the home's however big its namesake,
    # unless the name is famous: Columbus, Montana (2,000 people) beside Laurel.
    water = "Laurel and Columbus will share a new water tower, Yellowstone County commissioners said."
    assert [e.text for e in lm.match(article(water, source="gazette"))["mt"]] == [
        "Laurel", "Columbus", "Yellowstone County"]
    fire = "Firefighters from Kennebunk and Kennebunkport fought the blaze for six hours."
    assert lm.match(article(fire, source="star")) == {}
    assert [e.text for e in lm.match(article(fire, source="usa"))["me"]] == ["Kennebunk", "Kennebunkport"]


def test_names_of_companies_sides_and_venues_beside_a_town() -> None:
    """`Boise Cascade` is a company (Cascade, a district of the Seychelles, holds
    no Boise; `Paris Texas` and `Bristol East` stay places); `Ohio State` on its
    own is a university's side, though `Ohio State Highway Patrol` and `Ohio State
    University` name the state; a town's venue after its possessive
    (`Hamilton's Claudelands Arena`) and `X officials` write the name as a town
    (and the arena is in Hamilton's suburb of Claudelands: session 18)."""
    lm = compile_(rule("id", within=["Idaho"]), rule("oh", within=["Ohio"]),
                  rule("nz", within=["New Zealand"]), rule("ok", within=["Oklahoma"]),
                  homes={"statesman": "Idaho", "waikato": "Waikato", "oklahoman": "Oklahoma"})
    assert lm.match(article("Boise Cascade will add 120 jobs, the company said.", source="statesman")) == {}
    assert [e.text for e in lm.match(article("Ohio State will play Michigan in Ann Arbor on Saturday."))
            .get("oh", ())] == []
    assert [e.text for e in lm.match(article("The Ohio State Highway Patrol closed the road."))["oh"]] == [
        "Ohio State"]
    netball = "Hamilton's Claudelands Arena will host the finals, with teams from Tauranga and Rotorua."
    assert [e.text for e in lm.match(article(netball, source="waikato"))["nz"]] == [
        "Hamilton", "Claudelands", "Tauranga", "Rotorua"]
    appeal = "Norman Mayor Larry Heikkila said the city would appeal, and Moore officials planned the same."
    assert [e.text for e in lm.match(article(appeal, source="oklahoman"))["ok"]] == ["Norman", "Moore"]


def test_region_abbreviations_news_writes_on_their_own() -> None:
    """`B.C.`, `P.E.I.`, `NSW` and `Qld` name their region on their own, not only
    after a town; `300 B.C.` is an era, and a year before `U.S.` changes nothing."""
    lm = compile_(rule("bc", within=["British Columbia"]), rule("pei", within=["Prince Edward Island"]),
                  rule("nsw", within=["New South Wales"]), rule("qld", within=["Queensland"]),
                  rule("us", within=["United States"]))
    assert [e.text for e in lm.match(article("The B.C. government launched a plan for buyers."))["bc"]] == [
        "B.C"]
    assert set(lm.match(article("The P.E.I. legislature sat late."))) == {"pei"}
    assert set(lm.match(article("Heavy rain hit regional NSW and Qld on Monday."))) == {"nsw", "qld"}
    assert lm.match(article("The city was founded in 300 B.C. by settlers.")) == {}
    assert set(lm.match(article("He was killed in an August 2015 U.S. drone strike."))) == {"us"}


def test_dishes_people_and_new_england_towns() -> None:
    """`Buffalo wings` and `Boston cream pie` are dishes; a given name that is
    also a frequent word (`Ben`) opening a sentence still makes a person when
    an age or a role follows (`Ben Stowe, a Montpelier teacher`); New England's
    `selectmen` write a name as a town."""
    lm = compile_(rule("us", within=["United States"]), rule("vt", within=["Vermont"]),
                  rule("ma", within=["Massachusetts"]),
                  homes={"free-press": "Vermont", "cape-cod": "Massachusetts"})
    menu = "Buffalo wings and Philly cheesesteaks topped the menu, and guests ate Boston cream pie."
    assert lm.match(article(menu)) == {}
    teacher = "Ben Stowe, a Montpelier teacher, was named teacher of the year. He grew up in Burlington."
    assert [e.text for e in lm.match(article(teacher, source="free-press"))["vt"]] == [
        "Montpelier", "Burlington"]
    erosion = ("Chatham and Orleans selectmen met jointly Tuesday about beach erosion, and Harwich "
               "officials sent a letter of support.")
    # (Harwich, written as a town beside two home towns, since session 14.)
    assert [e.text for e in lm.match(article(erosion, source="cape-cod"))["ma"]] == [
        "Chatham", "Orleans", "Harwich"]


def test_a_long_roll_is_read_once() -> None:
    """A hostile text that is one long comma-separated list is read in one pass:
    a list of places keeps every place, a list of surnames gives none."""
    lm = compile_(rule("fr", within=["France"]))
    places = ", ".join(["Paris", "London", "Berlin", "Madrid", "Rome"] * 400)
    assert len(lm.mentions(article(places))) == 2000
    names = ", ".join(["Murphy", "Horgan", "Hayes", "Foley", "Smith"] * 400)
    assert lm.mentions(article(names)) == []


def test_sides_named_by_their_towns_and_city_councils() -> None:
    """A town's side in a sports report is no place: with its score (`beat Fishers
    3-1`), as the winner of a scored game (`Carmel beat ...`) or after a fixture
    verb (`face Zionsville in the final`). The venue is (`at Noblesville`); a
    country's side still counts as the country. A district named `X City` after
    its town is the town (`Tauranga City Council`)."""
    lm = compile_(rule("in", within=["Indiana"]), rule("world", within=["United Kingdom"]),
                  rule("nz", places=["Tauranga"]), homes={"star": "Indiana", "bop": "Bay of Plenty"})
    prep = ("Carmel beat Fishers 3-1 on Thursday and will face Zionsville in the sectional final "
            "at Noblesville.")
    assert labels_in(lm, prep) == ["Noblesville, Indiana, US"]
    assert [e.text for e in lm.match(article(prep, source="star"))["in"]] == ["Noblesville"]
    # The same towns as places: news of them, not of their sides.
    news = "Carmel and Fishers will share the cost of a new road, and Zionsville officials agreed."
    assert [e.text for e in lm.match(article(news, source="star"))["in"]] == [
        "Carmel", "Fishers", "Zionsville"]
    assert "world" in lm.match(article("Wales beat England 24-10 in Cardiff on Saturday."))
    council = "Tauranga City Council has approved plans for a new stadium."
    assert [e.detail["name"] for e in lm.match(article(council, source="bop"))["nz"]] == ["Tauranga"]


def test_a_town_in_a_named_county_competes_with_the_state_of_its_name() -> None:
    """A region of millions by its own name beats its namesake villages (`Wales`),
    but not a town in a county the text names: `near Nevada, the Story County
    sheriff said` is Nevada, Iowa. Without the county, Nevada is the state."""
    lm = compile_(rule("ia", within=["Iowa"]), homes={"register": "Iowa"})
    chase = ("An Ames man was arrested Tuesday after a chase that began in Boone and ended near "
             "Nevada, the Story County sheriff said.")
    assert places_in(lm, chase)["Nevada"] == "Nevada, Iowa, US"
    assert places_in(lm, "An Ames man moved to Nevada last year.")["Nevada"] == "Nevada, US"


def test_companies_fans_and_regions_by_the_places_in_them() -> None:
    """An airline named after a place is a company (`Alaska Airlines`, `US
    Airways`); a town's fans and the opponent after a score are sides (`Geelong
    fans`, `drew 0-0 with Barnsley`); a region written by its own name is
    supported by the places the text names in it (`from the Yukon` with Dawson
    City is the territory, not Yukon, Oklahoma), but a name that says city
    (`Quebec City`) or is its country's (`Luxembourg`) is not turned into a region."""
    lm = compile_(rule("any", within=["Canada"]))
    assert labels_in(lm, "Shares of Alaska Airlines and US Airways rose on Tuesday.") == []
    assert labels_in(lm, "Sheffield Wednesday drew 0-0 with Barnsley, and Geelong fans sang.") == []
    cabin = ("Jack London's cabin was moved from the Yukon to Oakland decades ago, and Dawson City "
             "keeps a replica for tourists.")
    assert places_in(lm, cabin)["Yukon"] == "Yukon, CA"
    tour = "The tour visits Montreal, Quebec City and Halifax."
    assert places_in(lm, tour)["Quebec City"] == "Québec, Quebec, CA"
    race = "The race ran in Weiswampach, Luxembourg and in Belgium."
    assert places_in(lm, race)["Luxembourg"] == "Luxembourg"


def test_a_resident_from_a_town_is_local_news() -> None:
    """`a man from Enterprise` writes the name as a town, as `an Enterprise man`
    does: in an Alabama paper the common word is Enterprise, Alabama. Not a
    country's people (`a woman from Brazil` is still Brazil)."""
    lm = compile_(rule("al", within=["Alabama"]), homes={"eagle": "Alabama"})
    robbery = ("Dothan police said a man from Enterprise was arrested after a robbery at a gas "
               "station in Ozark.")
    found = [e.text for e in lm.match(article(robbery, source="eagle"))["al"]]
    assert found == ["Dothan", "Enterprise", "Ozark"]
    assert places_in(lm, "A woman from Brazil was hurt in Dothan.")["Brazil"] == "Brazil"


def test_title_case_headlines_and_towns_named_like_big_counties() -> None:
    """A Title Case headline carries no capitals to read, so a name the body
    writes only as the head of a longer name (`the Phoenix Suns`) is that name
    in the headline too. `a Cambridge man` in a Waikato paper is Cambridge, New
    Zealand: the home's lift is bounded by the biggest town of the name, not by
    Cambridge, Western Australia (a county holding Perth's 2 million in GeoNames)."""
    lm = compile_(rule("us", within=["United States"]), rule("nz", within=["New Zealand"]),
                  homes={"times": "Waikato"})
    game = article("Nikola Jokic scored 31 points as the Denver Nuggets beat the Phoenix Suns 118-109.",
                   title="Denver Nuggets Beat Phoenix Suns")
    assert lm.mentions(game) == []
    tour = article("The Suns flew home to Phoenix on Tuesday.", title="Suns Fly Home To Phoenix")
    assert {r.mention.field for r in lm.mentions(tour)} == {"title", "body"}
    crash = article("A Cambridge man has died after a crash on State Highway 1, police said.",
                    title="Cambridge Man Dies In Crash", source="times")
    assert [e.detail["name"] for e in lm.match(crash)["nz"]] == ["Cambridge", "Cambridge"]


def test_a_list_of_counties_names_each_county() -> None:
    """`Travis and Williamson counties` names Travis County and Williamson County,
    though neither is written as one; so do parishes. Williamson alone (a West
    Virginia town) is not read as the Texas county."""
    lm = compile_(rule("tx", within=["Texas"]), rule("la", within=["Louisiana"]))
    flood = ("Flash flooding closed low-water crossings in Travis and Williamson counties, and a "
             "driver was rescued near Georgetown.")
    assert places_in(lm, flood) == {"Travis": "Travis County, Texas, US",
                                    "Williamson": "Williamson County, Texas, US",
                                    "Georgetown": "Georgetown, Texas, US"}
    storm = "Schools in Jefferson and Lafourche parishes were closed."
    assert places_in(lm, storm) == {"Jefferson": "Jefferson Parish, Louisiana, US",
                                    "Lafourche": "Lafourche Parish, Louisiana, US"}


def test_a_famous_name_written_as_a_town_in_its_home_is_the_town() -> None:
    """A famous name is not lifted by the paper's home just for a neighbour named
    near its namesake (London beside Dublin in an Ohio paper stays London), but
    one written as a town is, with a neighbour named or its home region named
    outright: `Berlin police ... a Gorham man` in a New Hampshire paper, `A Paris
    man ... the Tennessee Highway Patrol` in a Tennessee one, `Mexico police ...
    Fulton officers` in a Missouri one."""
    lm = compile_(rule("us", within=["United States"]),
                  homes={"sun": "New Hampshire", "jackson": "Tennessee", "ledger": "Missouri",
                         "dispatch": "Ohio"})
    berlin = article("Berlin police said a Gorham man was charged with drunken driving.", source="sun")
    assert [e.detail["admin1"] for e in lm.match(berlin)["us"]] == ["New Hampshire", "New Hampshire"]
    paris = article("A Paris man was killed in a crash near Milan, the Tennessee Highway Patrol said.",
                    source="jackson")
    assert [e.text for e in lm.match(paris)["us"]] == ["Paris", "Milan", "Tennessee"]
    mexico = article("Mexico police are investigating a break-in, and Fulton officers arrested a suspect.",
                     source="ledger")
    assert [e.text for e in lm.match(mexico)["us"]] == ["Mexico", "Fulton"]
    talks = article("Talks resumed in London and Dublin on Monday.", source="dispatch")
    assert "London" not in [e.text for e in lm.match(talks).get("us", ())]


def test_police_in_a_town_and_borough_councils_write_common_words_as_towns() -> None:
    """`Police in Street` and `Reading Borough Council` write a common word as a
    town, as `Street police` does: in a paper at home in England they are
    Street, Somerset and Reading. `Police in Scotland` is still the country."""
    lm = compile_(rule("gb", within=["United Kingdom"]), homes={"live": "England"})
    appeal = article("Police in Street are appealing for witnesses, and a man from Wells has been "
                     "arrested.", source="live")
    assert [e.text for e in lm.match(appeal)["gb"]] == ["Street", "Wells"]
    council = article("Reading Borough Council has agreed a new parking scheme.", source="live")
    assert [e.text for e in lm.match(council)["gb"]] == ["Reading"]
    # A crew or a lifeboat from a town is based there, as a man from it lives there.
    rescue = article("A lifeboat from Deal rescued two fishermen on Sunday.", source="live")
    assert [e.text for e in lm.match(rescue)["gb"]] == ["Deal"]
    assert places_in(lm, "Police in Scotland said the road was closed.")["Scotland"] == "Scotland, GB"


def test_more_sides_and_roads_named_after_places() -> None:
    """A side's name hides the names inside it (`Kansas City beat Denver 27-24`
    holds no Kansas); a side with its fixture (`Buffalo will host Miami`) or a
    final won (`Kerry beat Dublin in the All-Ireland final`) is no place; a road
    named after a valley is no place (`the Goulburn Valley Highway`), while `the UK
    High Street` is still the UK."""
    lm = compile_(rule("any", within=["United States"]))
    assert labels_in(lm, "Kansas City beat Denver 27-24, and Buffalo will host Miami on Sunday.") == []
    assert labels_in(lm, "Kerry beat Dublin in the All-Ireland final.") == []
    assert labels_in(lm, "A woman was hurt on the Goulburn Valley Highway.") == []
    assert labels_in(lm, "Sales failed to help the UK High Street recover.") == ["United Kingdom"]
