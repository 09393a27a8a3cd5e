"""Several instances on one PostgreSQL: polls/s and alerts/s with 1, 2 and 3 `newsmon run`.

    .venv/bin/python bench/scale.py [--feeds 400] [--seconds 15] [--targets 6]
                                    [--latency 0.3] [--hosts 40]

Each run starts a throwaway PostgreSQL cluster (tests/pgserver.py: Debian's postgresql
binaries), feed servers and a webhook on loopback, then N identical instances, each with
the default `[fetch]` settings (16 requests at once, 2 per host). It measures:

- polls/s: feed requests answered per second while every feed is due every second
  (more feeds than the instances can poll). The feeds are spread over `--hosts` servers
  on their own loopback addresses (127.0.0.2, 127.0.0.3, ...: to the fetcher, different
  sites) and each answer comes after `--latency` seconds, like a remote news site (round
  trip, TLS, the site's own time). `--latency 0` is the CPU-bound case: then N instances
  can only add what this machine's cores add;
- CPU ms per poll: the instances' CPU time (user + system, from /proc) over the window,
  per poll: what a poll costs, so what a machine's cores can carry;
- alerts/s: one new entry in every feed at once, each matching a rule for one of
  `--targets` targets, from the burst to the last webhook arrival (the polls that find
  the entries included), and the instances' CPU per alert meanwhile. The webhook answers
  after 30 ms. A target's alerts go out one at a time and in order (one lane per target,
  held by one instance; lanes are spread over the instances), so alerts/s is bounded by
  the number of targets times what one lane sends.

The baseline is the single instance measured in the same run. A last row runs one
instance with `[fetch] concurrency` and `per_host` raised to what three instances have
together, to show what is due to more requests in flight and what to more processes.
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "feeds"))

from feedserver import FeedServer, delayed, feed_route, rss  # noqa: E402
from poll import cpu_s  # noqa: E402  (bench/poll.py: user + system CPU of processes)

from tests.pgserver import reset_database, running_cluster, unavailable_reason  # noqa: E402
from tests.test_soak_kill import KeyedHook  # noqa: E402

DEFAULT_FETCH = (16, 2)  # [fetch] concurrency, per_host


@dataclass
class Result:
    polls: float  # per second
    cpu_ms: float  # per poll, all instances
    alerts: float  # per second
    alert_cpu_ms: float  # per alert, all instances, burst to last arrival (polls included)


def run(instances: int, url: str, args: argparse.Namespace, fetch: tuple[int, int] = DEFAULT_FETCH) -> Result:
    feeds, targets = args.feeds, args.targets
    reset_database(url)
    hook = KeyedHook()
    words = [f"topic{t}" for t in range(targets)]
    items = {i: [(f"f{i}-0", f"{words[i % targets]} first {i}")] for i in range(feeds)}
    lock = threading.Lock()
    servers = [FeedServer(host=f"127.0.0.{2 + h}").start() for h in range(args.hosts)]
    urls = []
    for i in range(feeds):
        def body(i: int = i) -> bytes:
            with lock:
                return rss(list(items[i]), title=f"feed {i}")

        server = servers[i % len(servers)]
        server.routes[f"/f{i}.xml"] = delayed(feed_route(body), args.latency)
        urls.append(server.url(f"/f{i}.xml"))

    def hits() -> int:
        return sum(len(s.hits) for s in servers)

    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    config = tmp / "newsmon.toml"
    config.write_text(
        f'log_level = "warning"\n[state]\nurl = "{url}"\nlease_ttl = "10s"\n\n'
        f'[fetch]\nallow_private = true\njitter = "0s"\nparse_workers = 1\n'
        f"concurrency = {fetch[0]}\nper_host = {fetch[1]}\n\n"
        + "".join(f'[[feeds]]\nname = "f{i}"\nurl = "{u}"\ninterval = "1s"\n'
                  'backfill = "none"\n\n' for i, u in enumerate(urls))
        + "".join(f'[[rules]]\nname = "{w}"\nquery = "{w}"\nnotify = ["{w}"]\n\n' for w in words)
        + "[targets]\n" + "".join(f'{w} = ["{hook.url}?{w}"]\n' for w in words))
    procs = [subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config),
                               "--state-dir", str(tmp / f"local{n}")], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
             for n in range(instances)]
    try:
        time.sleep(5)  # start-up and first polls
        before, t0 = hits(), time.monotonic()
        cpu0 = cpu_s([p.pid for p in procs])
        time.sleep(args.seconds)
        polled = hits() - before
        cpu = cpu_s([p.pid for p in procs]) - cpu0
        polls = polled / (time.monotonic() - t0)
        with lock:
            for i in range(feeds):
                items[i].append((f"f{i}-1", f"{words[i % targets]} burst {i}"))
        burst, cpu1 = time.time(), cpu_s([p.pid for p in procs])
        while len(hook.titles()) < feeds and time.time() < burst + 120:
            time.sleep(0.05)
        last = max((at for _, _, at in hook.arrivals), default=time.time())
        alerts = len(hook.titles()) / max(last - burst, 1e-6)
        alert_cpu = cpu_s([p.pid for p in procs]) - cpu1
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
        for s in servers:
            s.stop()
    return Result(polls, cpu * 1000 / max(polled, 1), alerts, alert_cpu * 1000 / max(len(hook.titles()), 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=400)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--targets", type=int, default=6)
    ap.add_argument("--latency", type=float, default=0.3, help="seconds before each feed answers")
    ap.add_argument("--hosts", type=int, default=40, help="feed servers, one loopback address each")
    ap.add_argument("--instances", default="1,2,3")
    args = ap.parse_args()
    reason = unavailable_reason()
    if reason:
        print(f"skip: {reason}")
        return
    counts = [int(n) for n in args.instances.split(",")]
    print(f"{args.feeds} feeds on {args.hosts} hosts due every second, "
          f"answering in {args.latency * 1000:.0f} ms; "
          f"{args.targets} targets, webhook answers in 30 ms; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with running_cluster() as url:
        results = {str(n): run(n, url, args) for n in counts}
        most = max(counts)
        wide = (DEFAULT_FETCH[0] * most, DEFAULT_FETCH[1] * most)
        results[f"1 (fetch {wide[0]}/{wide[1]})"] = run(1, url, args, wide)
    base = results[str(counts[0])]
    print(f"{'instances':>18}  {'polls/s':>8}  {'x one':>6}  {'CPU ms/poll':>11}  "
          f"{'alerts/s':>8}  {'x one':>6}  {'CPU ms/alert':>12}")
    for name, r in results.items():
        print(f"{name:>18}  {r.polls:8.1f}  {r.polls / base.polls:6.2f}  {r.cpu_ms:11.1f}  "
              f"{r.alerts:8.1f}  {r.alerts / base.alerts:6.2f}  {r.alert_cpu_ms:12.1f}")


if __name__ == "__main__":
    main()
