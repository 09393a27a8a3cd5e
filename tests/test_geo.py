"""Gazetteer building/caching on tiny data, and the pure parts of mention finding."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.geo import gazetteer, sources
from monitor.geo.gazetteer import Gazetteer, name_key, token_code
from monitor.geo.resolve import haversine_km
from monitor.geo.rulebook import cell_of, near_cells
from monitor.geo.sources import KIND_CITY, KIND_COUNTRY, PlaceRecord
from monitor.geo.spellings import alt_name_ok


def _tiny_sources(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Replace the package readers with three places; count the builds."""
    builds = [0]

    def cities() -> tuple[list[PlaceRecord], dict[str, str]]:
        builds[0] += 1
        kh = PlaceRecord("Kharkiv", KIND_CITY, "UA", "UA.07", 49.98, 36.25, 1_400_000,
                         {"Kharkiv", "Kharkov"})
        iz = PlaceRecord("Izium", KIND_CITY, "UA", "UA.07", 49.21, 37.27, 45_000,
                         {"Izium", "Izyum"})
        return [kh, iz], {"UA.07": "Kharkiv"}

    def countries() -> tuple[list[PlaceRecord], dict[str, set[str]], set[str]]:
        ua = PlaceRecord("Ukraine", KIND_COUNTRY, "UA", "", 49.0, 32.0, 40_000_000, {"Ukraine"})
        return [ua], {"UA": {"Ukrainian", "Ukrainians"}}, set()

    monkeypatch.setattr(sources, "read_cities", cities)
    monkeypatch.setattr(sources, "read_countries", countries)
    monkeypatch.setattr(sources, "us_state_abbreviations", lambda: {})
    monkeypatch.setattr(sources, "common_words", lambda n=5000: frozenset({"of", "the"}))
    monkeypatch.setattr(sources, "capitals", lambda: {})
    monkeypatch.setattr(gazetteer, "_MEMO", {})
    return builds


def test_build_index_and_scan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _tiny_sources(monkeypatch)
    gaz = gazetteer.load(tmp_path)
    kharkiv = gaz.candidates("kharkov")
    assert [gaz.names[p] for p in kharkiv] == ["Kharkiv", "Kharkiv"]  # region and city
    assert {gaz.kind[p] for p in kharkiv} == {1, 3}
    assert [gaz.names[p] for p in gaz.candidates("kharkov oblast")] == ["Kharkiv"]
    assert gaz.demonym("ukrainians") == gaz.country_ids["UA"]
    assert gaz.candidates("nowhere") == () and gaz.demonym("kharkov") is None
    tokens = ["troops", "left", "izyum", "and", "the", "kharkov", "oblast", "ukrainian"]
    hits = {(first, n, key) for first, n, _tag, key in gaz.scan(tokens)}
    assert (2, 1, "izyum") in hits and (5, 2, "kharkov oblast") in hits
    assert (7, 1, "ukrainian") in hits


