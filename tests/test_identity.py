"""Article identity (issue #10): the id decides, a content copy merges only within
`content_window`, and an edited article is re-matched (`on_update`) without repeating
alerts. Real SQLite state, the real pipeline, alerts delivered to a real webhook."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.alerts.worker import deliver_pending_once
from monitor.app import App
from monitor.article import Article, RawItem, normalise
from monitor.identity import Prior, decide_identity
from monitor.settings import load_config
from monitor.store.base import SeenRow
from tests.conftest import Endpoint

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

RULES = """
[[rules]]
name = "izium"
query = "Izium"
notify = ["chat"]

[[rules]]
name = "kharkiv"
query = "Kharkiv"
notify = ["chat"]
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def make_app(open_app: Any, endpoint: Endpoint) -> Any:
    def _make(extra: str = "", rules: str = RULES, clock: Clock | None = None) -> App:
        return open_app(f'{extra}\n{rules}\n[targets]\nchat = ["{endpoint.url}"]\n', clock or Clock())

    return _make


def feed_item(key: str, title: str, body: str, source: str = "wire", origin: str = "") -> RawItem:
    return RawItem(source, key, title=title, body=body, url=f"https://news.test/{key}", kind="feed",
                   origin=origin or f"https://news.test/feed.xml?apikey=SECRET123&k={key}")


def deliver(app: App) -> int:
    assert app.delivery is not None
    return deliver_pending_once(app.delivery, pace=False)[0]


def test_same_text_under_a_new_id_alerts_once_the_content_window_is_over(make_app: Any,
                                                                          endpoint: Endpoint) -> None:
    clock = Clock()
    app = make_app(clock=clock)
    assert app.pipeline is not None
    briefing = ("Daily briefing: Izium is quiet; no shelling was reported overnight. Power and water "
                "are back in most districts, and the road to Kharkiv reopened to civilian traffic.")
    assert app.pipeline.process(feed_item("brief-1", "Daily briefing", briefing)).outcome == "alerted"
    # Tomorrow's briefing: a new guid, the very same text. Past content_window (24 h) it is its
    # own article; within the story window (72 h) the same text is the same story, so the rule
    # (dedupe = "story") lists it for the digest instead of alerting twice.
    clock.now += timedelta(hours=25)
    second = app.pipeline.process(feed_item("brief-2", "Daily briefing", briefing))
    assert second.outcome == "matched-no-target" and second.story is not None
    assert {(s.rule, s.reason) for s in second.skipped} == {("izium", "already-alerted-story"),
                                                          ("kharkiv", "already-alerted-story")}
    clock.now += timedelta(days=3)  # a briefing days later: a new story, a new alert
    assert app.pipeline.process(feed_item("brief-3", "Daily briefing", briefing)).outcome == "alerted"
    assert deliver(app) == 2
    assert [m["title"] for m in endpoint.wait_for(2)] == ["Daily briefing", "Daily briefing"]


