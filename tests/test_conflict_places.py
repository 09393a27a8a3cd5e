"""Places of conflict reporting written as wire copy writes them, not as GeoNames
spells them: Arabic names with `al-`/`el-` or no article, `North Darfur` for
`Northern Darfur`, `Sagaing region`, AP's bare `Congo`, `Somali` the people."""

from __future__ import annotations

from monitor.geo.spellings import arabic_names
from tests.test_locations import compile_, places_in, rule


def test_arabic_names_take_al_el_and_no_article() -> None:
    """Spellings compared without the article; `al`/`el` swapped; bare forms only
    when GeoNames writes the name without its article too, and not short ones."""
    names = arabic_names("Al Ḩudaydah", ["El-Hodeidah", "Hudaydah", "Hodeida", "HOD"])
    assert {"El-Hodeidah", "Al-Hodeidah", "Hodeidah", "Hudaydah", "El Ḩudaydah"} <= names
    assert "Hodeida" not in names and "HOD" not in names  # unlike, and a code
    assert "Deir al-Balah" in arabic_names("Dayr al Balaḩ", ["Deir el-Balah"])
    # No bare alternate: the article stays (`Bab el-Oued` is no El Oued).
    assert arabic_names("El Oued", ["El Qued"]) == {"El Oued", "Al Oued", "El Qued", "Al Qued"}


def test_wire_spellings_of_arabic_places() -> None:
    lm = compile_(rule("mideast", within=["Yemen", "Palestinian Territory"]))
    assert places_in(lm, "Houthi forces launched drones at ships off the port of Hodeidah, "
                         "Yemen's government said.")["Hodeidah"] == (
        "Al Ḩudaydah, Muhafazat al Hudaydah, YE")
    assert places_in(lm, "Israeli strikes on Khan Younis and Deir al-Balah killed 30 people.")[
        "Deir al-Balah"] == "Dayr al Balaḩ, Gaza Strip, PS"
    assert "Oued" not in str(places_in(lm, "He was treated in Bab el-Oued hospital in Algiers."))


def test_regions_as_news_names_them() -> None:
    """`North Darfur` is GeoNames' `Northern Darfur`; `Sagaing region` its `Sagain`."""
    lm = compile_(rule("east-africa", within=["Sudan", "Myanmar"]))
    found = places_in(lm, "Shelling hit a camp outside El Fasher, the capital of North Darfur. "
                          "Sudan's army said it repelled the attack.")
    assert found["North Darfur"] == "Northern Darfur, SD"
    assert found["El Fasher"] == "El Fasher, Northern Darfur, SD"
    found = places_in(lm, "Myanmar's junta bombed a village in Sagaing region, a rebel spokesman said.")
    assert found["Sagaing region"] == "Sagain, MM"


def test_somali_is_somalia_and_somali_region_ethiopia() -> None:
    lm = compile_(rule("horn", within=["Somalia", "Ethiopia"]))
    assert places_in(lm, "MOGADISHU, Somalia (AP) — Somali police said the siege had ended.")[
        "Somali"] == "Somalia"
    assert places_in(lm, "Drought struck Ethiopia's Somali region, the United Nations said.")[
        "Somali region"] == "Somali, ET"


def test_congo_is_the_one_the_text_says() -> None:
    """AP writes the larger Congo bare; a text that names the Republic of Congo
    in full means it by `Congo` too."""
    lm = compile_(rule("congo", within=["Democratic Republic of the Congo", "Republic of the Congo"]))
    found = places_in(lm, "GOMA, Congo (AP) — M23 rebels seized the town of Sake, west of Goma, "
                          "the capital of North Kivu.")
    assert found["Congo"] == "Democratic Republic of the Congo"
    found = places_in(lm, "Nine people have died from Ebola in the Republic of Congo this month. "
                          "The government of Congo has announced a quarantine.")
    assert found["Congo"] == "Republic of the Congo"


