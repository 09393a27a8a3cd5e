"""The compiled place matcher (setup.py, monitor/native.py): chosen only when
every compiled source is unchanged, never stale, and the same output as pure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitor import native
from monitor.native import SOURCES, decide

ROOT = Path(__file__).resolve().parent.parent
BUILT = {s: "0" * 64 for s in SOURCES}


def test_unchanged_sources_run_compiled() -> None:
    state = decide(BUILT, dict(BUILT), pure_asked=False)
    assert state.compiled and f"{len(SOURCES)} modules" in state.reason


def test_one_changed_source_makes_every_module_pure() -> None:
    now = {**BUILT, "monitor/geo/rolls.py": "1" * 64}
    state = decide(BUILT, now, pure_asked=False)
    assert not state.compiled
    assert "monitor/geo/rolls.py changed since it was compiled" in state.reason
    assert "pip install -e ." in state.reason


def test_missing_source_or_other_module_list_is_pure() -> None:
    assert not decide(BUILT, {**BUILT, "monitor/text.py": None}, pure_asked=False).compiled
    fewer = dict(list(BUILT.items())[1:])
    assert "another version" in decide(fewer, BUILT, pure_asked=False).reason


def test_no_build_and_pure_asked_say_why() -> None:
    assert "not compiled at install" in decide(None, {}, pure_asked=False).reason
    assert decide(BUILT, dict(BUILT), pure_asked=True).reason == "NEWSMON_PURE is set"


def _loaded(root: Path, env: dict[str, str]) -> dict[str, str]:
    code = ("import json, monitor.native as n, monitor.geo.resolve as r, monitor.text as t;"
            "s = n.state(); print(json.dumps([s.compiled, s.reason, r.__file__, t.__file__]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(root), **env}, check=True)
    compiled, reason, resolve_file, text_file = json.loads(out.stdout)
    return {"compiled": compiled, "reason": reason, "resolve": resolve_file, "text": text_file}


def test_pure_asked_loads_the_sources() -> None:
    got = _loaded(ROOT, {"NEWSMON_PURE": "1"})
    assert got["resolve"].endswith("resolve.py") and got["text"].endswith("text.py")
    assert not got["compiled"]


def _compiled_here() -> bool:
    return native.decide(native._read_manifest(), {s: native._hash(s) for s in SOURCES}, False).compiled


@pytest.mark.skipif(not _compiled_here(), reason="this checkout is not compiled (pip install -e . "
                    "compiles it when a C compiler is present)")
def test_an_edited_source_is_run_pure_not_stale(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "monitor", tmp_path / "monitor",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for lib in ROOT.glob("newsmon__mypyc*"):
        shutil.copy(lib, tmp_path)
    env = {"NEWSMON_PURE": ""}
    assert _loaded(tmp_path, env)["resolve"].endswith(".so")  # the copy runs compiled

    rolls = tmp_path / "monitor" / "geo" / "rolls.py"
    rolls.write_text(rolls.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    got = _loaded(tmp_path, env)
    assert not got["compiled"] and "monitor/geo/rolls.py changed" in got["reason"]
    # All or nothing: the unedited modules are pure too (compiled ones call each other directly).
    assert got["resolve"].endswith("resolve.py") and got["text"].endswith("text.py")


@pytest.mark.skipif(not _compiled_here(), reason="this checkout is not compiled")
def test_compiled_and_pure_find_the_same_places() -> None:
    code = r"""
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from monitor.article import RawItem, normalise
from monitor.match.places import LocationMatcher
from monitor.settings.rules import RuleConfig
rules = [RuleConfig.model_validate({"name": n, "locations": loc}) for n, loc in [
    ("kharkiv", {"near": [{"place": "Kharkiv", "radius_km": 150}]}),
    ("uk", {"within": ["United Kingdom"]}), ("texas", {"within": ["Texas"]})]]
lm = LocationMatcher.compile(rules, (), cache_dir=Path(sys.argv[1]))
out = []
for line in Path("bench/data/geo-challenge.jsonl").read_text(encoding="utf-8").splitlines():
    row = json.loads(line)
    art = normalise(RawItem(source=row["source"], key=row["id"], title=row["title"], body=row["text"]),
                    datetime(2026, 1, 1, tzinfo=UTC))
    out.append([row["id"], [repr(r) for r in lm.mentions(art)], sorted(lm.match(art))])
print(json.dumps(out))
"""
    cache = str(Path(os.environ.get("TMPDIR", "/tmp")) / "newsmon-bench-gazetteer")
    runs = []
    for pure in ("", "1"):
        got = subprocess.run([sys.executable, "-c", code, cache], cwd=ROOT, capture_output=True,
                             text=True, env={**os.environ, "NEWSMON_PURE": pure}, check=True)
        runs.append(json.loads(got.stdout))
    assert runs[0] == runs[1]
    assert len(runs[0]) > 600 and sum(bool(matches) for *_, matches in runs[0]) > 50


def test_the_daemon_logs_which_build_runs_when_rules_have_places(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from monitor.app import App
    from monitor.settings import load_config

    (tmp_path / "in").mkdir()
    config = tmp_path / "c.toml"
    config.write_text('[[folders]]\npath = "in"\n\n[[rules]]\nname = "east"\n'
                      'locations = { within = ["Ukraine"] }\n')
    with caplog.at_level(logging.INFO, logger="monitor.app"):
        app = App(load_config(config), state_dir=tmp_path / "state", echo_alerts=False)
        app.open()
        app.stop()
    build = native.state()
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("place matcher: ")]
    assert said == [f"place matcher: {'compiled' if build.compiled else 'pure Python'} ({build.reason})"]
    assert said == [f"place matcher: {build.describe()}"]
