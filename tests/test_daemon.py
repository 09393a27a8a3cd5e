"""The daemon as a real process: seed alert once, restart without re-alerts, signals, queued delivery."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import ROOT, Endpoint, drop_file, newsmon_cmd


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "p"
    shutil.copytree(ROOT / "config", project / "config")
    shutil.copytree(ROOT / "seeds", project / "seeds")
    return project


def test_shipped_config_alerts_once_then_never_again(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    state = tmp_path / "state"
    cmd = newsmon_cmd("run", "--once", "--config", str(project / "config/newsmon.toml"),
                      "--state-dir", str(state))
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "Izium" in first.stdout
    log_text = (state / "alerts.log").read_text()
    assert log_text.count("=== ") == 1 and "Izium" in log_text

    second = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    assert "Izium" not in second.stdout + second.stderr
    assert (state / "alerts.log").read_text() == log_text


def _config(tmp_path: Path, folder: Path, target_url: str, extra: str = "") -> Path:
    path = tmp_path / "c.toml"
    path.write_text(f'[[folders]]\npath = "{folder}"\n\n[[rules]]\nname = "probe"\nquery = "Izium"\n'
                    f'notify = ["hook"]\n\n[targets]\nhook = ["{target_url}"]\n{extra}')
    return path


def _start(config: Path, state: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(newsmon_cmd("run", "--config", str(config), "--state-dir", str(state)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc


def _wait_log(state: Path, needle: str, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        db = state / "newsmon.db"
        if db.exists():
            return
        time.sleep(0.05)


def test_daemon_delivers_drops_stops_on_sigterm_and_does_not_realert(
    tmp_path: Path, endpoint: Endpoint
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    state = tmp_path / "state"
    config = _config(tmp_path, folder, endpoint.url)
    drop_file(folder, "before.txt", "Before start: Izium markerBefore\n\nText about Izium.\n")

    proc = _start(config, state)
    try:
        got = endpoint.wait_for(1)
        assert any("markerBefore" in m.get("title", "") for m in got), got
        drop_file(folder, "live.txt", "Live drop: Izium markerLive\n\nText about Izium.\n")
        got = endpoint.wait_for(2)
        assert any("markerLive" in m.get("title", "") for m in got), got
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stopping" in err

    # While it is down a file arrives; on restart it is picked up, and nothing is re-sent.
    drop_file(folder, "while-down.txt", "While down: Izium markerDown\n\nText about Izium.\n")
    proc = _start(config, state)
    try:
        got = endpoint.wait_for(3)
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    titles = [m.get("title", "") for m in endpoint.received]
    assert sum("markerBefore" in t for t in titles) == 1
    assert sum("markerLive" in t for t in titles) == 1
    assert sum("markerDown" in t for t in titles) == 1
    assert proc.returncode == 0


def test_alert_stays_queued_while_target_is_down_then_arrives(tmp_path: Path) -> None:
    ep = Endpoint()  # not started: connections are refused
    folder = tmp_path / "in"
    folder.mkdir()
    state = tmp_path / "state"
    config = _config(tmp_path, folder, ep.url, '\n[alerts]\nretry_initial = "0.3s"\nretry_max = "1s"\n')
    drop_file(folder, "a.txt", "Queued: Izium markerQ\n\nText about Izium.\n")

    once = subprocess.run(newsmon_cmd("run", "--once", "--config", str(config), "--state-dir", str(state)),
                          capture_output=True, text=True, timeout=60)
    assert once.returncode == 0, once.stderr
    assert "remain queued for retry" in once.stderr
    assert "hook" in once.stderr  # the failing target is named

    # A running daemon retries with backoff and delivers once the endpoint is back.
    proc = _start(config, state)
    try:
        time.sleep(1.0)
        ep.up()
        got = ep.wait_for(1, timeout=15)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
        ep.down()
    assert [m.get("title", "").count("markerQ") for m in got] == [1]


def test_bad_files_are_skipped_and_the_daemon_keeps_going(tmp_path: Path, endpoint: Endpoint) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "binary.txt").write_bytes(os.urandom(4096).replace(b"\n", b"\x00"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "dir.txt").mkdir()
    (folder / "good.txt").write_text("Good Izium markerGood\n\nUkrainian forces entered Izium.\n")
    config = _config(tmp_path, folder, endpoint.url)
    once = subprocess.run(newsmon_cmd("run", "--once", "--config", str(config), "--state-dir",
                                      str(tmp_path / "state")), capture_output=True, text=True, timeout=60)
    assert once.returncode == 0, once.stderr
    for name in ("binary.txt", "empty.txt", "dir.txt"):
        assert any(name in line and "WARNING" in line for line in once.stderr.splitlines()), name
    assert [m["title"] for m in endpoint.received] == ["Good Izium markerGood"]
    # The next start does not warn about the same unchanged files again...
    cmd = newsmon_cmd("run", "--once", "--config", str(config), "--state-dir", str(tmp_path / "state"))
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "WARNING" not in again.stderr, again.stderr
    # ...but a file that was fixed since is read and alerts.
    (folder / "empty.txt").write_text("Fixed Izium markerFixed\n\nUkrainian forces in Izium.\n")
    fixed = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert fixed.returncode == 0, fixed.stderr
    assert [m["title"] for m in endpoint.received] == ["Good Izium markerGood",
                                                       "Fixed Izium markerFixed"]


def test_alert_survives_sigkill_and_is_delivered_once_after_restart(tmp_path: Path) -> None:
    ep = Endpoint()  # down while the first daemon runs
    folder = tmp_path / "in"
    folder.mkdir()
    state = tmp_path / "state"
    config = _config(tmp_path, folder, ep.url, '\n[alerts]\nretry_initial = "0.2s"\nretry_max = "0.5s"\n')
    proc = _start(config, state)
    try:
        deadline = time.time() + 30
        drop_file(folder, "k.txt", "Killed: Izium markerKill\n\nText about Izium.\n")
        import sqlite3

        while time.time() < deadline:  # wait until the alert is committed to the outbox
            try:
                with sqlite3.connect(state / "newsmon.db") as db:
                    if db.execute("SELECT count(*) FROM outbox").fetchone()[0]:
                        break
            except sqlite3.OperationalError:
                pass
            time.sleep(0.05)
        else:
            raise AssertionError("the alert never reached the outbox")
    finally:
        proc.kill()  # no clean shutdown
        proc.communicate(timeout=20)
    ep.up()
    proc = _start(config, state)
    try:
        got = ep.wait_for(1)
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
        ep.down()
    assert [m.get("title", "") for m in ep.received] == ["Killed: Izium markerKill"], got
