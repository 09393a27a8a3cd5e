"""The names a place is known by, as written: transliteration variants of a
GeoNames name (`Kharkov` for Kharkiv), the Ukrainian national romanisation, Arabic
names as wire copy writes them, `St.` for `Saint`. Used when the gazetteer is
built (`sources`, `areas`); pure functions of the names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Final

from monitor.text import fold

# A transliteration variant shares most letters with the main name
# (Kharkov/Kharkiv 0.86, Kiev/Kyiv 0.75); exonyms like Lutetia do not.
ALT_NAME_MIN_SIMILARITY: Final = 0.6
LATIN_NAME: Final = re.compile(r"^[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f'’. -]*$")


def spelling_similarity(a: str, b: str) -> float:
    """Shared letters over total letters (difflib's quick_ratio, without difflib's cost)."""
    fa, fb = fold(a), fold(b)
    common = sum((Counter(fa) & Counter(fb)).values())
    return 2 * common / (len(fa) + len(fb)) if fa or fb else 0.0


OLD_NAME_MIN_POP = 250_000
_OLD_NAME = re.compile(r"^[A-Z][a-z]+(?:[- ][A-Z][a-z]+)?$")


def old_name_ok(alt: str) -> bool:
    """One or two plain capitalised words (`Bombay`, `Sai Gon`), not a phrase in
    another language (`Lungsod ng Mumbai`, `Monaco di Baviera`)."""
    return len(alt) >= 4 and bool(_OLD_NAME.match(alt))


def alt_name_ok(alt: str, main: str) -> bool:
    """Keep Latin-script transliteration variants; drop codes and foreign exonyms."""
    if len(alt) < 4 or not LATIN_NAME.match(alt) or alt.isupper() or not alt[0].isupper():
        return False
    return spelling_similarity(alt, main) >= ALT_NAME_MIN_SIMILARITY


# GeoNames spells many Ukrainian towns in an older romanisation (`Shchastya`,
# `Mar'yinka`, `Berdyansk`); news since 2022 uses the national one (`Shchastia`,
# `Marinka`, `Berdiansk`): inside a word ya/yu/ye/yi are ia/iu/ie/i.
_UA_INNER: Final = re.compile(r"(?<=[a-z])['’]?y([aeiu])")


def ukrainian_variants(name: str) -> set[str]:
    """`Shchastya` is also `Shchastia`; `Mar'yinka` is also `Marinka`; `Kostyantynivka`
    is also `Kostiantynivka`."""
    def spell(m: re.Match[str]) -> str:
        return "i" if m.group(1) == "i" else "i" + m.group(1)

    variant = _UA_INNER.sub(spell, name)
    return {variant} if variant != name else set()


# Countries whose place names GeoNames romanises from Arabic with the article as
# `Al`/`Ad`/`Ar`... (`Al Ḩudaydah`, `Dayr al Balaḩ`), which news writes `al-` or
# `el-`, or drops (`Hodeidah`, `Deir al-Balah`).
ARABIC_COUNTRIES: Final = frozenset({"AE", "BH", "DZ", "EG", "IQ", "JO", "KW", "LB", "LY", "MA",
                                      "MR", "OM", "PS", "QA", "SA", "SD", "SY", "TN", "YE"})
_ARTICLE: Final = re.compile(r"^(?:[AaEe][lnrdstz]|[Aa]sh)[- ](?=[A-Z\u00c0-\u024f\u1e00-\u1eff])")
_INNER_ARTICLE: Final = re.compile(r"(?<![^ -])([AaEe])l(?=[- ])")


# Shorter bare names are too often a common noun of the land: `Oued` (a river:
# `Bab el-Oued`, a quarter of Algiers, is no El Oued), `Tall` (a mound).
BARE_MIN_LETTERS: Final = 6


def _without_article(name: str) -> str:
    return _ARTICLE.sub("", name, count=1)


def arabic_names(main: str, alts: Iterable[str]) -> set[str]:
    """A place's names in an Arabic-speaking country: its main name, the alternates
    that spell it (compared without the article, so `El-Hodeidah` spells `Al
    Ḩudaydah`), each with `al` and `el` swapped (`Deir el-Balah`, `Deir al-Balah`),
    and, when GeoNames also writes the name without its article (`Hudaydah`),
    every such form without it (`Hodeidah`)."""
    stem = _without_article(main)
    kept = {main}
    for alt in alts:
        bare = _without_article(alt)
        if alt_name_ok(alt, main) or (stem != main and bare != alt and alt_name_ok(bare, stem)):
            kept.add(alt)
    out = set(kept)
    out.update(map(_swap_articles, kept))
    if stem != main and any(_without_article(n) == n for n in kept if n != main):
        out |= {bare for n in list(out) if len(bare := _without_article(n)) >= BARE_MIN_LETTERS and bare != n}
    return out


def _swap_articles(name: str) -> str:
    """`Deir el-Balah` -> `Deir al-Balah`; `Al Arish` -> `El Arish`."""
    def swap(m: re.Match[str]) -> str:
        v = m.group(1)
        return {"A": "E", "E": "A", "a": "e", "e": "a"}[v] + "l"
    return _INNER_ARTICLE.sub(swap, name)


def surface_variants(name: str) -> set[str]:
    """`Khar'kov` is also written `Kharkov`; `Saint X` is also `St. X`."""
    out = {name}
    if "'" in name or "’" in name:
        out.add(name.replace("'", "").replace("’", ""))
    for long, short in (("Saint ", "St. "), ("Sainte ", "Ste. "), ("Mount ", "Mt. ")):
        for n in list(out):
            if n.startswith(long):
                out.add(short + n[len(long) :])
                out.add(short.rstrip(".") + n[len(long) - 1 :])
    return out


# `Newark on Trent`, `Stoke-on-Trent`, `Berwick-upon-Tweed`, `Frankfurt an der Oder`,
# `Weston-super-Mare`, `Halle (Saale)`: news names such a town without its river.
_ON_RIVER: Final = re.compile(r"^([A-Z][^ ()-]{3,}(?:[ -][A-Z][^ ()-]+)?)"
                              r"(?:[ -](?:on|upon|am|an der|ob der|im|super)[ -].+| \(.+\))$")


def river_short_name(name: str) -> str | None:
    """The town's name without the river or sea it stands on (`Newark` of `Newark on
    Trent`), when it has one; None otherwise. (English and German forms only: French
    `sur` and Spanish `de` names are rarely shortened in English-language news.)"""
    m = _ON_RIVER.match(name)
    return m.group(1) if m and name not in _KNOWN_OTHERWISE else None


# Known by the other half of the name: Hull, not Kingston.
_KNOWN_OTHERWISE: Final = frozenset({"Kingston upon Hull"})


# A second-level area's name as GeoNames writes it, with the kind of area before it
# (`Departement de la Gironde`, `Provincia di Cosenza`, `Politischer Bezirk Modling`,
# `Okres Znojmo`); news and users write the bare name (`Gironde`, `Bas-Rhin`). (Not
# the Philippines' `Province of Cebu`: GeoNames gives those their bare names already,
# and a bare name here asks for local evidence, which `Bohol` alone has done without.)
_ADMIN_PREFIX: Final = re.compile(
    r"^(?:Departement (?:de la |de l'|du |des |de |d')|Provincia (?:di |de |del |della |dell'|de la )"
    r"|Politischer Bezirk |Bezirk |Okres "
    r"|Partido de |Departamento (?:de |del )?)(?=[A-Z\u00c0-\u024f])")


def admin_bare_name(name: str) -> str | None:
    """`Gironde` of `Departement de la Gironde`; None for a name with no such prefix."""
    m = _ADMIN_PREFIX.match(name)
    return name[m.end() :] if m else None