def test_the_arabic_article_inside_a_name() -> None:
    """`ez`, `es` join a name as `al` and `el` do (`Deir ez-Zor`, `Dar es Salaam`);
    `Ed` does not: `Ed Kalman` is a man, not Cullman, Alabama."""
    lm = compile_(rule("levant", within=["Syria", "Tanzania"]))
    assert places_in(lm, "U.S. troops carried out a raid near Deir ez-Zor, the army said.")[
        "Deir ez-Zor"] == "Deir ez-Zor, Deir ez-Zor, SY"
    assert places_in(lm, "Flights to Dar es Salaam resumed.")["Dar es Salaam"].startswith("Dar es Salaam")
    assert "Kalman" not in places_in(lm, "Leeds have brought in Newcastle prop Ed Kalman on loan.")


def test_palestinian_and_philippine_provinces() -> None:
    """countryinfo has no demonym for the Palestinian territories; GeoNames names the
    Philippines' provinces `Province of X`, which news writes `X province`."""
    lm = compile_(rule("asia", within=["Palestinian Territory", "Philippines"]))
    assert places_in(lm, "Israeli troops raided Jenin overnight, Palestinian officials said.")[
        "Palestinian"] == "Palestinian Territory"
    found = places_in(lm, "Soldiers clashed with militants in Lanao del Sur province, the "
                          "Philippine military said.")
    assert found["Lanao del Sur province"] == (
        "Province of Lanao del Sur, Autonomous Region in Muslim Mindanao, PH")


def test_regions_that_geonames_keeps_in_a_local_form() -> None:
    """`Zhejiang Sheng`, `Xinjiang Uygur Zizhiqu`, `Tibet Autonomous Region`,
    `Respublika Buryatiya`, `Krasnodarskiy`, `Oromiya`, `Geghark'unik'i Marz`,
    `North-West Province`: news writes the English name, with or without a region word."""
    lm = compile_(rule("watch", within=["China", "Russia", "Ethiopia", "Armenia", "Cameroon"]))
    found = places_in(lm, "Exports from Zhejiang rose, while Xinjiang and Tibet stayed closed.")
    assert found == {"Zhejiang": "Zhejiang Sheng, CN", "Xinjiang": "Xinjiang Uygur Zizhiqu, CN",
                     "Tibet": "Tibet Autonomous Region, CN"}
    found = places_in(lm, "Drones struck a refinery in the Krasnodar region, and floods hit "
                          "Buryatia, Russian officials said.")
    assert (found["Krasnodar region"], found["Buryatia"]) == (
        "Krasnodarskiy, RU", "Respublika Buryatiya, RU")
    assert places_in(lm, "Clashes were reported in the Oromia region, Ethiopian officials said.")[
        "Oromia region"] == "Oromiya, ET"
    assert places_in(lm, "Shots were fired near a village in Armenia's Gegharkunik province.")[
        "Gegharkunik province"] == "Geghark'unik'i Marz, AM"
    found = places_in(lm, "Separatists in Cameroon's Northwest region burned a school.")
    assert found["Northwest region"] == "North-West Province, CM"
    # A bare compass point stays England's region's, not Cameroon's province.
    assert "South West" not in places_in(lm, "Heavy rain swept across the South West of England.")


def test_polish_voivodeships_by_their_english_names() -> None:
    """`Lower Silesian Voivodeship` is `Lower Silesia`; `Lublin Voivodeship` the
    `Lublin province`. A region's English name lends it none of its capital's
    other names: `Vladimir Girin` stays a man (`Girin` is a name of Jilin city)."""
    lm = compile_(rule("east", within=["Poland", "Russia", "China"]))
    found = places_in(lm, "Floods hit towns in Lower Silesia, and a missile fell near the "
                          "border in the Lublin province, Polish officials said.")
    assert (found["Lower Silesia"], found["Lublin province"]) == (
        "Lower Silesian Voivodeship, PL", "Lublin Voivodeship, PL")
    assert "Vladimir" not in places_in(lm, "One of the young Russian stars, Vladimir Girin, "
                                           "drowned in a lake.")


def test_demonyms_countryinfo_lacks_and_portuguese_names() -> None:
    """`Philippine officials`, `the Saudi crown prince` name their countries; `do`
    joins a Portuguese name as `de` does (`Rio Grande do Sul` is the state, not the
    city of Rio Grande inside it)."""
    lm = compile_(rule("world", within=["Philippines", "Saudi Arabia", "Brazil"]))
    assert places_in(lm, "Aid had yet to reach the towns, Philippine officials said.") == {
        "Philippine": "Philippines"}
    assert places_in(lm, "The Saudi crown prince met the envoy.") == {"Saudi": "Saudi Arabia"}
    assert places_in(lm, "Floods in Rio Grande do Sul state killed 100 people.") == {
        "Rio Grande do Sul state": "Rio Grande do Sul, BR"}


