"""sd_notify: the daemon as a real process talks to a NOTIFY_SOCKET the test binds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.service.notify import Notifier, watchdog_interval
from tests.conftest import newsmon_cmd
from tests.notifysock import NotifySocket, listening


@pytest.fixture
def notify_socket() -> Iterator[tuple[str, NotifySocket]]:
    with listening() as pair:
        yield pair


def test_run_tells_systemd_ready_status_watchdog_reload_and_stopping(
    tmp_path: Path, notify_socket: tuple[str, NotifySocket]
) -> None:
    path, sock = notify_socket
    folder = tmp_path / "in"
    folder.mkdir()
    config = tmp_path / "c.toml"
    config.write_text(f'[[folders]]\npath = "{folder}"\n\n[[rules]]\nname = "probe"\nquery = "Izium"\n'
                      'notify = ["log"]\n\n[targets]\nlog = ["alertlog://"]\n')
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="300000")  # ping every 0.15 s
    proc = subprocess.Popen(newsmon_cmd("run", "--config", str(config), "--state-dir", str(tmp_path / "s")),
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        ready = sock.wait("READY", "1")
        assert "1 folder(s) watched" in ready["STATUS"] and "outbox 0 pending" in ready["STATUS"]
        started = time.monotonic()
        sock.wait("WATCHDOG", "1")
        sock.wait("WATCHDOG", "1")
        assert time.monotonic() - started < 5

        proc.send_signal(signal.SIGHUP)
        reloading = sock.wait("RELOADING", "1")
        assert int(reloading["MONOTONIC_USEC"]) > 0
        assert "STATUS" in sock.wait("READY", "1")  # the reload is over

        # A broken config on reload: READY=1 again (the old config runs) and STATUS says so.
        config.write_text("[[rules]]\nname = \n")
        proc.send_signal(signal.SIGHUP)
        sock.wait("RELOADING", "1")
        assert sock.wait("READY", "1")["STATUS"].startswith("reload refused")

        proc.send_signal(signal.SIGTERM)
        sock.wait("STOPPING", "1")
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err


def test_notifier_reaches_an_abstract_socket_and_is_a_no_op_without_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = f"newsmon-test-{os.getpid()}"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(b"\0" + name.encode())
    server.settimeout(5)
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        notifier = Notifier.from_env()
        assert "NOTIFY_SOCKET" not in os.environ  # children do not inherit it
        assert notifier.ready("all good")
        assert server.recv(1024) == b"READY=1\nSTATUS=all good"
        notifier.close()
    finally:
        server.close()
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert not Notifier.from_env().ready()


def test_watchdog_interval_is_half_of_watchdog_usec_and_only_for_this_pid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert watchdog_interval() == 1.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog_interval() == 1.0
    monkeypatch.setenv("WATCHDOG_PID", "1")  # inherited from a parent: not ours
    assert watchdog_interval() is None
    monkeypatch.setenv("WATCHDOG_USEC", "0")
    assert watchdog_interval() is None


def test_sigterm_after_a_storm_of_sighups_still_stops_the_daemon(tmp_path: Path) -> None:
    """Signals reach the daemon's loop through a pipe. They once reached it through
    handlers that set a `threading.Event`; one that ran while the main thread held the
    Event's own lock (inside `Event.wait`) waited for itself, and the daemon never
    stopped: under this storm 2 runs in 5 hung."""
    folder = tmp_path / "in"
    folder.mkdir()
    config = tmp_path / "c.toml"
    config.write_text(f'[[folders]]\npath = "{folder}"\n\n[[rules]]\nname = "probe"\nquery = "Izium"\n'
                      'notify = ["log"]\n\n[targets]\nlog = ["alertlog://"]\n')
    for trial in range(3):
        log = tmp_path / f"err{trial}.log"
        with log.open("w") as err:
            proc = subprocess.Popen(
                newsmon_cmd("run", "--config", str(config), "--state-dir", str(tmp_path / f"s{trial}")),
                stdout=subprocess.DEVNULL, stderr=err, text=True)
            try:
                deadline = time.monotonic() + 30
                while "newsmon running" not in log.read_text() and time.monotonic() < deadline:
                    time.sleep(0.05)
                for _ in range(300):
                    proc.send_signal(signal.SIGHUP)
                    time.sleep(0.0005)
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        assert proc.returncode == 0, log.read_text()[-2000:]
        assert "received SIGTERM, stopping" in log.read_text()
