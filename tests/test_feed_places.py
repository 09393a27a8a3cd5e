"""Places in feed items and world news as short summaries write them: a `Place:`
dateline, a region's people (`Western Australian`), demonyms GeoNames'
countryinfo lacks, `the Old City` of a town, a US state beside a county of it."""

from __future__ import annotations

from tests.test_locations import article, compile_, places_in, rule


def test_a_feed_summarys_dateline_is_a_place() -> None:
    """`Atlanta: ...` opens a summary as a dateline: Atlanta is in the list of
    common words (a team, a name), which at a sentence's start was no place."""
    lm = compile_(rule("georgia", within=["Georgia, US"]))
    found = places_in(lm, "Atlanta: a judge in Fulton County set a trial date, and the Georgia "
                          "secretary of state said the election results would stand.")
    assert found["Atlanta"] == "Atlanta, Georgia, US"
    # A county of the state named outright settles `Georgia` (the country shares the name).
    assert found["Georgia"] == "Georgia, US"
    assert places_in(lm, "Tbilisi: thousands rally against the bill in Georgia's capital.")[
        "Georgia"] == "Georgia"
    # A common word as a feed's label is not placed without evidence.
    assert "Reading" not in places_in(lm, "Reading: the best books of the year.")


def test_demonyms_countryinfo_lacks() -> None:
    lm = compile_(rule("world", within=["Argentina", "Kazakhstan"]))
    assert places_in(lm, "Wildfires forced 2,000 people from the Argentine province's hills.")[
        "Argentine"] == "Argentina"
    assert places_in(lm, "Kazakh police said the border was closed.")["Kazakh"] == "Kazakhstan"
    assert places_in(lm, "The Filipinos protested.")["Filipinos"] == "Philippines"


def test_a_regions_people_name_the_region() -> None:
    """`Western Australian`, `Nova Scotian`: a region's name of two words or more
    ending in -ia, plus n (not `Victorian`, `Georgian`)."""
    lm = compile_(rule("wa", within=["Western Australia", "Nova Scotia"]))
    assert places_in(lm, "A bushfire east of the Western Australian capital destroyed 71 homes.") == {
        "Western Australian": "Western Australia, AU"}
    assert places_in(lm, "A Nova Scotian man was charged.") == {"Nova Scotian": "Nova Scotia, CA"}
    assert places_in(lm, "The Victorian government said.") == {}


def test_the_old_city_is_a_towns_quarter() -> None:
    """GeoNames' `Old City` is in the West Bank: `the Old City` of Hyderabad is not."""
    lm = compile_(rule("india", within=["India", "Palestinian Territory"]))
    found = places_in(lm, "Police in Hyderabad arrested 12 people after communal clashes in the Old "
                          "City, and Telangana's chief minister appealed for calm.")
    assert "Old City" not in found
    assert found["Hyderabad"] == "Hyderabad, Telangana, IN"


def test_a_town_that_speaks_is_a_company_or_a_person() -> None:
    """`Halifax said house prices rose`, `Hermes said it would open`: a bank, a
    company; its other uses in the story too. A capital or a country speaks for
    its government, and `Police in Durban said` is the town."""
    lm = compile_(rule("world", within=["United Kingdom", "France", "South Africa", "Turkey"]))
    assert "Halifax" not in places_in(lm, "The most recent surveys from Nationwide and Halifax showed "
                                          "a revival. Halifax said house prices rose 2% in London.")
    found = places_in(lm, "PARIS (Reuters) - LVMH bought a Champagne house in Reims, and Hermes said "
                          "it would open a leather workshop near Rouen.")
    assert "Hermes" not in found and found["Rouen"] == "Rouen, Normandy, FR"
    assert places_in(lm, "Ankara said the talks would resume.")["Ankara"] == "Ankara, Ankara, TR"
    assert places_in(lm, "Police in Durban said two men were arrested.")["Durban"] == (
        "Durban, KwaZulu-Natal, ZA")
    # The company's town, written as one, is still the town.
    lm_fi = compile_(rule("finland", within=["Finland"]))
    found = places_in(lm_fi, "HELSINKI (Reuters) - Nokia said it would cut 14,000 jobs, and the town "
                             "of Nokia, where the company began as a paper mill, feared for its factory.")
    assert found["Nokia"] == "Nokia, Pirkanmaa, FI"
    assert "Nokia" not in places_in(lm_fi, "HELSINKI (Reuters) - Nokia said it would cut 14,000 jobs.")
    # `Residents of Black Mountain and Weaverville said`: a list, not a subject.
    assert places_in(lm, "Swansea council approved 300 homes near Gorseinon. Residents of "
                         "Pontarddulais and Llanelli said the roads could not cope.")[
        "Llanelli"] == "Llanelli, Wales, GB"


