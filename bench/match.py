"""Keyword matcher throughput: 100 / 1,000 / 10,000 rules vs one regex per rule.

    .venv/bin/python bench/match.py ../shared/corpus/bbc-2004.jsonl [--seed 7] [--sample 10]

Rules are generated from the corpus vocabulary like the acceptance check:
single words, phrases, ORs of 5-20 capitalised names, AND, AND NOT (…),
NEAR/5 and 5-letter prefixes. For each rule count it prints the compile
time, articles/s of `Matcher.match` (with evidence: the daemon's path) and
of `Matcher.matching_ids` (membership only: `newsmon match` without
`--evidence`), tokenising included (articles are normalised once
beforehand), and the matches found; the baseline is one
compiled regex per rule (its positive words, `\\b(?:a|b)`, IGNORECASE) over
title + body, timed on a sample of articles in the same run. Peak memory of
compiling 10,000 rules and matching is measured with tracemalloc afterwards.
Targets (one core): >= 2,000 articles/s at 10k rules, >= 500x the regex
baseline, time per article growing < 3x from 100 to 10k rules, < 300 MB.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.article import Article, RawItem, normalise
from monitor.match.engine import Matcher
from monitor.settings.rules import RuleConfig


def generate(corpus: list[dict[str, str]], count: int, seed: int) -> list[tuple[list[str], str]]:
    rng = random.Random(seed)
    df: collections.Counter[str] = collections.Counter()
    caps: collections.Counter[str] = collections.Counter()
    for a in corpus:
        text = a["title"] + " " + a["body"]
        df.update(set(re.findall(r"[a-z]{4,}", text.lower())))
        caps.update(set(re.findall(r"\b[A-Z][a-z]{3,}\b", text)))
    rare = sorted(w for w, c in df.items() if 2 <= c <= 60)
    names = sorted(w for w, c in caps.items() if 2 <= c <= 60)
    long_rare = [w for w in rare[:5000] if len(w) >= 7]

    def rule() -> tuple[list[str], str]:
        r = rng.random()
        if r < 0.25:
            return [rng.choice(rare)], rng.choice(rare)
        if r < 0.35:
            a, b = rng.sample(rare, 2)
            return [a, b], f'"{a} {b}"'
        if r < 0.65:
            ws = rng.sample(names, rng.randint(5, 20))
            return ws, " OR ".join(ws)
        if r < 0.80:
            a, b = rng.sample(rare, 2)
            return [a, b], f"{a} AND {b}"
        if r < 0.90:
            a, b, c = rng.sample(rare, 3)
            return [a], f"{a} AND NOT ({b} OR {c})"
        if r < 0.95:
            a, b = rng.sample(rare, 2)
            return [a, b], f"{a} NEAR/5 {b}"
        w = rng.choice(long_rare)
        return [w[:5]], w[:5] + "*"

    return [rule() for _ in range(count)]


def per_article(fn: object, items: list[Article], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for a in items:
            fn(a)  # type: ignore[operator]
        best = min(best, time.process_time() - start)
    return best / len(items)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=10, help="articles for the regex baseline")
    args = parser.parse_args()
    if not args.corpus.is_file():
        print(f"skipped: corpus {args.corpus} not found")
        return
    rows = [json.loads(line) for line in args.corpus.open(encoding="utf-8")]
    now = datetime.now(UTC)
    articles = [normalise(RawItem(source=r.get("source", "bench"), key=str(r["id"]), title=r["title"],
                                  body=r["body"], url=r.get("url", "")), now) for r in rows]
    print(f"corpus: {len(articles)} articles; timings are CPU time (process_time), best of 3")
    sizes = (100, 1_000, 10_000)
    generated = generate(rows, max(sizes), args.seed)
    results: dict[int, float] = {}
    bare: dict[int, float] = {}
    for n in sizes:
        rules = [RuleConfig(name=f"r{i}", query=q) for i, (_, q) in enumerate(generated[:n])]
        start = time.process_time()
        matcher = Matcher.compile(rules)
        compile_s = time.process_time() - start
        matches = sum(len(matcher.match(a)) for a in articles)
        t = per_article(matcher.match, articles)
        t_ids = per_article(matcher.matching_ids, articles)  # membership only, no evidence
        regexes = [re.compile(r"\b(?:" + "|".join(map(re.escape, ws)) + r")", re.I)
                   for ws, _ in generated[:n]]

        def baseline(a: Article, regexes: list[re.Pattern[str]] = regexes) -> None:
            text = a.title + "\n" + a.body
            for rg in regexes:
                rg.search(text)

        base = per_article(baseline, articles[: args.sample], repeat=1)
        results[n] = t
        bare[n] = t_ids
        print(f"{n:>6} rules: compile {compile_s * 1e3:7.1f} ms | match (evidence) {1 / t:8.0f} art/s "
              f"({t * 1e6:7.1f} us/article, {matches} matches) | matching_ids (no evidence) "
              f"{1 / t_ids:8.0f} art/s ({t_ids * 1e6:7.1f} us) | regex-per-rule {1 / base:8.1f} art/s "
              f"| ratio {base / t:7.0f}x / {base / t_ids:7.0f}x")
    print(f"growth 100 -> 10,000 rules: {results[10_000] / results[100]:.2f}x time per article "
          f"with evidence, {bare[10_000] / bare[100]:.2f}x without (goal < 3)")

    rules = [RuleConfig(name=f"r{i}", query=q) for i, (_, q) in enumerate(generated)]
    tracemalloc.start()
    matcher = Matcher.compile(rules)
    for a in articles[:300]:
        matcher.match(a)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory, compile 10,000 rules + match 300 articles: {peak / 2**20:.1f} MB (goal < 300)")


if __name__ == "__main__":
    main()