def test_a_copy_within_the_window_merges_and_says_with_what(make_app: Any, caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    clock = Clock()
    app = make_app('content_window = "6h"', clock=clock)
    assert app.pipeline is not None and app.store is not None
    text = ("Shelling in Izium overnight, officials said on Monday morning. Two apartment blocks were hit "
            "and rescue teams are searching the rubble; the regional governor asked residents to stay in "
            "shelters.")
    first = app.pipeline.process(feed_item("g1", "Izium shelled", text, source="wire"))
    clock.now += timedelta(hours=2)
    with caplog.at_level(logging.INFO, logger="monitor.pipeline"):
        copy = app.pipeline.process(feed_item("g2", "Izium shelled", text, source="mirror"))
    assert (first.outcome, copy.outcome) == ("alerted", "copy")
    assert first.article is not None and copy.article is not None
    line = next(r.getMessage() for r in caplog.records if "same text" in r.getMessage())
    assert copy.article.id in line and first.article.id in line and "content_window 6h" in line
    assert "SECRET123" not in line and "news.test" in line  # origins named, secrets masked
    # Recorded (so it is not re-read) and a member of the original's story.
    assert [m.source for m in app.store.story_members(copy.article.id)] == ["wire", "mirror"]
    assert app.store.count("pending") == 1
    # 7 h after the original (and 5 h after its copy: the window does not slide along copies) the
    # same text is an article of its own, re-matched; it is the same story, which alerted already.
    clock.now += timedelta(hours=5)
    third = app.pipeline.process(feed_item("g3", "Izium shelled", text, source="other"))
    assert third.outcome == "matched-no-target" and third.story is not None
    assert third.story.reason == "near-duplicate" and third.story.story_id == first.article.id


def test_an_edited_article_is_rematched_and_alerts_only_new_rules(make_app: Any, endpoint: Endpoint,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    app = make_app(clock=clock)
    assert app.pipeline is not None and app.store is not None
    v1 = app.pipeline.process(feed_item("g1", "Shelling in Izium", "Izium was shelled overnight."))
    assert v1.outcome == "alerted" and v1.alerts == 1
    clock.now += timedelta(minutes=20)
    with caplog.at_level(logging.INFO, logger="monitor.pipeline"):
        v2 = app.pipeline.process(feed_item("g1", "Shelling in Izium and Kharkiv",
                                            "Izium was shelled overnight. Kharkiv lost power."))
    assert v2.outcome == "alerted" and {m.rule for m in v2.matches} == {"izium", "kharkiv"}
    assert [(s.rule, s.reason) for s in v2.skipped] == [("izium", "already-alerted-article")]
    assert any("was updated: re-matched" in r.getMessage() for r in caplog.records)
    assert deliver(app) == 2
    _first, second = endpoint.wait_for(2)
    assert "Shelling in Izium and Kharkiv" in second["title"] and "kharkiv" in second["message"]
    assert app.store.count("pending") == 0 and len(app.store.rows("sent")) == 2
    assert v2.article is not None
    row = app.store.seen_row(v2.article.id)
    assert row is not None and row.content_hash == v2.article.content_hash
    assert row.alerted == {"izium", "kharkiv"}
    # The same edit delivered again (next poll): unchanged, nothing to do.
    again = app.pipeline.process(feed_item("g1", "Shelling in Izium and Kharkiv",
                                           "Izium was shelled overnight. Kharkiv lost power."))
    assert again.outcome == "seen"
    # A third version matching only rules that already alerted: re-matched, silent.
    v3 = app.pipeline.process(feed_item("g1", "Shelling in Izium and Kharkiv (updated)",
                                        "Izium was shelled overnight. Kharkiv lost power. Repairs began."))
    assert v3.outcome == "matched-no-target" and v3.alerts == 0


def test_on_update_ignore_per_feed_overrides_the_top_level(make_app: Any) -> None:
    app = make_app('on_update = "rematch"\n[[feeds]]\nname = "wire"\nurl = "http://127.0.0.1:9/f"\n'
                   'on_update = "ignore"\n')
    assert app.pipeline is not None and app.store is not None
    app.pipeline.process(feed_item("g1", "Shelling in Izium", "Izium was shelled overnight."))
    edit = app.pipeline.process(feed_item("g1", "Izium and Kharkiv", "Izium and Kharkiv were shelled."))
    assert edit.outcome == "update-ignored" and edit.matches == ()
    other = app.pipeline.process(feed_item("g1", "Kharkiv", "Izium and Kharkiv were hit.", source="agency"))
    assert other.outcome == "alerted"  # another source: the top-level "rematch" applies (new id here)
    assert app.store.count("pending") == 2


def test_dedupe_off_alerts_every_version(make_app: Any) -> None:
    app = make_app(rules='[[rules]]\nname = "izium"\nquery = "Izium"\nnotify = ["chat"]\ndedupe = "off"\n')
    assert app.pipeline is not None and app.store is not None
    app.pipeline.process(feed_item("g1", "Izium", "Izium was shelled overnight."))
    v2 = app.pipeline.process(feed_item("g1", "Izium", "Izium was shelled overnight, officials said."))
    assert v2.outcome == "alerted" and app.store.count("pending") == 2


def _row(article: Article, alerted: frozenset[str] = frozenset()) -> SeenRow:
    return SeenRow(article.id, article.source, article.url, article.title, article.content_hash, alerted,
                   None, T0)


def test_identity_decision_is_pure_with_named_reasons() -> None:
    a = normalise(RawItem("wire", "g1", title="T", body="one"), T0)
    edited = normalise(RawItem("wire", "g1", title="T", body="two"), T0)
    assert decide_identity(a, Prior(), "rematch").action == "new"
    assert decide_identity(a, Prior(known=_row(a)), "rematch").action == "seen"
    upd = decide_identity(edited, Prior(known=_row(a, frozenset({"r"}))), "rematch")
    assert upd.action == "update" and upd.alerted_before == {"r"} and "re-matched" in upd.reason
    assert decide_identity(edited, Prior(known=_row(a)), "ignore").action == "update-ignored"
    copy = decide_identity(a, Prior(copy=_row(edited)), "rematch")
    assert copy.action == "copy" and copy.alerted_before == frozenset()


@pytest.mark.parametrize(("toml", "where", "message"), [
    ('on_update = "sometimes"\n', "on_update", "rematch"),
    ('content_window = "90d"\n', "content_window", "at most 30d"),
    ('[stories]\nthreshold = 2\n', "stories.threshold", "less than or equal to 1"),
    ('[stories]\nwindow = "1s"\n', "stories.window", "between 1m and 30d"),
    ('[[feeds]]\nname = "f"\nurl = "http://x.test/f"\non_update = "never"\n', "feeds.0.on_update", "ignore"),
    ('[[rules]]\nname = "r"\nquery = "x"\ndedupe = "story-ish"\n', "rules.0.dedupe", "article"),
])
def test_identity_and_story_settings_are_checked_with_file_and_key(tmp_path: Path, toml: str, where: str,
                                                                    message: str) -> None:
    from monitor.settings import ConfigError

    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    line = str(err.value)
    assert line.startswith(f"{cfg}: ") and message in line
    assert where.replace(".0.", "[0].") in line or where in line


def test_an_edited_feed_entry_is_fetched_again_and_alerts_only_its_new_rule(tmp_path: Path,
                                                                             endpoint: Endpoint) -> None:
    """Through a real HTTP feed and `run --once`: the feed's memory of an entry includes its
    text, so an edit (same guid) reaches the pipeline and is re-matched as an update."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "feeds"))
    from feedserver import FeedServer, feed_route, rss

    entries = [("g1", "Shelling in Izium")]
    server = FeedServer().start()
    server.routes["/wire.xml"] = feed_route(lambda: rss(list(entries)))
    config = tmp_path / "newsmon.toml"
    config.write_text(
        f'[fetch]\nallow_private = true\n\n[[feeds]]\nname = "wire"\nurl = "{server.url("/wire.xml")}"\n'
        'backfill = "all"\n\n' + RULES + f'\n[targets]\nchat = ["{endpoint.url}"]\n')
    try:
        def once() -> None:
            app = App(load_config(config), state_dir=tmp_path / "state", echo_alerts=False)
            try:
                app.run_once()
            finally:
                app.stop()

        once()
        assert [m["title"] for m in endpoint.wait_for(1)] == ["Shelling in Izium"]
        once()  # unchanged: nothing new
        entries[0] = ("g1", "Shelling in Izium and Kharkiv")  # the same guid, edited
        once()
        got = endpoint.wait_for(2)
        assert len(got) == 2 and "Shelling in Izium and Kharkiv" in got[1]["title"]
        assert "kharkiv" in got[1]["message"]  # only the rule that had not alerted
        once()  # the edit is remembered: no third alert
        assert len(endpoint.wait_for(3, timeout=2)) == 2
    finally:
        server.stop()