def test_a_delta_is_a_river_not_the_country() -> None:
    lm = compile_(rule("west-africa", within=["Niger", "Nigeria"]))
    found = places_in(lm, "Shell will sell its stake in Nigerian onshore oilfields in the Niger Delta.")
    assert found == {"Nigerian": "Nigeria"}


def test_a_wires_bare_dateline_is_the_best_known_town() -> None:
    """A wire qualifies every dateline but the best known town of its name
    (`GENEVA, Ill. (AP)`): `GENEVA (Reuters)` is Switzerland's, though the story
    names two US states; with a home configured, the home decides as before."""
    lm = compile_(rule("who", within=["Switzerland"]))
    found = places_in(lm, "GENEVA (Reuters) - The World Health Organization said a bird flu "
                          "outbreak had spread to Colorado and Michigan.")
    assert found["GENEVA"] == "Geneva, Geneva, CH"
    found = places_in(lm, "HALIFAX (CP) — A Dartmouth man has been charged with arson after a "
                          "fire in Bedford, police said. Investigators from Truro assisted.")
    assert found["Bedford"] == "Bedford, Nova Scotia, CA"
    assert found["HALIFAX"] == "Halifax, Nova Scotia, CA"


def test_frances_regions_by_their_current_names() -> None:
    """The package data names France's 2016 regions by one of the old ones each
    (`Lorraine` for Grand Est, `Haute-Normandie` for Normandy): news and rules
    write the current names, and the old ones still name the region that holds them."""
    lm = compile_(rule("normandy", within=["Normandy"]), rule("grand-est", within=["Grand Est"]))
    got = lm.match(article("Farmers blocked the ring road around Rouen on Monday."))
    assert set(got) == {"normandy"}
    assert "grand-est" in lm.match(article("Floods hit villages in Alsace."))
    found = places_in(lm, "Fires near Bordeaux in Nouvelle-Aquitaine; protests in Occitanie.")
    assert found == {"Bordeaux": "Bordeaux, Nouvelle-Aquitaine, FR",
                     "Nouvelle-Aquitaine": "Nouvelle-Aquitaine, FR", "Occitanie": "Occitanie, FR"}
    # Normandy the region, not the Missouri town of that name.
    assert places_in(lm, "He was wounded in Normandy in 1944.") == {"Normandy": "Normandy, FR"}


def test_european_regions_by_their_english_news_names() -> None:
    """The package data writes `Rheinland-Pfalz`, `Baden-Wuerttemberg`, `Castille
    and Leon`, `Grisons`: rules and news write `Rhineland-Palatinate`,
    `Baden-Württemberg`, `Castilla y León` or `Castile and León`, `Graubünden`."""
    lm = compile_(rule("rlp", within=["Rhineland-Palatinate"]), rule("bw", within=["Baden-Württemberg"]),
                  rule("cyl", within=["Castile and León"]), rule("gr", within=["Graubünden"]))
    got = lm.match(article("A boy planted a nail bomb at the Christmas market in Ludwigshafen, "
                           "in the state of Rhineland-Palatinate."))
    assert set(got) == {"rlp"}
    assert set(lm.match(article("Floods hit Offenburg and Freiburg on Sunday."))) == {"bw"}
    assert places_in(lm, "Wildfires burned across Castilla y León.")["Castilla y León"] == (
        "Castilla y León, ES")
    assert set(lm.match(article("Avalanches closed roads near Davos in the Grisons."))) == {"gr"}


def test_kenyas_counties_by_their_names() -> None:
    """The package data names some of Kenya's 47 counties by an old district
    (`Nyamira District`, `Marakwet District`) or a neighbour (Bomet County is
    `Kericho`); news writes `Nyamira County`, `Elgeyo-Marakwet`, `Bomet County`.
    `Murang'a County` is one name though an apostrophe splits its first word."""
    lm = compile_(rule("kenya", within=["Kenya"]))
    assert places_in(lm, "Floods hit Nyamira County and Elgeyo-Marakwet county, and the Tharaka-Nithi "
                         "governor said.") == {
        "Nyamira County": "Nyamira, KE", "Elgeyo-Marakwet county": "Elgeyo-Marakwet, KE",
        "Tharaka-Nithi": "Tharaka-Nithi, KE"}
    assert places_in(lm, "Protests spread to Murang'a County and Bomet County.") == {
        "Murang'a County": "Murang'a, KE", "Bomet County": "Bomet, KE"}


