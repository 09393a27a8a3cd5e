"""Back-testing a rule over kept articles: the web console's live preview.

    .venv/bin/python bench/backtest.py [../shared/corpus/bbc-2004.jsonl] [--sizes 10000,100000]

Kept articles are the BBC corpus repeated with varied ids (and varied URLs) up
to each size, written to a real SQLite state file through the store's own
`keep_text`. For each size it prints the time to build the article index (once,
then extended as articles arrive), then per rule the back-test time
(`monitor.web.backtest.run`: the query evaluated on the index, phrases checked
by the real matcher's compiled test, evidence for the newest 30) cold (no term
of the rule checked before) and warm (the same rule again, as while typing on),
and the matches, next to a baseline measured in the same run: one SQL `LIKE`
scan over title and body for the rule's words (the obvious way, and it only
approximates the rule). Targets: a typical rule
over 10,000 articles < 300 ms, over 100,000 < 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from monitor.article import RawItem, normalise
from monitor.match.engine import Matcher
from monitor.settings.rules import RuleConfig
from monitor.store.articles import keep_text
from monitor.store.sql import open_store
from monitor.web.backtest import ArticleIndex, Compiled, run

# (query, words for the LIKE baseline): typical analyst rules on this corpus.
RULES = [
    ('"interest rates" OR (inflation AND "bank of england")', ["interest rates", "inflation"]),
    ("(election OR vote*) AND (labour OR tory OR conservative*) AND NOT football", ["election", "vote"]),
    ("iraq NEAR/10 troops", ["iraq"]),
    ("phishing OR spam OR virus*", ["phishing", "spam", "virus"]),
]


def fill(store_dir: Path, corpus: list[dict[str, str]], size: int) -> float:
    store = open_store(store_dir)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    began = time.perf_counter()
    with store.writing() as conn:
        for n in range(size):
            doc = corpus[n % len(corpus)]
            copy = n // len(corpus)
            raw = RawItem(source=doc["source"], key=f"{doc['id']}-{copy}", title=doc.get("title", ""),
                          body=doc.get("body", ""), url=f"{doc['url']}?copy={copy}", kind="feed")
            now = start + timedelta(seconds=n * 10)
            keep_text(conn, normalise(raw, now), now)
    store.close()
    return time.perf_counter() - began


def like_baseline(store_dir: Path, phrases: list[str]) -> tuple[float, int]:
    engine = sa.create_engine(f"sqlite:///{store_dir / 'newsmon.db'}")
    cond = " OR ".join("title LIKE ? OR body LIKE ?" for _ in phrases)
    args = [f"%{p}%" for p in phrases for _ in (0, 1)]
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        began = time.perf_counter()
        found = raw.execute(f"SELECT count(*) FROM article_text WHERE {cond}", args).fetchone()[0]
        took = time.perf_counter() - began
    engine.dispose()
    return took, int(found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", default=str(Path(__file__).resolve().parents[2]
                                                          / "shared/corpus/bbc-2004.jsonl"))
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    corpus = [json.loads(line) for line in Path(args.corpus).read_text().splitlines() if line.strip()]
    print(f"corpus: {len(corpus)} articles from {args.corpus}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            took = fill(folder, corpus, size)
            store = open_store(folder)
            index = ArticleIndex(store.articles)
            tracemalloc.start()
            began = time.perf_counter()
            index.refresh()
            built = time.perf_counter() - began
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"\n{size:,} kept articles (written in {took:.1f} s); index built in {built:.1f} s "
                  f"({size / built:,.0f} articles/s, peak {peak / 1e6:.0f} MB traced)")
            worst = 0.0
            for query, phrases in RULES:
                rule = RuleConfig(name="bench", query=query)
                compiled = Compiled(rule, Matcher.compile([rule]))
                index.clear_checks()  # cold: no phrase of this rule checked before
                began = time.perf_counter()
                outcome = run(index, compiled)
                cold = time.perf_counter() - began
                times = []
                for _ in range(args.repeat):  # warm: the same rule again, as while typing on
                    began = time.perf_counter()
                    run(index, compiled)
                    times.append(time.perf_counter() - began)
                warm = statistics.median(times)
                worst = max(worst, cold)
                base, base_found = like_baseline(folder, phrases)
                print(f"  {query}\n    back-test {cold * 1000:7.1f} ms cold, {warm * 1000:6.1f} ms warm "
                      f"(median of {args.repeat}): {len(outcome.matched):,} matches | "
                      f"LIKE scan {base * 1000:7.1f} ms ({base_found:,} rows) | {base / cold:.1f}x cold")
            target = 0.3 if size <= 10_000 else 2.0
            print(f"  slowest rule (cold) {worst * 1000:.0f} ms; target < {target * 1000:.0f} ms: "
                  f"{'OK' if worst < target else 'MISSED'}")
            store.close()


if __name__ == "__main__":
    main()
