"""The [http] endpoint on a real daemon: counters move with real traffic; /readyz
fails while the state file cannot be written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Endpoint, drop_file, free_port, newsmon_cmd
from tests.notifysock import listening

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "feeds"))
from feedserver import FeedServer, feed_route, rss

# Root writes through any file mode. As root the daemon runs without the capabilities
# that allow it (CAP_DAC_OVERRIDE, CAP_FOWNER...), as the unit's CapabilityBoundingSet=
# runs it: then a read-only state file really is read-only to it.
AS_ROOT = os.geteuid() == 0
_PR_CAPBSET_DROP = 24
_DAC_CAPS = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def _drop_file_caps() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _DAC_CAPS:
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def value(metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_move_with_articles_and_alerts_and_readyz_fails_on_read_only_state(
    tmp_path: Path, endpoint: Endpoint
) -> None:
    base = tmp_path
    feeds = FeedServer().start()
    feeds.routes["/news.xml"] = feed_route(rss([("g1", "Shelling near Izium feedMarker"),
                                                ("g2", "Weather in Lisbon")]))
    folder, state = base / "in", base / "state"
    folder.mkdir()
    port = free_port()
    config = base / "c.toml"
    config.write_text(
        f'[http]\nlisten = "127.0.0.1:{port}"\n\n[fetch]\nallow_private = true\n\n'
        f'[[folders]]\npath = "{folder}"\n\n'
        f'[[feeds]]\nname = "news"\nurl = "{feeds.url("/news.xml")}"\ninterval = "2s"\nbackfill = "all"\n\n'
        '[[rules]]\nname = "probe"\nquery = "Izium"\nnotify = ["hook"]\n\n'
        f'[targets]\nhook = ["{endpoint.url}"]\n')
    drop_file(folder, "a.txt", "Izium fileMarker\n\nForces entered Izium.\n")
    drop_file(folder, "b.txt", "Nothing here\n\nA quiet day in Porto.\n")
    cmd = newsmon_cmd("run", "--config", str(config), "--state-dir", str(state))
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_drop_file_caps if AS_ROOT else None)
    url = f"http://127.0.0.1:{port}"
    try:
        got = endpoint.wait_for(2)
        assert sorted(m["title"] for m in got) == ["Izium fileMarker", "Shelling near Izium feedMarker"]
        drop_file(folder, "a-copy.txt", "Izium fileMarker\n\nForces entered Izium.\n")  # same content
        deadline = time.time() + 20
        while time.time() < deadline:
            status, text = get(url + "/metrics")
            m = samples(text)
            if (value(m, "newsmon_articles_dropped_total", source_kind="folder", reason="copy")
                    and value(m, "newsmon_deliveries_total", target="hook", result="sent") == 2
                    and value(m, "newsmon_feed_fetches_total", result="ok")):  # committed after submit
                break
            time.sleep(0.2)
        assert status == 200
        assert value(m, "newsmon_articles_seen_total", source_kind="folder") == 3
        assert value(m, "newsmon_articles_seen_total", source_kind="feed") == 2
        assert value(m, "newsmon_articles_matched_total", source_kind="folder") == 1
        assert value(m, "newsmon_articles_matched_total", source_kind="feed") == 1
        assert value(m, "newsmon_articles_dropped_total", source_kind="folder", reason="copy") == 1
        assert value(m, "newsmon_alerts_queued_total", source_kind="feed") == 1
        assert value(m, "newsmon_deliveries_total", target="hook", result="sent") == 2
        assert value(m, "newsmon_feed_fetches_total", result="ok") >= 1
        assert value(m, "newsmon_feeds", health="ok") == 1
        assert value(m, "newsmon_outbox_pending") == 0
        assert value(m, "newsmon_rule_compile_seconds") > 0
        assert abs(value(m, "newsmon_last_reload_success_timestamp_seconds") - time.time()) < 120

        assert get(url + "/healthz") == (200, "ok\n")
        assert get(url + "/readyz") == (200, "ready\n")
        db = state / "newsmon.db"
        db.chmod(0o444)
        code, text = get(url + "/readyz")
        assert code == 503 and "newsmon.db is not writable" in text, text
        assert get(url + "/healthz")[0] == 200  # up, just not ready
        db.chmod(0o644)
        assert get(url + "/readyz") == (200, "ready\n")
        assert get(url + "/nope")[0] == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
        feeds.stop()
    assert proc.returncode == 0, err


def test_http_listen_is_validated(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[http]\nlisten = "9464"\n')
    out = subprocess.run(newsmon_cmd("check", "--config", str(config)), capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2
    assert "http.listen" in out.stderr and "HOST:PORT" in out.stderr


def test_a_busy_port_is_logged_and_the_daemon_keeps_running(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken, listening() as (notify_path, notify):
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "c.toml"
        config.write_text(f'[http]\nlisten = "127.0.0.1:{port}"\n')
        proc = subprocess.Popen(newsmon_cmd("run", "--config", str(config), "--state-dir",
                                            str(tmp_path / "s")), stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, NOTIFY_SOCKET=notify_path))
        notify.wait("READY", "1")  # up and serving, without the endpoint
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert f"http.listen 127.0.0.1:{port}: cannot listen" in err
