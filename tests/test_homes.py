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
