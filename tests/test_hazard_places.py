"""Places in hazard feeds, travel advice and shipping news (session 19's batches
70-72): a town placed by `in <country>`, hyphenated names with a lower-case word
inside, a village in a county the text writes out, ships and waters named after
places, a railway named after one, and a town's name without its river."""

from __future__ import annotations

from tests.test_locations import article, compile_, places_in, rule


def test_in_a_country_places_a_small_town() -> None:
    """`X in <country or region>` narrows X as `X, <country>` does, where X has a
    sense there; a small town then needs no other evidence."""
    lm = compile_(rule("europe", within=["Czechia", "Belgium"]))
    found = places_in(lm, "Storm Boris brought floods to Nysa in Poland and Jesenik in the "
                          "Czech Republic.")
    assert found["Jesenik"] == "Jeseník, Olomoucky, CZ"
    assert found["Nysa"] == "Nysa, Opole Voivodeship, PL"
    assert places_in(lm, "Crowds at Spa in Belgium cheered the drivers.")["Spa"] == "Spa, Wallonia, BE"
    # Without it, the small town is in doubt: left out.
    assert "Jesenik" not in places_in(lm, "Storm Boris brought floods to Jesenik on Sunday.")


def test_in_a_country_is_no_qualifier_where_the_name_has_no_sense() -> None:
    """`Suez in Argentina` is the French company (a BBC story: a first version of
    the rule placed it in Egypt); `Armenia in Russia` the country."""
    lm = compile_(rule("world", within=["Egypt", "Armenia"]))
    found = places_in(lm, "Water firm Suez in Argentina row A conflict between the Argentine State "
                          "and water firm Aguas Argentinas, controlled by France's Suez, is casting "
                          "doubt on the firm's future.")
    assert "Suez" not in found and found["Argentina"] == "Argentina"
    assert places_in(lm, "Talks with Armenia in Russia failed on Monday.")["Armenia"] == "Armenia"


def test_hyphenated_names_with_a_lower_case_word() -> None:
    lm = compile_(rule("haiti", within=["Haiti"]))
    found = places_in(lm, "Do not travel to the Haitian capital, Port-au-Prince, or to the "
                          "Artibonite department.")
    assert found["Port-au-Prince"] == "Port-au-Prince, Ouest, HT"
    assert found["Artibonite department"] == "Artibonite, HT"
    assert set(places_in(lm, "A well-to-do family moved to Paris.")) == {"Paris"}


def test_a_village_in_a_county_the_text_names() -> None:
    """A village (500-999 people) is weighed in a county the text writes as one,
    though no home region is set: Cohasset, California (847 people), not
    Massachusetts' (7,388)."""
    lm = compile_(rule("norcal", within=["California"]))
    found = places_in(lm, "The Park Fire in Butte County has burned 400,000 acres. Evacuation "
                          "orders remain in place for Cohasset and Forest Ranch.")
    assert found["Cohasset"] == "Cohasset, California, US"
    assert found["Butte County"] == "Butte County, California, US"
    # No county written: the village is no sense, and the Massachusetts town
    # needs evidence it lacks.
    assert "Cohasset" not in places_in(lm, "Evacuation orders remain in place for Cohasset.")


def test_a_ship_named_after_a_place_is_the_ship() -> None:
    lm = compile_(rule("ports", within=["United States", "Russia", "India"]))
    found = places_in(lm, "BALTIMORE (AP) — The bridge collapsed after the container ship Dali "
                          "lost power. The Dali's crew stayed aboard.")
    assert set(found) == {"BALTIMORE"}
    assert "Kursk" not in places_in(lm, "The firm lifted the sunken Russian submarine Kursk.")
    # A demonym after such a word is still the country: `flag carrier Indian Airlines`.
    assert places_in(lm, "The tanker was Indian-owned; a vessel Indian officials "
                         "boarded.")["Indian"] == "India"


def test_a_water_named_after_a_land_is_not_the_land() -> None:
    lm = compile_(rule("gulf", within=["Oman", "Mexico"]))
    found = places_in(lm, "Iran seized a tanker in the Gulf of Oman off Sohar.")
    assert "Oman" not in found and found["Sohar"] == "Sohar, Al Batinah, OM"
    assert "Mexico" not in places_in(lm, "BP made discoveries in Egypt, the Gulf of Mexico and Angola.")
    assert places_in(lm, "Rain flooded the Bay of Plenty.")["Bay of Plenty"] == "Bay of Plenty, NZ"


def test_a_railway_named_after_a_place() -> None:
    """`Norfolk Southern` is the railway; a school of the place is in it."""
    lm = compile_(rule("east", within=["United States", "United Kingdom"]))
    found = places_in(lm, "A Norfolk Southern freight train derailed near East Palestine, Ohio.")
    assert "Norfolk" not in found and found["East Palestine"] == "East Palestine, Ohio, US"
    assert places_in(lm, "He was educated at Portsmouth Northern Secondary School.")[
        "Portsmouth"] == "Portsmouth, England, GB"


def test_a_town_without_its_river() -> None:
    """`Newark` is also Newark on Trent (New Jersey's stays the bigger sense);
    `Stoke` does not become Stoke-on-Trent over New Zealand's Stoke of 20,000."""
    lm = compile_(rule("uk", within=["United Kingdom", "New Zealand"]))
    found = places_in(lm, "Fuel ran short in Lincolnshire after tanker drivers at the Immingham "
                          "and Grangemouth depots walked out, and lorries were stacked near Newark.")
    assert found["Newark"] == "Newark on Trent, England, GB"
    assert places_in(lm, "Flights from Newark were delayed by the storm in New Jersey.")[
        "Newark"] == "Newark, New Jersey, US"
    found = places_in(lm, "A Motueka man has been charged after a crash in Stoke. Police said a "
                          "woman from Richmond was taken to hospital in Nelson.")
    assert found["Stoke"] == "Stoke, Nelson, NZ" and found["Nelson"] == "Nelson, Nelson, NZ"


