#!/usr/bin/env python3
"""Alert rendering and the outbox's digest release, on the BBC corpus.

1. Render: every corpus article that contains a common word becomes an alert
   (excerpt + highlight + escaping + sandboxed template) in text, Markdown and
   HTML. Baseline in the same run: one f-string per alert with `html.escape`
   only (what a naive renderer pays). Prints ms per alert and the ratio.
2. Digest: render one digest of 200 items (HTML, capped at 32 KiB).
3. Outbox: hold N alerts in a real SQLite outbox (temp dir), then release them
   as one digest row in one transaction. Baseline: inserting the same N rows.

    python bench/alerts.py [--limit 2125] [--held 2000]
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus" / "bbc-2004.jsonl"

from monitor.alerts.render import Renderer  # noqa: E402
from monitor.alerts.route import build_item, digest_alert  # noqa: E402
from monitor.article import RawItem, normalise  # noqa: E402
from monitor.match.types import Evidence, Match  # noqa: E402
from monitor.settings.alerts import Policy  # noqa: E402
from monitor.store.base import NewAlert  # noqa: E402
from monitor.store.sql import open_store  # noqa: E402

WORD = "government"
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def load(limit: int) -> list:  # type: ignore[type-arg]
    out = []
    with CORPUS.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= limit:
                break
            d = json.loads(line)
            art = normalise(RawItem(d["source"], d["id"], title=d["title"] or d["body"][:80], body=d["body"],
                                    url=d["url"]), NOW)
            pos = art.body.lower().find(WORD)
            if pos >= 0:
                ev = Evidence("term", "body", pos, pos + len(WORD), art.body[pos:pos + len(WORD)])
                out.append(build_item(art, [Match("bench", (ev,))], {"bench": Policy(tz="Europe/London")}))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=2125)
    ap.add_argument("--held", type=int, default=2000)
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found")
        return
    items = load(args.limit)
    renderer = Renderer()
    renderer.alert(items[0], "html")  # compile templates outside the timing

    t0 = time.perf_counter()
    for it in items:
        f"<h3>{html.escape(it.title)}</h3><p>{html.escape(it.excerpt.text if it.excerpt else '')}</p>"
    base = (time.perf_counter() - t0) / len(items)
    print(f"render: {len(items)} alerts containing {WORD!r}")
    print(f"  baseline f-string + html.escape: {base * 1e3:.4f} ms/alert")
    for fmt in ("text", "markdown", "html"):
        t0 = time.perf_counter()
        for it in items:
            renderer.alert(it, fmt)
        per = (time.perf_counter() - t0) / len(items)
        print(f"  {fmt:<8} {per * 1e3:.3f} ms/alert  ({per / base:.0f}x baseline, "
              f"{1 / per:,.0f} alerts/s)")

    batch = items[:200]
    t0 = time.perf_counter()
    out = renderer.digest(batch, "html", "Europe/London")
    print(f"digest: {len(batch)} items -> {len(out.body):,} chars HTML in "
          f"{(time.perf_counter() - t0) * 1e3:.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp))
        n = min(args.held, len(items) * 10)
        rows = [NewAlert(target="t", key=f"article:{i}", title="x",
                         body=json.dumps(items[i % len(items)].to_json()), body_format="alert",
                         state="held", release_at=NOW, reason="digest") for i in range(n)]
        t0 = time.perf_counter()
        store.enqueue(rows, NOW - timedelta(hours=1))
        hold = time.perf_counter() - t0
        t0 = time.perf_counter()
        released = store.release_held(NOW, digest_alert)
        rel = time.perf_counter() - t0
        [digest] = store.rows("pending")
        print(f"outbox: hold {n} alerts {hold * 1e3:.0f} ms (baseline); release into one digest row "
              f"{rel * 1e3:.0f} ms ({rel / hold:.2f}x baseline), targets {released}, "
              f"digest payload {len(digest.body):,} bytes")
        store.close()


if __name__ == "__main__":
    main()
