"""Digests, quiet hours and the throttle end to end (real SQLite, real SMTP and webhook),
driven by an injected clock: no sleeps, no waiting for wall-clock hours."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy as email_policy
from typing import Any

import pytest

from monitor.alerts.worker import Lane, deliver_pending_once, schedule_digests
from monitor.app import App
from monitor.article import RawItem
from tests.conftest import Endpoint, SmtpSink


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


START = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)  # 09:00 in Kyiv


@pytest.fixture
def make_app(open_app: Any) -> Any:
    def _make(rules: str, targets: str, clock: Clock, alerts: str = "") -> App:
        return open_app(f"{rules}\n[targets]\n{targets}\n[alerts]\n{alerts}\n", clock)

    return _make


def submit(app: App, key: str, title: str, body: str, published: datetime) -> None:
    assert app.pipeline is not None
    app.pipeline.process(RawItem("wire", key, title=title, body=body, url=f"https://news.test/{key}",
                                 published=published))


def once(app: App) -> tuple[int, int]:
    assert app.delivery is not None
    return deliver_pending_once(app.delivery, pace=False)


def parts(raw: bytes) -> dict[str, str]:
    msg = email.message_from_bytes(raw, policy=email_policy.default)
    out = {"subject": str(msg["subject"])}
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            out[part.get_content_subtype()] = part.get_content()
    return out


DIGEST_RULES = """
[[rules]]
name = "izium"
query = "Izium"
notify = ["mail", "chat"]
mode = "digest"
digest = { cron = "0 8 * * *", tz = "Europe/Kyiv" }

