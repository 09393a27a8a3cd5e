"""`newsmon status`: failing feeds first, table and JSON, from the real state file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from monitor.settings import load_config
from monitor.store import open_store


def test_status_table_and_json(tmp_path: Path) -> None:
    from monitor.cli import main

    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[[feeds]]\nname = "good"\nurl = "https://a.example/feed"\n'
        '[[feeds]]\nname = "bad"\nurl = "https://b.example/feed"\n'
        '[[feeds]]\nname = "new"\nurl = "https://c.example/feed"\n',
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    store = open_store(tmp_path / "state")
    store.sources.put("feed:good", {
        "url": "https://a.example/feed", "last_attempt": now.isoformat(), "last_success": now.isoformat(),
        "last_status": 200, "failures": 0, "next_poll": (now + timedelta(minutes=15)).isoformat(),
        "items_total": 20, "items_new": 2, "health": "ok",
    })  # fmt: skip
    store.sources.put("feed:bad", {
        "url": "https://b.example/feed", "last_attempt": now.isoformat(), "last_status": 500,
        "failures": 6, "last_error": "HTTP 500", "health": "failing",
    })  # fmt: skip
    store.close()
    runner = CliRunner()
    result = runner.invoke(main, ["status", "--config", str(cfg), "--state-dir", str(tmp_path / "state")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["FEED", "STATUS"]
    assert [line.split()[0] for line in lines[1:4]] == ["bad", "new", "good"]
    assert "bad: HTTP 500" in result.output
    result = runner.invoke(
        main, ["status", "--json", "--config", str(cfg), "--state-dir", str(tmp_path / "state")]
    )
    doc = json.loads(result.output)
    rows = {r["name"]: r for r in doc["feeds"]}
    assert rows["bad"]["status"] == "failing" and rows["bad"]["failures"] == 6
    assert rows["new"]["status"] == "never" and rows["good"]["items_total"] == 20
    assert load_config(cfg).feeds[0].name == "good"


def test_state_put_many_inserts_and_updates_in_one_go(tmp_path: Path) -> None:
    # The poller's group commit: a batch mixing known and new keys, read back by get/all.
    store = open_store(tmp_path / "state")
    store.sources.put("feed:a", {"etag": "old", "recent": ["x"]})
    store.sources.put_many({"feed:a": {"etag": "new"}, "feed:b": {"etag": "b", "n": 1}})
    store.sources.put_many({})
    assert store.sources.get("feed:a") == {"etag": "new"}
    assert store.sources.all("feed:") == {"feed:a": {"etag": "new"}, "feed:b": {"etag": "b", "n": 1}}
    store.close()