def test_every_item_of_a_list_of_areas_is_an_area() -> None:
    """`Taiz, Ibb and Al Hudaydah governorates`: the governorates, not the cities;
    `Jonglei and Unity states`: Unity, a common word, is South Sudan's state there.
    Alone before a plural (`Gulf states`), a common word stays a word."""
    lm = compile_(rule("sitreps", within=["Yemen", "South Sudan"]))
    found = places_in(lm, "Suspected cholera cases were reported in Taiz, Ibb and Al Hudaydah "
                          "governorates.")
    assert found["Taiz"] == "Ta'izz, YE" and found["Ibb"] == "Ibb, YE"
    assert places_in(lm, "Flooding in Jonglei and Unity states has affected 300,000 people.")[
        "Unity"] == "Unity, SS"
    assert "Gulf" not in places_in(lm, "India wants to reduce its dependence on Gulf states for oil.")


def test_a_river_bank_and_a_town_written_as_one() -> None:
    """`the right bank of the Dnipro` is the river; `Herat city` is the city though
    the title names the province; `Queensland town` and `the Fife town of
    Kirkcaldy` are adjectives, not towns named Queensland or Fife."""
    lm = compile_(rule("sitreps", within=["Ukraine", "Afghanistan"]))
    found = places_in(lm, "Shelling of Kherson city and of villages along the right bank of "
                          "the Dnipro killed four civilians in Ukraine.")
    assert "Dnipro" not in found and found["Kherson"] == "Kherson, Kherson, UA"
    found = {r.mention.text: lm._gaz.label(r.place) for r in lm.mentions(article(
        "A magnitude 6.3 earthquake struck 40 km north-west of Herat city on 7 October.",
        title="Afghanistan: Earthquake in Herat Province"))}
    assert found["Herat"] == "Herāt, Herat, AF" and found["Herat Province"] == "Herat, AF"
    assert places_in(lm, "Youth crime making Queensland town 'hell'.")["Queensland"] == "Queensland, AU"
    assert places_in(lm, "He was born in the small Fife town of Kirkcaldy.")[
        "Fife"] == "Fife, Scotland, GB"


def test_a_town_without_a_county_in_a_named_county() -> None:
    """GeoNames gives Waterloo, Nebraska no county: Douglas County, named, 12 km
    away in its state, stands in (Iowa's Waterloo is 65 times bigger)."""
    lm = compile_(rule("omaha", within=["Nebraska"]), homes={"test": "Nebraska"})
    found = places_in(lm, "Flooding along the Elkhorn River closed roads near Waterloo, and "
                          "Douglas County declared an emergency on Sunday.")
    assert found["Waterloo"] == "Waterloo, Nebraska, US"
    assert found["Douglas County"] == "Douglas County, Nebraska, US"


def test_a_towns_water_system_writes_it_as_a_town() -> None:
    """`Jackson's water system` opening a sentence: the capital, not a surname."""
    lm = compile_(rule("jackson", within=["Mississippi"]), homes={"test": "Mississippi"})
    found = places_in(lm, "Jackson's water system failed again after the storms, and residents "
                          "of Ridgeland and Pearl were asked to conserve water.")
    assert found["Jackson"] == "Jackson, Mississippi, US"


def test_departments_and_provinces_by_their_bare_names() -> None:
    """GeoNames writes `Departement de la Gironde`, `Provincia di Cosenza`: a rule
    may say `Gironde`, and a text's bare `Gironde` is the department where the
    text places it (Bordeaux nearby) or a rule names it."""
    lm = compile_(rule("sw-france", within=["Gironde"]))
    assert lm.match(article("Wildfires in Gironde forced 10,000 people from their homes."))
    found = places_in(lm, "Wildfires in Gironde forced 10,000 people from their homes near Bordeaux.")
    assert found["Gironde"] == "Departement de la Gironde, Nouvelle-Aquitaine, FR"
    compile_(rule("alsace", within=["Bas-Rhin"]), rule("calabria", within=["Cosenza"]))
    # The town keeps its name: `Cosenza` in a text is still the city.
    lm = compile_(rule("italy", within=["Italy"]))
    assert places_in(lm, "Police in Cosenza, Italy, arrested two men.")["Cosenza"] == (
        "Cosenza, Calabria, IT")


def test_a_common_word_listed_with_a_town() -> None:
    """`Orange and Parkes` in a New South Wales paper: Orange, a common word, is
    written as a town beside Parkes; a colour listed with no place stays a word."""
    lm = compile_(rule("nsw", within=["New South Wales"]), homes={"test": "New South Wales"})
    found = places_in(lm, "Dubbo's hospital will get a new cancer centre, and Orange and Parkes "
                          "will share a new ambulance station.")
    assert found["Orange"] == "Orange, New South Wales, AU"
    assert "Orange" not in places_in(lm, "Dubbo's rugby side will wear Orange and Black this year.")


def test_the_province_of_a_name_filed_a_level_down() -> None:
    """Spain's and Italy's provinces are GeoNames' second level: `the province of
    Albacete` is the province (no first-level region has the name), bare
    `Albacete` the town."""
    lm = compile_(rule("spain", within=["Spain"]))
    found = places_in(lm, "A second storm hit Letur in the province of Albacete, Spain.")
    assert found["Albacete"] == "Provincia de Albacete, Castilla-La Mancha, ES"
    assert places_in(lm, "Police in Albacete, Spain, arrested two men.")["Albacete"] == (
        "Albacete, Castilla-La Mancha, ES")