def test_a_name_with_a_possessive() -> None:
    """`St. John's` is Newfoundland's capital; `St. John's University` a school in
    New York, `St Mary's` Southampton's ground (a hamlet's name too)."""
    lm = compile_(rule("canada", within=["Canada"]))
    assert places_in(lm, "Fog closed the airport in St. John's on Monday.") == {
        "St. John's": "St. John's, Newfoundland and Labrador, CA"}
    assert "St. John's" not in places_in(lm, "He graduated from St. John's University in New York.")
    assert places_in(lm, "Strachan left St Mary's in February.") == {}


def test_a_department_is_a_region_and_the_rio_a_river() -> None:
    """Paraguay's, Colombia's and Bolivia's first-level regions are departments:
    `Concepcion department` is the region, not its capital. `The Rio Negro fell`
    is the river, not a Brazilian town of that name."""
    lm = compile_(rule("south-america", within=["Paraguay", "Brazil"]))
    assert places_in(lm, "Ports in Concepcion department, north of Asuncion, were closed.")[
        "Concepcion department"] == "Concepcion, PY"
    found = places_in(lm, "The Rio Negro fell to its lowest level in 120 years at the port of Manaus.")
    assert "Rio Negro" not in found and found["Manaus"] == "Manaus, Amazonas, BR"
    # So is a sea: Egypt's and Sudan's Red Sea governorates are named after it.
    lm_sea = compile_(rule("red-sea", within=["Egypt", "Sudan"]))
    assert places_in(lm_sea, "Ships avoided the Red Sea after attacks, cutting revenue at Port Said.") == {
        "Port Said": "Port Said, Muhafazat Bur Sa`id, EG"}
    assert places_in(lm_sea, "Floods hit Red Sea state in Sudan.")["Red Sea state"] == "Red Sea, SD"


def test_an_island_is_no_country_and_a_town_on_one_is_the_town() -> None:
    """Iceland's native name `Ísland` is an English word: `New Zealand's North
    Island` is no Iceland, nor `a deal with Island` (the record label). `Sanibel
    Island` is the town of Sanibel, with its county named."""
    lm = compile_(rule("world", within=["Iceland", "New Zealand", "United States"]))
    assert places_in(lm, "Floods hit New Zealand's North Island.") == {"New Zealand": "New Zealand"}
    assert places_in(lm, "Iceland's volcano erupted again.") == {"Iceland": "Iceland"}
    found = places_in(lm, "Hurricane Ian washed out the causeway to Sanibel Island, and Lee County "
                          "officials said 50 people had died.")
    assert found["Sanibel"] == "Sanibel, Florida, US"


def test_sports_copy_people_venues_and_demonyms() -> None:
    """`Prince Albert` is a prince without local evidence (Saskatchewan's town with
    it); a stadium or arena named after a place is in it (`Lusail Stadium`); a
    Spaniard, two Britons and a Swede name their countries."""
    lm = compile_(rule("world", within=["Canada", "Qatar", "Spain", "United Kingdom", "Sweden"]))
    assert "Prince Albert" not in places_in(
        lm, "Leclerc was congratulated by Prince Albert. The next race is in Montreal.")
    assert places_in(lm, "Prince Albert police said the man was from Saskatoon.")[
        "Prince Albert"] == "Prince Albert, Saskatchewan, CA"
    assert places_in(lm, "Argentina beat France at Lusail Stadium.")["Lusail"] == "Lusail, QA"
    assert places_in(lm, "The Spaniard beat two Britons and a Swede.") == {
        "Spaniard": "Spain", "Britons": "United Kingdom", "Swede": "Sweden"}


def test_the_uk_nations_people() -> None:
    """`Welsh` names Wales (countryinfo lists it); `Scottish`, `Scots` and `Northern
    Irish` name theirs too. `English` does not: the language is written far more."""
    lm = compile_(rule("uk", within=["United Kingdom"]))
    assert places_in(lm, "The Scottish government said rail lines to Inverness were closed.")[
        "Scottish"] == "Scotland, GB"
    assert places_in(lm, "The Northern Irish assembly met.") == {"Northern Irish": "Northern Ireland, GB"}
    assert places_in(lm, "She spoke English at home.") == {}
