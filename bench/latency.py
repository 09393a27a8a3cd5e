#!/usr/bin/env python3
"""Drop-to-alert latency: rename a file into a watched folder -> json:// webhook arrival.

Starts a real `newsmon run` with a local HTTP endpoint as its target, renames
N articles into the folder 0.2 s apart and prints p50/p95 from each rename to
the request's arrival. Baseline measured in the same run: a bare watchdog
observer in this process that POSTs to the same endpoint on each rename (the
floor any folder-watching daemon pays). Target: p50 < 20 ms, p95 < 100 ms.

    python bench/latency.py [--count 60] [--interval 0.2]
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from watchdog.events import FileMovedEvent, FileSystemEventHandler
from watchdog.observers import Observer


class Sink:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        sink = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8", "replace")
                now = time.time()
                for word in body.replace('"', " ").split():
                    if word.startswith("marker") and word not in sink.arrivals:
                        sink.arrivals[word] = now
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def drop_series(folder: Path, prefix: str, count: int, interval: float) -> dict[str, float]:
    drops = {}
    for i in range(count):
        marker = f"marker{prefix}{i:03d}x"
        tmp = folder / f".{marker}.tmp"
        tmp.write_text(f"latencyprobe {marker}\n\nA test article body for latencyprobe {i}.\n")
        drops[marker] = time.time()
        os.rename(tmp, folder / f"{marker}.txt")
        time.sleep(interval)
    return drops


def percentiles(drops: dict[str, float], arrivals: dict[str, float]) -> tuple[float, float, int]:
    lat = sorted((arrivals[k] - t) * 1000 for k, t in drops.items() if k in arrivals)
    if not lat:
        return float("nan"), float("nan"), 0
    return statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.95))], len(lat)


def baseline(sink: Sink, root: Path, count: int, interval: float) -> tuple[float, float, int]:
    folder = root / "baseline"
    folder.mkdir()

    class H(FileSystemEventHandler):
        def on_moved(self, event: Any) -> None:
            if isinstance(event, FileMovedEvent):
                marker = Path(str(event.dest_path)).stem
                conn = http.client.HTTPConnection("127.0.0.1", sink.port, timeout=5)
                conn.request("POST", "/", json.dumps({"title": f"latencyprobe {marker}"}),
                             {"Content-Type": "application/json"})
                conn.getresponse().read()
                conn.close()

    obs = Observer()
    obs.schedule(H(), str(folder))
    obs.start()
    try:
        drops = drop_series(folder, "b", count, interval)
        time.sleep(1)
    finally:
        obs.stop()
        obs.join()
    return percentiles(drops, sink.arrivals)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--interval", type=float, default=0.2)
    args = ap.parse_args()
    sink = Sink()
    root = Path(tempfile.mkdtemp(prefix="newsmon-latency-"))
    folder = root / "in"
    folder.mkdir()
    config = root / "c.toml"
    config.write_text(f'[[folders]]\npath = "{folder}"\n\n[[rules]]\nname = "probe"\nquery = "latencyprobe"\n'
                      f'notify = ["hook"]\n\n[targets]\nhook = ["json://127.0.0.1:{sink.port}/hook"]\n')
    b50, b95, bn = baseline(sink, root, args.count, args.interval)
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config),
                             "--state-dir", str(root / "state"), "--log-level", "warning"])
    try:
        warm = drop_series(folder, "w", 1, 0)
        deadline = time.time() + 30
        while not set(warm) <= set(sink.arrivals) and time.time() < deadline:
            time.sleep(0.05)
        if not set(warm) <= set(sink.arrivals):
            print("no alert for the warm-up article within 30 s", file=sys.stderr)
            return 1
        drops = drop_series(folder, "n", args.count, args.interval)
        time.sleep(3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    p50, p95, n = percentiles(drops, sink.arrivals)
    print(f"baseline (watchdog + POST in-process): p50 {b50:.1f} ms, p95 {b95:.1f} ms ({bn}/{args.count})")
    print(f"newsmon drop-to-webhook:               p50 {p50:.1f} ms, p95 {p95:.1f} ms ({n}/{args.count})")
    print(f"ratio newsmon/baseline: p50 {p50 / b50:.1f}x, p95 {p95 / b95:.1f}x; "
          f"target p50 < 20 ms, p95 < 100 ms: {'MET' if p50 < 20 and p95 < 100 else 'NOT MET'}")
    return 0 if n == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