def test_a_country_is_not_in_doubt_with_its_namesake_city() -> None:
    """A country alone in a text was scored as if it took its own vote out of
    the regions the text names (it has none): `Armenia` tied with Armenia,
    Colombia (300,000 people) and was left out as in doubt."""
    lm = compile_(rule("caucasus", within=["Armenia"]))
    assert places_in(lm, "Shelling hit a village in Armenia.") == {"Armenia": "Armenia"}


def test_new_delhi_is_the_capital_not_delhi() -> None:
    """GeoNames gives Delhi (11 million) the alternate name `New Delhi`; the town
    of that name next to it is meant, and in a story about Nepal it was even
    dropped as `Delhi known by another name` (a person or a word)."""
    lm = compile_(rule("south-asia", within=["India", "Nepal"]))
    found = places_in(lm, "KATHMANDU, Nepal (AP) — An earthquake in western Nepal killed at "
                          "least 150 people, and tremors were felt as far away as New Delhi.")
    assert found["New Delhi"] == "New Delhi, NCT, IN"
    assert places_in(lm, "Riots broke out in Delhi.")["Delhi"] == "Delhi, NCT, IN"


def test_the_town_of_x_is_the_town() -> None:
    """`the town of Tillaberi` is the town, not its region of ten times its
    people; `the village of Sotk` a village, though no feed's home is Armenia."""
    lm = compile_(rule("sahel", within=["Niger", "Armenia"]))
    assert places_in(lm, "Gunmen attacked the town of Tillaberi in western Niger.")[
        "Tillaberi"] == "Tillabéri, Tillaberi, NE"
    assert places_in(lm, "Gunmen attacked Tillaberi, in western Niger.")[
        "Tillaberi"] == "Tillaberi, NE"  # bare: the region, as before
    assert places_in(lm, "Azerbaijani forces shelled positions near the village of Sotk "
                         "in eastern Armenia.")["Sotk"] == "Sotk, Geghark'unik'i Marz, AM"


def test_the_x_river_is_the_river_not_its_county() -> None:
    """Kenya's Tana River county is named after the river; `the Tana River burst
    its banks` is the river. A small town written as one (`the town of Garsen`)
    in a story that names its country is placed."""
    lm = compile_(rule("kenya", within=["Kenya"]))
    found = places_in(lm, "NAIROBI, Kenya (AP) — Flash floods swept away a bus near Garissa, and the "
                          "Tana River burst its banks near the town of Garsen, the Kenya Red Cross said.")
    assert "Tana River" not in found
    assert found["Garsen"] == "Garsen, Tana River, KE"
    assert places_in(lm, "Aid reached Tana River county on Monday.")["Tana River county"] == (
        "Tana River, KE")
    # Without `the town of`, a town of 7,000 needs its county or a place near it named.
    assert "Garsen" not in places_in(lm, "Floods hit Garsen, the Kenya Red Cross said.")


def test_an_arabic_governorate_by_its_towns_name() -> None:
    """GeoNames names Yemen's and Iraq's governorates `Muhafazat al Hudaydah`,
    `Muhafazat Kirkuk` (`governorate of`): news writes `Hodeidah province`."""
    lm = compile_(rule("mideast", within=["Yemen", "Iraq"]))
    found = places_in(lm, "Cholera killed 200 people in Hodeidah and Hajjah provinces.")
    assert found["Hodeidah"] == "Muhafazat al Hudaydah, YE"
    assert places_in(lm, "Clashes in Kirkuk province killed two.")["Kirkuk province"] == (
        "Muhafazat Kirkuk, IQ")
    # Bare, it is still the port city.
    assert places_in(lm, "Houthi drones were launched from Hodeidah.")["Hodeidah"] == (
        "Al Ḩudaydah, Muhafazat al Hudaydah, YE")