[[rules]]
name = "kharkiv"
query = "Kharkiv"
notify = ["mail"]
mode = "digest"
"""


def test_cron_digest_one_message_newest_first_grouped_escaped(make_app: Any, smtp: SmtpSink,
                                                              endpoint: Endpoint) -> None:
    clock = Clock(START)
    app = make_app(DIGEST_RULES, f'mail = ["{smtp.url}"]\nchat = ["{endpoint.url}"]', clock,
                   'tz = "Europe/Kyiv"\ndigest = { cron = "0 8 * * *" }')
    submit(app, "a", "Old Izium report", "Izium was quiet.", START - timedelta(hours=5))
    hostile = "<img src=x onerror=alert(1)> Izium @everyone"
    submit(app, "b", hostile, "Izium again.", START - timedelta(hours=1))
    submit(app, "c", "Kharkiv and Izium", "Kharkiv and Izium.", START - timedelta(hours=3))
    assert once(app) == (0, 0)  # all held: nothing goes before 08:00 Kyiv
    assert app.store is not None and len(app.store.rows("held")) == 6
    clock.now = datetime(2026, 5, 2, 4, 59, tzinfo=UTC)  # 07:59 Kyiv
    izium = app.config.rules[0]
    assert app.delivery is not None and app.delivery.digest_fire(izium) == []
    clock.advance(minutes=1)  # 08:00 Kyiv: what the cron job runs
    assert app.delivery.digest_fire(izium) == ["chat", "mail"]
    assert once(app) == (2, 0)
    [mail] = smtp.wait_for(1)
    p = parts(mail)
    assert set(p) >= {"plain", "html"}
    html = p["html"]
    assert "<img" not in html.lower() and "&lt;img" in html and "@everyone" not in html
    # Newest first within a rule; articles matching both rules listed once, under the first.
    assert html.index("@\u200beveryone") < html.index("Kharkiv and Izium") < html.index("Old Izium report")
    assert "<h3>izium (3)</h3>" in html and "also: kharkiv" in html
    assert p["subject"].startswith("newsmon digest: 3 articles")
    assert "2026-05-01 08:00 EEST" in html  # published time shown in the digest's time zone
    [chat] = endpoint.wait_for(1)
    assert "Old Izium report" in chat["message"] and "@everyone" not in chat["message"]
    assert app.store.rows("held") == [] and len(app.store.rows("batched")) == 6
    # Fired again the next day with nothing held: nothing is sent (send_empty is off).
    clock.advance(days=1)
    assert app.delivery.digest_fire(izium) == [] and once(app) == (0, 0)


def test_empty_digest_is_sent_only_when_asked(make_app: Any, endpoint: Endpoint) -> None:
    clock = Clock(START)
    rules = ('[[rules]]\nname = "r"\nquery = "Izium"\nnotify = ["chat"]\n'
             'digest = { cron = "0 8 * * *", send_empty = true }\n')
    app = make_app(rules, f'chat = ["{endpoint.url}"]', clock)
    assert app.delivery.digest_fire(app.config.rules[0]) == ["chat"]
    assert once(app) == (1, 0)
    [msg] = endpoint.wait_for(1)
    assert "Nothing new" in msg["message"] and msg["title"] == "newsmon digest: 0 articles (r)"
    # Same fire time twice (a restart, a coalesced misfire): still one message.
    app.delivery.digest_fire(app.config.rules[0])
    assert once(app) == (0, 0)


def test_quiet_hours_hold_then_one_digest_and_urgent_goes_through(make_app: Any, endpoint: Endpoint) -> None:
    clock = Clock(datetime(2026, 5, 1, 20, 0, tzinfo=UTC))  # 23:00 Kyiv
    rules = ('[[rules]]\nname = "r"\nquery = "Izium"\nnotify = ["chat"]\n'
             '[[rules]]\nname = "u"\nquery = "Alarm"\nnotify = ["chat"]\npriority = "urgent"\n')
    app = make_app(rules, f'chat = ["{endpoint.url}"]', clock, 'quiet = "22:00-07:00"\ntz = "Europe/Kyiv"')
    submit(app, "1", "Izium one", "Izium.", clock.now)
    submit(app, "2", "Alarm in the night", "Alarm.", clock.now)
    clock.advance(hours=2)
    submit(app, "3", "Izium two", "Izium.", clock.now)
    assert once(app) == (1, 0)
    [urgent] = endpoint.wait_for(1)
    assert urgent["title"] == "Alarm in the night" and urgent["type"] == "failure"
    clock.now = datetime(2026, 5, 2, 3, 59, tzinfo=UTC)  # 06:59 Kyiv
    assert once(app) == (0, 0)
    clock.advance(minutes=1)
    assert once(app) == (1, 0)
    got = endpoint.wait_for(2)
    assert len(got) == 2 and "2 articles" in got[1]["title"] and "after quiet hours" in got[1]["title"]
    assert got[1]["message"].index("Izium two") < got[1]["message"].index("Izium one")


def test_throttle_rolls_the_rest_into_a_digest_at_the_window_end(make_app: Any, endpoint: Endpoint) -> None:
    clock = Clock(START)
    rules = '[[rules]]\nname = "r"\nquery = "Izium"\nnotify = ["chat"]\nmax_per_hour = 2\n'
    app = make_app(rules, f'chat = ["{endpoint.url}"]', clock)
    for i in range(5):
        submit(app, str(i), f"Izium story {i}", "Izium.", clock.now)
        clock.advance(minutes=5)
    assert once(app) == (2, 0)
    held = app.store.rows("held")
    assert len(held) == 3 and {r.reason for r in held} == {"throttled"}
    assert {r.release_at for r in held} == {START + timedelta(hours=1)}  # when the oldest send ages out
    clock.now = START + timedelta(hours=1)
    assert once(app) == (1, 0)
    got = endpoint.wait_for(3)
    assert [g["title"] for g in got[:2]] == ["Izium story 0", "Izium story 1"]
    assert "3 articles" in got[2]["title"] and "Izium story 4" in got[2]["message"]
    # The window has room again: the next article goes straight out.
    submit(app, "6", "Izium story 6", "Izium.", clock.now)
    assert once(app) == (1, 0)


def test_lane_releases_held_alerts_when_due_without_polling(make_app: Any, endpoint: Endpoint) -> None:
    clock = Clock(datetime(2026, 5, 1, 20, 0, tzinfo=UTC))
    app = make_app('[[rules]]\nname = "r"\nquery = "Izium"\nnotify = ["chat"]\n',
                   f'chat = ["{endpoint.url}"]', clock, 'quiet = "22:00-07:00"\ntz = "Europe/Kyiv"')
    submit(app, "1", "Izium", "Izium.", clock.now)
    lane = Lane("chat", app.delivery)
    wait = lane._step(0)
    assert wait == pytest.approx(8 * 3600)  # sleeps until quiet hours end, no polling
    clock.now = datetime(2026, 5, 2, 4, 0, tzinfo=UTC)
    assert lane._step(0) == 0  # released into a digest row
    assert lane._step(0) == 0  # sent
    assert lane._step(0) is None  # nothing left: wait for a wake
    assert len(endpoint.wait_for(1)) == 1


def test_digest_jobs_on_the_apscheduler(make_app: Any, endpoint: Endpoint) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    clock = Clock(START)
    app = make_app(DIGEST_RULES, f'mail = ["{endpoint.url}"]\nchat = ["{endpoint.url}"]', clock)
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)
    try:
        ids = schedule_digests(scheduler, app.delivery, app.config.rules, lambda targets: None)
        assert ids == ["digest:izium", "digest:kharkiv"]
        job = scheduler.get_job("digest:izium")
        assert str(job.trigger.timezone) == "Europe/Kyiv" and "hour='8'" in str(job.trigger)
        schedule_digests(scheduler, app.delivery, app.config.rules[:1], lambda targets: None)
        assert [j.id for j in scheduler.get_jobs()] == ["digest:izium"]  # stale job removed on reload
    finally:
        scheduler.shutdown(wait=False)


def test_two_digest_rules_firing_together_send_one_digest_and_no_false_empty(
        make_app: Any, endpoint: Endpoint) -> None:
    clock = Clock(START)
    rules = ('[[rules]]\nname = "a"\nquery = "Izium"\nnotify = ["chat"]\n'
             'digest = { cron = "0 8 * * *", send_empty = true }\n'
             '[[rules]]\nname = "b"\nquery = "Kharkiv"\nnotify = ["chat"]\n'
             'digest = { cron = "0 8 * * *", send_empty = true }\n'
             '[[rules]]\nname = "c"\nquery = "Odesa"\nnotify = ["chat"]\n'
             'digest = { cron = "0 8 * * *", send_empty = true }\n')
    app = make_app(rules, f'chat = ["{endpoint.url}"]', clock)
    submit(app, "1", "Izium news", "Izium.", START)
    submit(app, "2", "Kharkiv news", "Kharkiv.", START)
    clock.now = datetime(2026, 5, 1, 8, 0, 2, tzinfo=UTC)  # the jobs run a moment after 08:00
    for rule in app.config.rules:  # the three cron jobs, in any order
        app.delivery.digest_fire(rule)
    assert once(app) == (2, 0)
    got = endpoint.wait_for(2)
    titles = sorted(g["title"] for g in got)
    assert titles == ["newsmon digest: 0 articles (c)", "newsmon digest: 2 articles (a, b)"]
