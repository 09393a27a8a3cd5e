"""The App inside a test: start, reload with new rules and targets, stop; a broken edit changes nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from monitor.app import App
from monitor.settings import ConfigError, load_config
from monitor.validate import load_checked
from tests.conftest import Endpoint, drop_file


def _write(path: Path, folder: Path, query: str, url: str) -> Path:
    path.write_text(f'[[folders]]\npath = "{folder}"\n\n[[rules]]\nname = "r"\nquery = "{query}"\n'
                    f'notify = ["hook"]\n\n[targets]\nhook = ["{url}"]\n')
    return path


def test_reload_swaps_rules_and_targets_while_running(tmp_path: Path) -> None:
    first, second = Endpoint(), Endpoint()
    first.up()
    second.up()
    folder = tmp_path / "in"
    folder.mkdir()
    config_path = _write(tmp_path / "c.toml", folder, "Izium", first.url)
    app = App(load_config(config_path), state_dir=tmp_path / "state", echo_alerts=False)
    app.start()
    try:
        drop_file(folder, "a.txt", "Izium report markerA\n\nIzium.\n")
        assert [m["title"] for m in first.wait_for(1)] == ["Izium report markerA"]

        _write(config_path, folder, "Kupiansk", second.url)
        app.reload(load_config(config_path))
        drop_file(folder, "b.txt", "Izium again markerB\n\nIzium only.\n")
        drop_file(folder, "c.txt", "Kupiansk report markerC\n\nKupiansk.\n")
        assert [m["title"] for m in second.wait_for(1)] == ["Kupiansk report markerC"]
        time.sleep(0.5)
        assert len(first.received) == 1  # the old rule and the old target are gone

        # A broken edit is refused before it reaches the App (as SIGHUP does it).
        (tmp_path / "bad.toml").write_text('[[rules]]\nname = "r"\nquery = "\\"unclosed"\n')
        with pytest.raises(ConfigError):
            app.reload(load_checked(tmp_path / "bad.toml")[0])
        drop_file(folder, "d.txt", "Kupiansk again markerD\n\nKupiansk.\n")
        assert len(second.wait_for(2)) == 2  # still running on the last good config
    finally:
        app.stop()
        first.down()
        second.down()


@pytest.mark.parametrize(("retention", "left"), [("30d", 1), ("0", 2)])
def test_open_prunes_alerts_past_retention(tmp_path: Path, retention: str, left: int) -> None:
    from datetime import UTC, datetime, timedelta

    from monitor.store import open_store
    from monitor.store.base import NewAlert

    now = datetime(2026, 6, 1, tzinfo=UTC)
    store = open_store(tmp_path / "state")
    for key, age in (("old", 60), ("new", 2)):
        store.enqueue([NewAlert(target="hook", key=key, title=key, body="b")],
                      now - timedelta(days=age))
        row = store.rows("pending")[0]
        store.mark_sent(row.id, now - timedelta(days=age))
    store.close()
    folder = tmp_path / "in"
    folder.mkdir()
    config_path = _write(tmp_path / "c.toml", folder, "Izium", "json://127.0.0.1:9/")
    config_path.write_text(f'retention = "{retention}"\n' + config_path.read_text())
    app = App(load_config(config_path), state_dir=tmp_path / "state", clock=lambda: now,
              echo_alerts=False)
    app.open()
    try:
        assert app.store is not None
        assert len(app.store.rows("sent")) == left
    finally:
        app.store.close()  # type: ignore[union-attr]
