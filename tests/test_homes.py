"""A folder's configured `home` reaches location matching through the App's compile step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.app import compile_matcher
from monitor.article import RawItem, normalise
from monitor.settings import load_config
from tests.test_locations import CACHE

STORY = "A storm damaged homes in Paris on Tuesday, the county sheriff said."


def _config(tmp_path: Path, home: str) -> Path:
    path = tmp_path / f"{home}.toml"
    path.write_text(f'[[folders]]\nname = "desk"\npath = "in"\nhome = "{home}"\n\n'
                    '[[rules]]\nname = "paris-tx"\n'
                    'locations = { near = [{ lat = 33.66, lon = -95.55, radius_km = 30 }] }\n')
    return path


def test_configured_home_decides_an_ambiguous_place(tmp_path: Path) -> None:
    raw = RawItem(source="desk", key="a.txt", title="Storm hits Paris", body=STORY)
    art = normalise(raw, datetime(2026, 1, 1, tzinfo=UTC))
    texas = compile_matcher(load_config(_config(tmp_path, "Texas")), CACHE)
    france = compile_matcher(load_config(_config(tmp_path, "France")), CACHE)
    assert [m.rule for m in texas.match(art)] == ["paris-tx"]
    assert france.match(art) == []


def _duluth(tmp_path: Path, home: str) -> Path:
    path = tmp_path / "duluth.toml"
    path.write_text(f'[[feeds]]\nname = "dnt"\nurl = "https://example.com/f.xml"\nhome = {home}\n\n'
                    '[[rules]]\nname = "wi"\nlocations = { within = ["Wisconsin"] }\n')
    return path


def test_a_home_may_be_several_places_for_an_outlet_across_a_border(tmp_path: Path) -> None:
    """A Duluth paper's home spans Minnesota and Wisconsin: `a Superior man` (a
    common word) is Superior, Wisconsin, when Wisconsin is one of its homes; with
    Minnesota alone the name stays unplaced."""
    raw = RawItem(source="dnt", key="a", title="", body="A Superior man was arrested in Hermantown.")
    art = normalise(raw, datetime(2026, 1, 1, tzinfo=UTC))
    both = compile_matcher(load_config(_duluth(tmp_path, '["Minnesota", "Wisconsin"]')), CACHE)
    assert [(m.rule, [e.text for e in m.evidence]) for m in both.match(art)] == [("wi", ["Superior"])]
    one = compile_matcher(load_config(_duluth(tmp_path, '"Minnesota"')), CACHE)
    assert one.match(art) == []


def test_a_home_list_names_the_place_it_cannot_find(tmp_path: Path) -> None:
    from monitor.settings import ConfigError
    from monitor.validate import load_checked

    try:
        load_checked(_duluth(tmp_path, '["Minnesota", "Nowhereville Qq"]'), cache_dir=CACHE, delivery=False)
    except ConfigError as exc:
        assert "feeds[0].home[1]" in str(exc) and "Nowhereville Qq" in str(exc)
    else:
        raise AssertionError("an unknown home place must be a config error")
    for bad, words in (("[]", "at least one place"), ('[""]', "at least one place"),
                       ("3", "a place name or a list")):
        try:
            load_config(_duluth(tmp_path, bad))
        except ConfigError as exc:
            assert "feeds[0].home" in str(exc) and words in str(exc), str(exc)
        else:
            raise AssertionError(f"home = {bad} must be a config error")


def test_check_shows_each_source_s_home(tmp_path: Path) -> None:
    import subprocess

    from tests.conftest import newsmon_cmd

    config = _duluth(tmp_path, '["Minnesota", "Wisconsin"]')
    proc = subprocess.run(newsmon_cmd("check", "--config", str(config)), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "  dnt: https://example.com/f.xml every 15m, home Minnesota + Wisconsin" in proc.stdout
