"""Location accuracy, issue 13: one test per error class fixed (short paragraphs
written for the class, not taken from the dev set)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_locations import article, compile_, rule


@pytest.mark.parametrize("text", [
    "The charity asked donors for US$2 million to rebuild the clinic in Gulu.",
    "Tickets cost HK$500 and sold out within an hour.",
    "The fund paid out 4.5 million U.S. dollars to farmers in Malawi.",
])
def test_a_currency_is_not_its_country(text: str) -> None:
    lm = compile_(rule("us", within=["United States"]), rule("hk", within=["Hong Kong"]))
    assert lm.match(article(text)) == {}


def test_a_country_is_still_a_country_next_to_money() -> None:
    lm = compile_(rule("us", within=["United States"]))
    assert set(lm.match(article("The US pledged $40 million to the appeal."))) == {"us"}


def test_an_oxford_comma_list_of_countries_is_no_qualifier() -> None:
    # `China, Japan` followed by `, and`: three countries, not China, a town in Japan.
    lm = compile_(rule("cn", within=["China"]), rule("jp", within=["Japan"]))
    text = "Several governments, among them China, Japan, and Brazil, urged caution."
    assert set(lm.match(article(text))) == {"cn", "jp"}


@pytest.mark.parametrize(("text", "country", "capital"), [
    ("Flights to Mexico resumed after Mexican health officials lifted the alert in "
     "Mexico City.", "Mexico", {"lat": 19.43, "lon": -99.13}),
    ("Coffee growers in Panama worry about a drought that closed lanes on the Panama Canal.",
     "Panama", {"lat": 8.99, "lon": -79.52}),
])
def test_a_country_by_its_own_name_is_not_its_capital(
        text: str, country: str, capital: dict[str, Any]) -> None:
    lm = compile_(rule("country", within=[country]),
                  rule("capital", near=[{**capital, "radius_km": 25}]))
    got = lm.match(article(text))
    assert "country" in got
    assert all(e.text != country for e in got.get("capital", ())), got.get("capital")
