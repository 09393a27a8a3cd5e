"""`newsmon history`: sent alerts with article, rules and every delivery attempt."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.conftest import Endpoint, drop_file, newsmon_cmd


def test_history_lists_sent_alerts_with_attempts_and_filters(tmp_path: Path) -> None:
    ep = Endpoint()  # down for the first pass
    folder = tmp_path / "in"
    folder.mkdir()
    config = tmp_path / "c.toml"
    config.write_text(f'[[folders]]\nname = "desk"\npath = "{folder}"\n\n'
                      '[[rules]]\nname = "izium"\nquery = "Izium"\nnotify = ["hook"]\n\n'
                      '[[rules]]\nname = "kharkiv"\nquery = "Kharkiv"\nnotify = ["hook"]\n\n'
                      f'[targets]\nhook = ["{ep.url}"]\n\n[alerts]\nretry_initial = "0.2s"\n')
    state = ["--config", str(config), "--state-dir", str(tmp_path / "s")]
    drop_file(folder, "a.txt", "Shelling in Izium\n\nIzium again.\n")
    drop_file(folder, "b.txt", "Kharkiv metro\n\nKharkiv today.\n")

    def newsmon(*args: str) -> subprocess.CompletedProcess[str]:
        out = subprocess.run(newsmon_cmd(*args), capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out

    newsmon("run", "--once", *state)  # the target is down: one failed attempt
    assert json.loads(newsmon("history", "--json", *state).stdout) == []
    ep.up()
    try:
        time.sleep(0.5)
        newsmon("run", "--once", *state)
    finally:
        ep.down()
    assert len(ep.received) == 2

    entries = json.loads(newsmon("history", "--json", *state).stdout)
    assert sorted(e["title"] for e in entries) == ["Kharkiv metro", "Shelling in Izium"]
    izium = next(e for e in entries if e["rules"] == ["izium"])
    assert izium["target"] == "hook" and izium["article"]["source"] == "desk"
    assert [a["ok"] for a in izium["attempts"]] == [False, True]
    assert izium["attempts"][0]["reason"]  # why the first try failed
    assert izium["also_reported_by"] == []

    only = json.loads(newsmon("history", "--json", "--rule", "kharkiv", *state).stdout)
    assert [e["title"] for e in only] == ["Kharkiv metro"]
    assert newsmon("history", "--target", "nope", *state).stdout.strip() == \
        "no alert sent to target nope in the last 24h"
    text = newsmon("history", "--since", "1h", *state).stdout
    assert "-> hook  Shelling in Izium" in text and "rules: izium" in text
    assert "attempts:" in text and "failed" in text and "ok" in text
    bad = subprocess.run(newsmon_cmd("history", "--since", "soon", *state), capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "--since" in bad.stderr
