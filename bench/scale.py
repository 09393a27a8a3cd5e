"""Several instances on one PostgreSQL: polls/s and alerts/s with 1, 2 and 3 `newsmon run`.

    .venv/bin/python bench/scale.py [--feeds 600] [--seconds 20] [--targets 6]

Each run starts a throwaway PostgreSQL cluster (tests/pgserver.py: Debian's postgresql
binaries), a feed server and a webhook on 127.0.0.1 (the webhook answers after 30 ms, like
a real chat service), then N identical instances. It measures:

- polls/s: feed requests answered per second while every feed is due every second
  (the instances are saturated: more feeds than they can poll);
- alerts/s: one new entry in every feed at once, each matching a rule for one of
  `--targets` targets, from the burst to the last webhook arrival.

The baseline is the single instance measured in the same run; the ratios say what the
second and third instance add. On a 2-core machine three instances share two cores.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "feeds"))

from feedserver import FeedServer, feed_route, rss  # noqa: E402

from tests.pgserver import reset_database, running_cluster, unavailable_reason  # noqa: E402
from tests.test_soak_kill import KeyedHook  # noqa: E402


def run(instances: int, url: str, feeds: int, seconds: float, targets: int) -> tuple[float, float]:
    reset_database(url)
    hook = KeyedHook()
    words = [f"topic{t}" for t in range(targets)]
    items = {i: [(f"f{i}-0", f"{words[i % targets]} first {i}")] for i in range(feeds)}
    lock = threading.Lock()
    server = FeedServer().start()
    for i in range(feeds):
        def body(i: int = i) -> bytes:
            with lock:
                return rss(list(items[i]), title=f"feed {i}")

        server.routes[f"/f{i}.xml"] = feed_route(body)
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    config = tmp / "newsmon.toml"
    config.write_text(
        f'log_level = "warning"\n[state]\nurl = "{url}"\nlease_ttl = "10s"\n\n'
        '[fetch]\nallow_private = true\njitter = "0s"\nparse_workers = 1\n\n'
        + "".join(f'[[feeds]]\nname = "f{i}"\nurl = "{server.url(f"/f{i}.xml")}"\ninterval = "1s"\n'
                  'backfill = "none"\n\n' for i in range(feeds))
        + "".join(f'[[rules]]\nname = "{w}"\nquery = "{w}"\nnotify = ["{w}"]\n\n' for w in words)
        + "[targets]\n" + "".join(f'{w} = ["{hook.url}?{w}"]\n' for w in words))
    procs = [subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config),
                               "--state-dir", str(tmp / f"local{n}")], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
             for n in range(instances)]
    try:
        time.sleep(5)  # start-up and first polls
        before, t0 = len(server.hits), time.monotonic()
        time.sleep(seconds)
        polls = (len(server.hits) - before) / (time.monotonic() - t0)
        with lock:
            for i in range(feeds):
                items[i].append((f"f{i}-1", f"{words[i % targets]} burst {i}"))
        burst = time.time()
        while len(hook.titles()) < feeds and time.time() < burst + 120:
            time.sleep(0.05)
        last = max((at for _, _, at in hook.arrivals), default=time.time())
        alerts = len(hook.titles()) / max(last - burst, 1e-6)
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
        server.stop()
    return polls, alerts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=600)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--targets", type=int, default=6)
    args = ap.parse_args()
    reason = unavailable_reason()
    if reason:
        print(f"skip: {reason}")
        return
    print(f"{args.feeds} feeds due every second, {args.targets} targets, webhook answers in 30 ms; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with running_cluster() as url:
        results = {n: run(n, url, args.feeds, args.seconds, args.targets) for n in (1, 2, 3)}
    base_polls, base_alerts = results[1]
    print(f"{'instances':>9}  {'polls/s':>8}  {'x one':>6}  {'alerts/s':>8}  {'x one':>6}")
    for n, (polls, alerts) in results.items():
        print(f"{n:>9}  {polls:8.1f}  {polls / base_polls:6.2f}  {alerts:8.1f}  {alerts / base_alerts:6.2f}")


if __name__ == "__main__":
    main()
