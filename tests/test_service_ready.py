"""Readiness and STATUS= from a real App (real SQLite), clock injected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.app import App
from monitor.article import RawItem
from monitor.service.health import readiness
from monitor.service.runtime import app_snapshot
from monitor.settings import load_config


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_outbox_stuck_and_not_started_make_it_not_ready(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[rules]]\nname = "r"\nquery = "Izium"\nnotify = ["hook"]\n\n'
                   '[targets]\nhook = ["json://127.0.0.1:9/x"]\n')
    clock = Clock()
    app = App(load_config(cfg), state_dir=tmp_path / "s", clock=clock, echo_alerts=False)
    app.open()
    try:
        assert readiness(app) == ["not started yet"]
        assert app.pipeline is not None
        app.pipeline.process(RawItem("wire", "1", title="Izium", body="Izium.", published=clock.now))
        snap = app_snapshot(app)
        assert snap.pending == 1 and snap.oldest_pending == clock.now
        assert snap.status_line(0) == "0 folder(s) watched; feeds 0 ok, 0 failing; outbox 1 pending"

        clock.now += timedelta(minutes=9)  # due, but a lane may just be busy
        assert not any("stuck" in p for p in readiness(app))
        clock.now += timedelta(minutes=2)
        stuck = [p for p in readiness(app) if "stuck" in p]
        assert stuck and "target hook" in stuck[0]
    finally:
        app.stop()
