"""Places in hazard feeds and travel advice (session 19's batches 70-71): a town
placed by `in <country>`, hyphenated names with a lower-case word inside, and a
village in a county the text writes out."""

from __future__ import annotations

from tests.test_locations import compile_, places_in, rule


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