def test_words_in_no_name_are_coded_as_gaps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A word in no name gets the `NO_NAME` code (the mention scan skips it);
    a word of a name, or of a `[[places]]` entry added later, keeps its own."""
    from monitor.geo.gazetteer import NO_NAME, code_number, hash_code
    from monitor.geo.mentions import find_mentions

    _tiny_sources(monkeypatch)
    gaz = gazetteer.load(tmp_path)
    assert [code_number(hash_code(h)) for h in (0, 1, 12345, 2**21 - 1)] == [0, 1, 12345, 2**21 - 1]
    assert gaz.code_of("troops") == NO_NAME and gaz.code_of("The") == NO_NAME
    assert gaz.code_of("izyum") == token_code("izyum") and gaz.code_of("oblast") != NO_NAME
    text = "The troops reached Izyum in the Kharkov Oblast, Mr Troops said."
    assert [m.text for m in find_mentions(gaz, "body", text)] == ["Izyum", "Kharkov Oblast"]
    gaz.add_user_place(PlaceRecord("Troops", KIND_CITY, "UA", "UA.07", 49.6, 36.9, 0, {"Troops"}))
    assert gaz.code_of("troops") == token_code("troops")


def test_cache_is_written_reused_and_rebuilt_when_torn(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    builds = _tiny_sources(monkeypatch)
    gazetteer.load(tmp_path)
    files = list(tmp_path.glob("gazetteer-*.pickle"))
    assert builds[0] == 1 and len(files) == 1
    monkeypatch.setattr(gazetteer, "_MEMO", {})  # a new process
    assert len(gazetteer.load(tmp_path).candidates("izium")) == 1
    assert builds[0] == 1  # read from the cache, not rebuilt
    files[0].write_bytes(b"not a pickle")
    monkeypatch.setattr(gazetteer, "_MEMO", {})
    assert len(gazetteer.load(tmp_path).candidates("izium")) == 1
    assert builds[0] == 2 and files[0].stat().st_size > 100  # rebuilt and rewritten


def test_old_cache_files_are_removed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _tiny_sources(monkeypatch)
    stale = tmp_path / "gazetteer-0000000000000000.pickle"
    stale.write_bytes(b"old")
    gazetteer.load(tmp_path)
    assert not stale.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_cache_dir_still_works(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _tiny_sources(monkeypatch)
    tmp_path.chmod(0o500)
    try:
        assert gazetteer.load(tmp_path).candidates("izium")
    finally:
        tmp_path.chmod(0o700)


def test_no_cache_dir_uses_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _tiny_sources(monkeypatch)
    # platformdirs' user cache dir on Linux (set in the environment: the compiled
    # gazetteer module calls its own functions directly, past any monkeypatch).
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    assert gazetteer.load(None).candidates("izium")
    assert list((tmp_path / "user-cache" / "newsmon").glob("gazetteer-*.pickle"))


def test_user_places_do_not_leak_between_matchers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _tiny_sources(monkeypatch)
    a: Gazetteer = gazetteer.load(tmp_path)
    b: Gazetteer = gazetteer.load(tmp_path)
    pid = a.add_user_place(PlaceRecord("Chkalovske", KIND_CITY, "UA", "UA.07", 49.67, 36.93, 0,
                                       {"Chkalovske", "Chkalovskoe"}))
    assert a.candidates("chkalovskoe") == (pid,)
    assert b.candidates("chkalovskoe") == () and len(b) == len(a) - 1
    assert [k for _f, _n, _t, k in a.scan(["near", "chkalovske"])] == ["chkalovske"]


def test_token_codes_are_stable_and_past_the_bmp() -> None:
    assert token_code("kharkiv") == token_code("kharkiv")
    codes = [token_code(t) for t in ("a", "kharkiv", "ß", "x" * 500)]
    assert all(len(c) == 3 and min(map(ord, c)) > 0xFFFF for c in codes)


def test_name_key_folds_like_article_text() -> None:
    assert name_key("Khar'kov") == "khar kov"
    assert name_key("Kyïv") == "kyiv"
    assert name_key("  Ivano-Frankivsk ") == "ivano frankivsk"


@pytest.mark.parametrize(("alt", "main", "ok"), [
    ("Kharkov", "Kharkiv", True), ("Kiev", "Kyiv", True), ("Zaporozhye", "Zaporizhzhia", True),
    ("HRK", "Kharkiv", False), ("Ko", "Kyiv", False), ("Lutetia", "Paris", False),
    ("ha er ke fu", "Kharkiv", False), ("Харків", "Kharkiv", False),
])
def test_alternate_names_filter(alt: str, main: str, ok: bool) -> None:
    assert alt_name_ok(alt, main) is ok


def test_distances_and_grid() -> None:
    assert haversine_km(49.98, 36.25, 49.21, 37.27) == pytest.approx(113, abs=5)
    assert haversine_km(0, 179.9, 0, -179.9) < 25
    cells = near_cells(49.98, 36.25, 150)
    assert cells is not None and cell_of(49.21, 37.27) in cells
    assert near_cells(0, 0, 5000) is None  # too big to grid: checked for every place
    wrap = near_cells(0, 179.9, 50)
    assert wrap is not None and cell_of(0, -179.9) in wrap


def test_json_values_are_streamed_one_at_a_time() -> None:
    text = ' {"1": {"name": "Kharkiv", "alt": ["Kharkov"]} , "2":[2],"3" : null}\n'
    assert list(sources.iter_json_values(text)) == [
        {"name": "Kharkiv", "alt": ["Kharkov"]}, [2], None]
    assert list(sources.iter_json_values("{ }")) == []


@pytest.mark.parametrize("text", ['[1, 2]', '{"a": 1 "b": 2}', '{"a" 1}', '{"a": 1',
                                  '{"a": [1}', ""])
def test_json_values_reject_broken_files(text: str) -> None:
    with pytest.raises(ValueError):
        list(sources.iter_json_values(text))


@pytest.mark.parametrize("text", [
    "Kharkiv, Ukraine", "  KHARKIV  ", "Kyïv and Ivano-Frankivsk", "Â£10m for Zürich",
    "Straße in Köln", "ﬁre at St. Peter’s…", "Café\u0301 Paris", "İstanbul", "Σσς Athens",
    "½ of 2² in Ⅻ ① ＡＢ_x", "서울 Seoul", "क़ Delhi\u093e", "a\u200bb\u00a0c", "", "...",
])
def test_mention_tokens_are_monitor_text_tokens(text: str) -> None:
    from monitor.geo.tokens import Tokens as _Toks
    from monitor.text import token_bounds, words

    tk = _Toks(text)
    bounds = token_bounds(text)
    assert tk.text == words(text)
    assert (tk.start, tk.end) == (bounds[0::2], bounds[1::2])
    assert tk.raw == [text[a:b] for a, b in zip(tk.start, tk.end, strict=True)]
    # gaps[i]: the text before token i (`½` is two tokens, `1` and `2`, with no gap).
    assert tk.gaps == [text[a:b] for a, b in zip([0, *tk.end], [*tk.start, len(text)],
                                                  strict=True)]
    if text.isascii():
        assert "".join(g + w for g, w in zip(tk.gaps, [*tk.raw, ""], strict=True)) == text


@given(st.text(alphabet=st.sampled_from(
    [*"aZ09 .,-'\t\n_\x1c\x1f", "£", "Â", "é", "’", "\xa0", "\x85", "\u2028", "ß", "½", "\u0301", "İ",
     "Σ"]), max_size=40))
def test_tokens_agree_with_monitor_text_on_any_text(text: str) -> None:
    # Whitespace of every kind, separators, stand-in letters and characters with
    # none (the slow path), in any order: the same tokens, offsets and gaps.
    from monitor.geo.tokens import Tokens as _Toks
    from monitor.text import token_bounds, words

    tk = _Toks(text)
    assert tk.text == words(text)
    assert tk.bounds[:-1] == token_bounds(text) and tk.bounds[-1] == len(text)
    assert tk.raw == [text[a:b] for a, b in zip(tk.start, tk.end, strict=True)]
    assert tk.gaps == [text[a:b] for a, b in zip([0, *tk.end], [*tk.start, len(text)], strict=True)]


def test_packed_names_keep_every_name_and_the_overlay() -> None:
    import pickle

    from monitor.geo.gazetteer import PackedNames

    names = PackedNames(["Kyiv", "Zürich", "", "İstanbul", "서울"])
    assert len(names) == 5 and list(names) == ["Kyiv", "Zürich", "", "İstanbul", "서울"]
    assert names[1] == "Zürich" and names[-1] == "서울"
    copy = names.copy()
    copy.append("Chkalovske")  # a `[[places]]` entry: the original does not see it
    assert len(copy) == 6 and copy[5] == "Chkalovske" and copy[-1] == "Chkalovske"
    assert len(names) == 5
    again = pickle.loads(pickle.dumps(copy))
    assert list(again) == list(copy)
    with pytest.raises(IndexError):
        names[5]
