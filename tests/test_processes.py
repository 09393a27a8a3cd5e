"""`newsmon run --once` as a real process, killed mid-poll: its parse workers and
multiprocessing's resource tracker must not outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import newsmon_cmd
from tests.fixtures.feeds.feedserver import HERE as FEEDS
from tests.fixtures.feeds.feedserver import FeedServer, feed_route, trickle_route

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def _stat(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) of a live process, None if gone or a zombie."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = raw.rsplit(")", 1)[1].split()[:2]
    return None if state in ("Z", "X") else (state, int(ppid))


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            children.setdefault(st[1], []).append(int(entry))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    srv = FeedServer()
    srv.routes["/fast.xml"] = feed_route((FEEDS / "rss20.xml").read_bytes())
    srv.routes["/slow.xml"] = trickle_route(seconds=60)  # keeps `--once` busy, workers up
    srv.start()
    yield srv
    srv.stop()


def _start_once(tmp_path: Path, feeds: FeedServer) -> subprocess.Popen[bytes]:
    config = tmp_path / "c.toml"
    config.write_text(
        '[fetch]\nallow_private = true\ntimeout = "90s"\n\n'
        f'[[feeds]]\nname = "fast"\nurl = "{feeds.url("/fast.xml")}"\n\n'
        f'[[feeds]]\nname = "slow"\nurl = "{feeds.url("/slow.xml")}"\n\n'
        '[[rules]]\nname = "any"\nquery = "the"\nnotify = ["log"]\n\n'
        '[targets]\nlog = ["alertlog://"]\n', encoding="utf-8")
    return subprocess.Popen(newsmon_cmd("run", "--once", "--config", str(config), "--state-dir",
                                        str(tmp_path / "state")),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _workers_of(proc: subprocess.Popen[bytes], feeds: FeedServer, timeout: float = 60) -> set[int]:
    """The child processes of `proc` once its parse pool is up (the slow feed still loading)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "newsmon exited before the test could kill it"
        kids = descendants(proc.pid)
        if any("multiprocessing" in _cmdline(k) and "resource_tracker" not in _cmdline(k) for k in kids) \
                and "/slow.xml" in feeds.paths():
            return kids
        time.sleep(0.1)
    raise AssertionError(f"no parse workers under pid {proc.pid} after {timeout}s")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_parse_workers_and_resource_tracker_die_with_the_daemon(
        tmp_path: Path, feeds: FeedServer, sig: signal.Signals) -> None:
    proc = _start_once(tmp_path, feeds)
    kids: set[int] = set()
    try:
        kids = _workers_of(proc, feeds)
        assert any("resource_tracker" in _cmdline(k) for k in kids) or sys.version_info >= (3, 14)
        os.kill(proc.pid, sig)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and [k for k in kids if _stat(k) is not None]:
            time.sleep(0.1)
        left = {k: _cmdline(k) for k in kids if _stat(k) is not None}
        assert not left, f"still running after the daemon died: {left}"
    finally:
        for k in kids:  # never leave them behind, whatever the outcome
            if _stat(k) is not None:
                os.kill(k, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
