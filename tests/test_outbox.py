"""The outbox with real servers on loopback: retries, order, isolation, dead letters, re-queue,
idempotency keys, our per-target rate limit, and the `outbox` / `send-test` commands."""

from __future__ import annotations

import email
import http.server
import threading
import time
from collections.abc import Iterator
from email import policy as email_policy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.alerts.deliver import KEY_HEADER, Sender
from monitor.app import App
from monitor.article import RawItem
from monitor.cli import main
from monitor.settings import load_config
from tests.conftest import Endpoint, SmtpSink

FAST_RETRY = 'retry_initial = "0.2s"\nretry_max = "0.4s"\n'


def write(tmp_path: Path, targets: str, alerts: str = FAST_RETRY, notify: str = '["mail", "chat"]') -> Path:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[[rules]]\nname = "izium"\nquery = "Izium"\nnotify = {notify}\n'
                   f"[targets]\n{targets}\n[alerts]\n{alerts}\n", encoding="utf-8")
    return cfg


def items(n: int) -> list[RawItem]:
    return [RawItem("wire", f"k{i}", title=f"Izium update {i}", body=f"Izium report number {i}.")
            for i in range(n)]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Any]:
    apps: list[App] = []

    def _start(cfg: Path) -> App:
        app = App(load_config(cfg), state_dir=tmp_path / "state", echo_alerts=False)
        app.start()
        apps.append(app)
        return app

    yield _start
    for app in apps:
        app.stop()


def test_refusing_endpoint_gets_everything_in_order_and_smtp_exactly_once(
        tmp_path: Path, smtp: SmtpSink, running: Any) -> None:
    chat = Endpoint()  # not up yet: connections are refused
    app = running(write(tmp_path, f'mail = ["{smtp.url}"]\nchat = ["{chat.url}"]',
                        FAST_RETRY + 'min_interval = { mail = "0s" }\n'))
    try:
        app._submit(items(4))
        mails = smtp.wait_for(4)
        assert len(mails) == 4  # the healthy target is not held up by the failing one
        time.sleep(0.6)  # a few failed attempts on the chat lane
        assert app.store.count("pending") >= 1 and app.store.count("dead") == 0
        chat.up()
        got = chat.wait_for(4, timeout=20)
        assert [g["title"] for g in got] == [f"Izium update {i}" for i in range(4)]
    finally:
        chat.down()
    time.sleep(0.3)
    assert len(smtp.messages) == 4  # exactly once each, no re-sends to the healthy target
    subjects = sorted(str(email.message_from_bytes(m, policy=email_policy.default)["subject"])
                      for m in smtp.messages)
    assert subjects == [f"Izium update {i}" for i in range(4)]
    failures = [e for e in app.store.deliveries(limit=1000) if not e["ok"]]
    assert failures and all(e["target"] == "chat" for e in failures)  # the notification log


