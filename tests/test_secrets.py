"""Secrets stay out of everything a person reads or we store; the state is private.

Each surface is exercised for real: `check`, `send-test`, `outbox`/`outbox log` and
`status` through the CLI, the delivery log and feed state in the SQLite file, log
lines of a real `newsmon run --once`, file modes on disk.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import redact
from monitor.cli import main
from monitor.redact import mask_url
from monitor.store.sql import open_store
from tests.conftest import Endpoint, drop_file, free_port, newsmon_cmd
from tests.fixtures.feeds.feedserver import FeedServer, feed_route, redirect_route, rss

HEADER_URL = "json://127.0.0.1:{port}/hook?+Authorization=Bearer%20SECRETH&-apikey=SECRETP&:x=SECRETQ"


def _secrets_in(text: str) -> list[str]:
    return [s for s in ("SECRETH", "SECRETP", "SECRETQ", "SECRETU", "SECRETF", "SECRETM", "p@ss", "ss@")
            if s in text]


# -- mask_url: what is a secret, and what is not ------------------------------------------------


@pytest.mark.parametrize("url, shown, hidden", [
    ("json://h/hook?+Authorization=Bearer%20SECRETH", "json://h/hook?+Authorization=***", "SECRETH"),
    ("json://h/hook?%2BAuthorization=Bearer%20SECRETH&-k=SECRETP&%3Ax=SECRETQ",
     "json://h/hook?%2BAuthorization=***&-k=***&%3Ax=***", "SECRET"),
    ("mailto://user:p@ss@mail.example.org?to=a@b.org", "mailto://***@mail.example.org?to=a@b.org", "ss@"),
    ("https://f.example/rss?apikey=S1&x=1&access_token=S2&sig=S3&client_secret=S4&Key=S5",
     "https://f.example/rss?apikey=***&x=1&access_token=***&sig=***&client_secret=***&Key=***", "S"),
    ("https://user:pw@f.example/feed", "https://***@f.example/feed", "pw"),
])
def test_mask_url_hides_every_kind_of_secret(url: str, shown: str, hidden: str) -> None:
    assert mask_url(url) == shown
    assert hidden not in mask_url(url).replace("***", "")


def test_mask_url_hides_service_tokens_not_file_names_or_article_paths() -> None:
    import apprise  # noqa: F401  (loaded: Apprise's own privacy URL decides what is a token)

    assert mask_url("discord://123456789012/abcdefghijklmnopqrstuvwxyz0123") == "discord://***/***"
    assert mask_url("tgram://123456789:ABCdefGHIjklMNOpqrSTUvwxYZ012345/-100123") == "tgram://***:***/-100123"
    assert mask_url("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general") == \
        "slack://***/***/***/#general"
    assert mask_url("ntfys://ntfy.example.org/newsroom") == "ntfys://ntfy.example.org/newsroom"
    # Native webhook URLs that Apprise reads as Slack/Discord services.
    assert mask_url("https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ") == \
        "https://hooks.slack.com/services/***/***/***"
    assert mask_url("https://discord.com/api/webhooks/123456789012345678/abcDEF-ghi_JKLmnoPQRstuVWX") == \
        "https://discord.com/api/webhooks/***/***"
    for kept in ("/data/inbox/2026-03-01_reuters_kharkiv_situation_report.txt",
                 "https://news.example/2026/03/01/a-very-long-article-slug-about-izium-and-kharkiv"):
        assert mask_url(kept) == kept


def test_mask_text_masks_urls_in_free_text_and_drops_bidi_and_control_characters() -> None:
    line = "GET https://f.example/x?token=SECRETF failed for txt.\u202eexe\x1b[2J"
    assert redact.mask_text(line) == "GET https://f.example/x?token=*** failed for txt.exe[2J"


# -- CLI surfaces -------------------------------------------------------------------------------


def _config(tmp_path: Path, hook_port: int, feed_url: str = "https://f.example/rss?apikey=SECRETF") -> Path:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[[feeds]]\nname = "private"\nurl = "{feed_url}"\n\n'
        '[[rules]]\nname = "izium"\nquery = "Izium"\nnotify = ["hook"]\n\n'
        f'[targets]\nhook = ["{HEADER_URL.format(port=hook_port)}"]\n'
        'mail = ["mailto://user:p@ss@127.0.0.1:9?to=a@example.org&from=b@example.org&pass=SECRETM"]\n'
        '[alerts]\nretry_initial = "30s"\n', encoding="utf-8")
    return cfg


def test_check_and_send_test_mask_header_args_and_passwords(tmp_path: Path, endpoint: Endpoint) -> None:
    cfg = _config(tmp_path, endpoint.port)
    runner = CliRunner()
    check = runner.invoke(main, ["check", "--config", str(cfg)])
    assert check.exit_code == 0, check.output
    assert "+Authorization=***" in check.output and "mailto://***@127.0.0.1" in check.output
    assert _secrets_in(check.output) == []
    sent = runner.invoke(main, ["send-test", "hook", "--config", str(cfg)])
    assert sent.exit_code == 0, sent.output
    assert "hook: OK" in sent.output and _secrets_in(sent.output) == []
    assert endpoint.wait_for(1)[0]["title"] == "newsmon test alert"


def test_delivery_log_and_outbox_commands_hold_no_header_secret(tmp_path: Path) -> None:
    down = free_port()  # nothing listens: the attempt fails and is logged
    cfg = _config(tmp_path, down)
    state = tmp_path / "state"
    from monitor.app import App
    from monitor.article import RawItem
    from monitor.settings import load_config

    app = App(load_config(cfg), state_dir=state, echo_alerts=False)
    app.open()
    try:
        assert app.pipeline is not None
        app.pipeline.process(RawItem("wire", "k1", title="Izium update", body="Izium news."))
        assert app.run_once().queued == 1
    finally:
        app.stop()
    runner = CliRunner()
    for args in (["outbox"], ["outbox", "--json"], ["outbox", "log"]):
        out = runner.invoke(main, [*args, "--config", str(cfg), "--state-dir", str(state)])
        assert out.exit_code == 0, out.output
        assert _secrets_in(out.output) == [], (args, out.output)
    assert "FAIL" in runner.invoke(main, ["outbox", "log", "--config", str(cfg),
                                          "--state-dir", str(state)]).output
    assert _secrets_in(_dump(state / "newsmon.db")) == []


def _dump(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return "\n".join(str(row) for table in ("outbox", "delivery_log", "source_state")
                         for row in conn.execute(f"SELECT * FROM {table}"))


def test_feed_state_and_status_hold_no_feed_token(tmp_path: Path) -> None:
    srv = FeedServer()
    srv.routes["/rss"] = redirect_route("/moved?token=SECRETM&x=1", status=301)
    srv.routes["/moved"] = feed_route(rss([("Izium news", "Izium text")]))
    srv.start()
    try:
        cfg = _config(tmp_path, free_port(), srv.url("/rss?apikey=SECRETF&access_token=SECRETU"))
        text = cfg.read_text().replace("[alerts]", '[fetch]\nallow_private = true\n[alerts]')
        cfg.write_text(text, encoding="utf-8")
        state = tmp_path / "state"
        once = subprocess.run(newsmon_cmd("run", "--once", "--config", str(cfg), "--state-dir", str(state)),
                              capture_output=True, text=True, timeout=90)
        assert once.returncode == 0, once.stderr
        assert "moved permanently" in once.stderr and _secrets_in(once.stderr) == [], once.stderr
    finally:
        srv.stop()
    stored = _dump(state / "newsmon.db")
    assert "apikey=***" in stored and _secrets_in(stored) == [], stored
    for args in (["status"], ["status", "--json"]):
        out = CliRunner().invoke(main, [*args, "--config", str(cfg), "--state-dir", str(state)])
        assert out.exit_code == 0, out.output
        assert "private" in out.output and _secrets_in(out.output) == [], out.output
        assert "never" not in out.output  # the masked URL still identifies the feed's state


# -- log lines ------------------------------------------------------------------------------------


def test_log_lines_keep_long_file_names_and_drop_bidi_controls(tmp_path: Path, endpoint: Endpoint) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    name = "2026-03-01_reuters_kharkiv_situation_report\u202eazi.txt"
    drop_file(folder, name, "Izium report\n\nFighting near Izium.\n")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[[folders]]\npath = "{folder}"\n\n[[rules]]\nname = "izium"\nquery = "Izium"\n'
                   f'notify = ["hook"]\n\n[targets]\nhook = ["{endpoint.url}?+X-Token=SECRETH"]\n',
                   encoding="utf-8")
    once = subprocess.run(newsmon_cmd("run", "--once", "--log-level", "info", "--config", str(cfg),
                                      "--state-dir", str(tmp_path / "state")),
                          capture_output=True, text=True, timeout=90)
    assert once.returncode == 0, once.stderr
    matched = [line for line in once.stderr.splitlines() if "matched izium" in line]
    assert matched and "2026-03-01_reuters_kharkiv_situation_reportazi.txt" in matched[0], once.stderr
    assert "\u202e" not in once.stderr and _secrets_in(once.stderr) == []


# -- file modes -----------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_dir_is_0700_and_database_files_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: would give 0755 / 0644
    try:
        state = tmp_path / "state"
        store = open_store(state)
        store.sources.put("feed:x", {"a": 1})  # a write: -wal and -shm exist now
        assert _mode(state) == 0o700
        for name in ("newsmon.db", "newsmon.db-wal", "newsmon.db-shm"):
            assert (state / name).exists() and _mode(state / name) == 0o600, name
        store.close()
        from monitor.alerts import alertlog

        alertlog.configure(state / "alerts.log", echo=False)
        import apprise

        assert apprise.Apprise.instantiate("alertlog://").notify(body="b", title="t")
        assert _mode(state / "alerts.log") == 0o600
    finally:
        os.umask(old)


def test_existing_open_state_dir_gets_a_warning_and_old_db_is_tightened(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "shared-state"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    (state / "newsmon.db").touch()
    (state / "newsmon.db").chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="monitor.store"):
        open_store(state).close()
    assert any("open to other users" in r.getMessage() and str(state) in r.getMessage()
               for r in caplog.records)
    assert _mode(state) == 0o755  # the admin's choice, only warned about
    assert _mode(state / "newsmon.db") == 0o600


def test_config_error_quoting_a_url_masks_its_secret(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[targets]\nhook = "json://h/hook?+Authorization=Bearer%20SECRETH"\n', encoding="utf-8")
    out = CliRunner().invoke(main, ["check", "--config", str(cfg)])
    assert out.exit_code == 2 and "targets.hook" in out.output
    assert "+Authorization=***" in out.output and _secrets_in(out.output) == [], out.output
