"""Feed health notices go through routing and policy: priority by kind, quiet hours respected."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.alerts.worker import deliver_pending_once
from monitor.app import App
from tests.conftest import Endpoint

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "feeds"))
from feedserver import FeedServer, feed_route, rss, status_route


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def make_app(open_app: Any, feeds: FeedServer, endpoint: Endpoint) -> Any:
    def _make(now: datetime, alerts: str = "") -> App:
        return open_app(f'[fetch]\nallow_private = true\n\n[[feeds]]\nname = "news"\n'
                        f'url = "{feeds.url("/news.xml")}"\n\n[health]\nnotify = ["chat"]\nfailures = 1\n\n'
                        f'[targets]\nchat = ["{endpoint.url}"]\n\n[alerts]\n{alerts}\n', lambda: now)

    return _make


def poll(app: App) -> tuple[int, int]:
    assert app.pipeline is not None and app.feeds is not None and app.delivery is not None
    app.pipeline.start()
    app.feeds.poll_all()
    app.pipeline.drain()
    app.pipeline.stop()
    return deliver_pending_once(app.delivery, pace=False)


def test_failing_is_a_warning_and_recovered_an_info_alert(
    make_app: Any, feeds: FeedServer, endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    feeds.routes["/news.xml"] = status_route(500)
    assert poll(app) == (1, 0)
    [failing] = endpoint.wait_for(1)
    assert failing["title"] == 'Feed "news" is failing' and failing["type"] == "warning"
    assert "failed 1 polls in a row" in failing["message"] and "feed-health" in failing["message"]

    feeds.routes["/news.xml"] = feed_route(rss([("g1", "Calm")]))
    with caplog.at_level(logging.INFO, logger="monitor.feeds"):
        assert poll(app) == (1, 0)
    got = endpoint.wait_for(2)
    assert got[1]["title"] == 'Feed "news" recovered' and got[1]["type"] == "info"
    recovered = [r for r in caplog.records if "health recovered" in r.getMessage()]
    assert recovered and all(r.levelno == logging.INFO for r in recovered)


def test_a_failing_feed_notice_waits_for_quiet_hours_to_end(
    make_app: Any, feeds: FeedServer, endpoint: Endpoint, tmp_path: Path
) -> None:
    night = datetime(2026, 5, 1, 23, 0, tzinfo=UTC)
    app = make_app(night, 'quiet = "22:00-07:00"')
    feeds.routes["/news.xml"] = status_route(503)
    assert poll(app) == (0, 0)  # held, not sent
    assert app.store is not None
    [held] = app.store.rows("held")
    assert held.reason == "quiet-hours" and held.notify_type == "warning"
    assert held.release_at == night.replace(hour=7) + timedelta(days=1)
    app.stop()

    morning = make_app(night.replace(hour=7) + timedelta(days=1))
    assert morning.delivery is not None
    assert deliver_pending_once(morning.delivery, pace=False) == (1, 0)
    [digest] = endpoint.wait_for(1)
    assert 'Feed "news" is failing' in digest["message"] and digest["type"] == "warning"


def test_notice_kind_reads_keys_whose_feed_names_and_times_hold_colons() -> None:
    from monitor.alerts.notices import notice_kind

    assert notice_kind("feed-health:bbc:world:failing:2026-05-01T12:00:00+00:00") == "failing"
    assert notice_kind("feed-health:news:recovered:") == "recovered"
    assert notice_kind("digest:abc") == ""