class FlakyHook:
    """Answers 500 the first time, then 200; records each request's idempotency header."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.bodies: list[bytes] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                outer.keys.append(self.headers.get(KEY_HEADER, ""))
                self.send_response(500 if len(outer.keys) == 1 else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"


def test_resend_carries_the_same_idempotency_key(tmp_path: Path, running: Any) -> None:
    hook = FlakyHook()
    try:
        app = running(write(tmp_path, f'chat = ["{hook.url}"]', notify='["chat"]'))
        app._submit(items(1))
        deadline = time.time() + 10
        while len(hook.keys) < 2 and time.time() < deadline:
            time.sleep(0.05)
    finally:
        hook.server.shutdown()
    assert len(hook.keys) == 2 and hook.keys[0] == hook.keys[1] and hook.keys[0].startswith("article:")
    assert hook.bodies[0] == hook.bodies[1]  # the same message, rendered the same way


def test_4xx_is_dead_lettered_at_once_and_outbox_retry_resends(tmp_path: Path) -> None:
    hook = Endpoint(status=403)
    hook.up()
    try:
        cfg = write(tmp_path, f'chat = ["{hook.url}"]', notify='["chat"]')
        app = App(load_config(cfg), state_dir=tmp_path / "state", echo_alerts=False)
        app.open()
        assert app.pipeline is not None
        app.pipeline.process(items(1)[0])
        summary = app.run_once()
        assert app.store is not None
        assert (summary.delivered, summary.queued) == (0, 0)
        [dead] = app.store.rows("dead")
        assert dead.attempts == 1 and "403" in dead.last_error and "permanent" in dead.last_error
        app.stop()
        runner = CliRunner()
        base = ["outbox", "--config", str(cfg), "--state-dir", str(tmp_path / "state")]
        listing = runner.invoke(main, base)
        assert listing.exit_code == 0 and "dead" in listing.output and "403" in listing.output
        hook.status = 200
        retried = runner.invoke(main, [*base, "retry", str(dead.id)])
        assert retried.exit_code == 0, retried.output
        assert "re-queued 1" in retried.output and f"{dead.id}: sent to chat" in retried.output
        assert [m["title"] for m in hook.wait_for(1)] == ["Izium update 0"]
        again = runner.invoke(main, ["outbox", "retry", "--all", "--config", str(cfg),
                                     "--state-dir", str(tmp_path / "state")])
        assert again.exit_code == 1 and "no dead letters" in again.output
        log = runner.invoke(main, [*base, "log"])
        assert log.output.count("alert") == 2 and "FAIL" in log.output and "ok" in log.output
    finally:
        hook.down()


def test_outbox_retry_needs_an_id_or_all(tmp_path: Path) -> None:
    cfg = write(tmp_path, 'chat = ["json://127.0.0.1:9/x"]', notify='["chat"]')
    out = CliRunner().invoke(main, ["outbox", "--config", str(cfg), "--state-dir", str(tmp_path / "s"),
                                    "retry"])
    assert out.exit_code == 2 and "give one alert ID or --all" in out.output


def test_our_rate_limit_replaces_apprises_sleep(tmp_path: Path, running: Any) -> None:
    sender = Sender({"mail": ["mailto://127.0.0.1:25?from=a@b.test&to=c@d.test&mode=insecure"]})
    [svc] = sender.services("mail")
    assert sender.min_interval("mail") == 5.5  # the gap the email plugin needs, kept as our default
    assert svc.plugin.request_rate_per_sec == 0  # ... but Apprise no longer sleeps inside a send
    chat = Endpoint()
    chat.up()
    try:
        app = running(write(tmp_path, f'chat = ["{chat.url}"]',
                            FAST_RETRY + 'min_interval = { chat = "0.25s" }\n', notify='["chat"]'))
        app._submit(items(3))
        chat.wait_for(3)
    finally:
        chat.down()
    gaps = [b - a for a, b in zip(chat.arrivals, chat.arrivals[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.2


def test_send_test_prints_each_service(tmp_path: Path, smtp: SmtpSink, endpoint: Endpoint) -> None:
    cfg = write(tmp_path, f'both = ["{smtp.url}", "{endpoint.url}"]\ndown = ["json://127.0.0.1:9/x"]',
                notify='["both"]')
    runner = CliRunner()
    ok = runner.invoke(main, ["send-test", "both", "--config", str(cfg)])
    assert ok.exit_code == 0, ok.output
    assert "both: OK     E-Mail" in ok.output and "(html)" in ok.output
    assert "both: OK     JSON" in ok.output and "(text)" in ok.output
    assert len(smtp.wait_for(1)) == 1 and endpoint.wait_for(1)[0]["title"] == "newsmon test alert"
    bad = runner.invoke(main, ["send-test", "down", "--config", str(cfg)])
    assert bad.exit_code == 1 and "FAILED JSON" in bad.output
    unknown = runner.invoke(main, ["send-test", "nope", "--config", str(cfg)])
    assert unknown.exit_code == 2 and "unknown target" in unknown.output


def test_tagged_services_from_an_apprise_config_file(tmp_path: Path, endpoint: Endpoint) -> None:
    other = Endpoint()
    other.up()
    try:
        (tmp_path / "apprise.yml").write_text(
            f"urls:\n  - {endpoint.url}:\n    - tag: ukraine\n  - {other.url}:\n    - tag: sport\n",
            encoding="utf-8")
        cfg = write(tmp_path, 'team = ["apprise.yml"]', notify='["tag:ukraine"]')
        config = load_config(cfg)
        assert config.targets["team"] == (str(tmp_path / "apprise.yml"),)
        app = App(config, state_dir=tmp_path / "state", echo_alerts=False)
        app.open()
        assert app.pipeline is not None
        app.pipeline.process(items(1)[0])
        assert app.run_once().delivered == 1
        app.stop()
        assert endpoint.wait_for(1)[0]["title"] == "Izium update 0"
        assert other.received == []
    finally:
        other.down()


def test_partial_failure_in_one_target_does_not_resend_to_the_service_that_took_it(
        tmp_path: Path, smtp: SmtpSink) -> None:
    chat = Endpoint()  # down at first
    cfg = write(tmp_path, f'both = ["{smtp.url}", "{chat.url}"]', notify='["both"]')
    app = App(load_config(cfg), state_dir=tmp_path / "state", echo_alerts=False)
    app.open()
    try:
        assert app.pipeline is not None and app.store is not None and app.delivery is not None
        app.pipeline.process(items(1)[0])
        [row] = app.store.rows("pending")
        assert app.delivery.attempt(row) is False  # mail took it, chat refused
        chat.up()
        row = app.store.get(row.id)
        assert row is not None and row.attempts == 1
        assert app.delivery.attempt(row) is True
        assert len(chat.wait_for(1)) == 1
        time.sleep(0.2)
        assert len(smtp.messages) == 1  # not sent again to the service that already had it
        log = CliRunner().invoke(main, ["outbox", "--config", str(cfg), "--state-dir",
                                        str(tmp_path / "state"), "log"])
        assert "already delivered" in log.output and "Connection error" in log.output
    finally:
        app.stop()
        chat.down()


def test_local_alertlog_target_writes_at_once_not_every_5_5_s(tmp_path: Path, running: Any) -> None:
    log_file = tmp_path / "alerts.log"
    app = running(write(tmp_path, f'local = ["alertlog://{log_file}"]', notify='["local"]'))
    assert app.delivery.min_interval("local") == 0  # Apprise's default would be 5.5 s
    start = time.monotonic()
    app._submit(items(3))
    while time.monotonic() - start < 10 and (not log_file.exists() or log_file.read_text().count("=== ") < 3):
        time.sleep(0.05)
    assert log_file.read_text().count("=== ") == 3
    assert time.monotonic() - start < 3  # paced at 5.5 s this took over 11 s


def _queued_in_backoff(tmp_path: Path, chat: Endpoint) -> tuple[Path, Path, int]:
    """One alert whose first attempt failed: queued, next attempt 10 minutes away."""
    cfg = write(tmp_path, f'chat = ["{chat.url}"]', 'retry_initial = "10m"\nretry_max = "1h"\n',
                notify='["chat"]')
    state = tmp_path / "state"
    row = _route_one(cfg, state, "pending", attempt=True)
    assert row.attempts == 1 and row.next_attempt_at.timestamp() > time.time() + 500
    return cfg, state, row.id


def _route_one(cfg: Path, state: Path, expect: str, attempt: bool = False) -> Any:
    """Route one article (with `attempt`, try it once too); its outbox row, in state `expect`."""
    app = App(load_config(cfg), state_dir=state, echo_alerts=False)
    app.open()
    try:
        assert app.pipeline is not None and app.store is not None
        app.pipeline.process(items(1)[0])
        if attempt:
            app.run_once()
        [row] = app.store.rows(expect)
        return row
    finally:
        app.stop()


def test_run_once_tries_a_queued_alert_now_whatever_its_backoff(tmp_path: Path) -> None:
    chat = Endpoint()  # down for the first attempt
    cfg, state, _row_id = _queued_in_backoff(tmp_path, chat)
    chat.up()
    try:
        app = App(load_config(cfg), state_dir=state, echo_alerts=False)
        app.open()
        try:
            assert app.run_once().delivered == 1
        finally:
            app.stop()
        assert [g["title"] for g in chat.wait_for(1)] == ["Izium update 0"]
    finally:
        chat.down()


def test_outbox_retry_id_sends_a_queued_alert_now(tmp_path: Path) -> None:
    chat = Endpoint()
    cfg, state, row_id = _queued_in_backoff(tmp_path, chat)
    chat.up()
    try:
        out = CliRunner().invoke(main, ["outbox", "retry", str(row_id), "--config", str(cfg),
                                        "--state-dir", str(state)])
        assert out.exit_code == 0, out.output
        assert f"{row_id}: sent to chat" in out.output
        assert [g["title"] for g in chat.wait_for(1)] == ["Izium update 0"]
        again = CliRunner().invoke(main, ["outbox", "retry", str(row_id), "--config", str(cfg),
                                          "--state-dir", str(state)])
        assert again.exit_code == 1 and "already sent" in again.output
        missing = CliRunner().invoke(main, ["outbox", "retry", "999", "--config", str(cfg),
                                            "--state-dir", str(state)])
        assert missing.exit_code == 1 and "no alert 999" in missing.output
    finally:
        chat.down()


def test_outbox_retry_leaves_a_held_alert_held_unless_release(tmp_path: Path, endpoint: Endpoint) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    quiet = f'"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=1)):%H:%M}"'
    cfg = write(tmp_path, f'chat = ["{endpoint.url}"]', f"quiet = {quiet}\n", notify='["chat"]')
    state = tmp_path / "state"
    row = _route_one(cfg, state, "held")
    args = ["outbox", "retry", str(row.id), "--config", str(cfg), "--state-dir", str(state)]
    held = CliRunner().invoke(main, args)
    assert held.exit_code == 1 and "is held (quiet-hours)" in held.output and "--release" in held.output
    time.sleep(0.2)
    assert endpoint.received == []
    released = CliRunner().invoke(main, [*args, "--release"])
    assert released.exit_code == 0, released.output
    assert "released alert" in released.output and ": sent to chat" in released.output
    [digest] = endpoint.wait_for(1)
    assert "Izium update 0" in digest["message"]
