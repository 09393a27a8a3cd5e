"""Places in feed items and world news as short summaries write them: a `Place:`
dateline, a region's people (`Western Australian`), demonyms GeoNames'
countryinfo lacks, `the Old City` of a town, a US state beside a county of it."""

from __future__ import annotations

from tests.test_locations import compile_, places_in, rule


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
