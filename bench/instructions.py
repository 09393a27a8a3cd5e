"""Instructions per article under callgrind: matching cost without the machine's noise.

    .venv/bin/python bench/instructions.py ../shared/corpus/bbc-2004.jsonl [--articles 300]

Wall-clock figures on a shared VM move by 30-50% between runs (issue 13's
session notes), more than most changes to the code. Callgrind counts the
instructions the interpreter runs instead, which moves by under 0.2% from
run to run (object addresses, which some dictionaries hash, differ). So
this is the way to tell whether a change made matching cheaper, and by how
much. Run it on two checkouts and compare: each prints its own
figures (to measure an older checkout, copy this file into its `bench/`).

For each case, a child process reads and normalises the articles, compiles
the rules, matches 100 articles to warm up, then matches `--articles` more.
It runs twice under callgrind (`PYTHONHASHSEED=0`): once matching those
articles, once matching none. The difference, divided by the article count,
is the figure; start-up, imports, reading, compiling and warming are all
subtracted.

The cases:
- the keyword matcher's daemon path (`Matcher.match`, each match's rule read)
  with 100 and with 10,000 rules of `bench/match.py`'s mix;
- the location matcher with 1 and with 1,000 rules of `bench/locations.py`'s mix.

Each line also gives the ratio to its small case, measured in the same run.
Needs valgrind (skips with a message without it). Two cases run at a time; the
whole run takes 5-10 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

WARM = 100  # articles matched before the counted ones (memos, lazily compiled checks)
CASES = (("keyword", 100), ("keyword", 10_000), ("places", 1), ("places", 1_000))
_COLLECTED = re.compile(r"Collected : (\d+)")


def child(kind: str, rules: int, count: int, read: int, corpus: Path, cache: Path) -> None:
    """Compile, warm up, then match `count` articles (the part the parent counts).
    `read`: how many articles to read and normalise beforehand, the same in both runs."""
    from monitor.article import Article, RawItem, normalise

    rows = [json.loads(line) for line in corpus.open(encoding="utf-8") if line.strip()]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    arts = [normalise(RawItem(source=r.get("source", ""), key=str(r["id"]), title=r.get("title") or "",
                              body=r.get("body") or "", url=r.get("url") or ""), now)
            for r in rows[: WARM + read]]
    if kind == "keyword":
        from match import generate  # bench/match.py

        from monitor.match.engine import Matcher
        from monitor.settings.rules import RuleConfig

        made = generate(rows, rules, 7)
        matcher = Matcher.compile([RuleConfig(name=f"r{i}", query=q) for i, (_, q) in enumerate(made)])

        def one(article: Article) -> None:
            for m in matcher.match(article):
                m.rule  # noqa: B018 (the daemon reads each match's rule to route it)
    else:
        from locations import _rules  # bench/locations.py

        from monitor.match.places import LocationMatcher

        places = LocationMatcher.compile(_rules(rules), (), cache_dir=cache)

        def one(article: Article) -> None:
            places.match(article)
    for article in arts[:WARM]:
        one(article)
    for article in arts[WARM : WARM + count]:
        one(article)


def _collected(args: list[str]) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    got = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *args],
                         capture_output=True, text=True, env=env, check=False)
    found = _COLLECTED.search(got.stderr)
    if got.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run failed ({' '.join(args[-6:])}):\n{got.stderr[-2000:]}")
    return int(found.group(1))


def per_article(kind: str, rules: int, count: int, corpus: Path, cache: Path) -> float:
    base = [sys.executable, __file__, "--child", kind, str(rules), "{n}", str(count), str(corpus), str(cache)]
    counted = _collected([a.replace("{n}", str(count)) for a in base])
    startup = _collected([a.replace("{n}", "0") for a in base])
    return (counted - startup) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="?")
    parser.add_argument("--articles", type=int, default=300, help="articles counted per case (default 300)")
    parser.add_argument("--child", nargs=6, metavar=("KIND", "RULES", "COUNT", "READ", "CORPUS", "CACHE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, rules, count, read, corpus, cache = args.child
        child(kind, int(rules), int(count), int(read), Path(corpus), Path(cache))
        return
    if args.corpus is None or not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (pass ../shared/corpus/bbc-2004.jsonl); skipped")
        return
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind); skipped")
        return
    # The gazetteer is built (or read from its cache) outside callgrind, once:
    # building it under callgrind would take a quarter of an hour.
    cache = Path(tempfile.gettempdir()) / "newsmon-bench-gazetteer"
    from monitor.match.places import LocationMatcher

    LocationMatcher.compile([], (), cache_dir=cache)
    print(f"instructions per article under callgrind: {args.articles} articles of {args.corpus.name} "
          f"after {WARM} to warm up, start-up subtracted, PYTHONHASHSEED=0")
    with ThreadPoolExecutor(2) as pool:
        futures = {case: pool.submit(per_article, *case, args.articles, args.corpus, cache) for case in CASES}
        got = {case: f.result() for case, f in futures.items()}
    labels = {"keyword": "keyword matcher, daemon path", "places": "location matcher"}
    for kind, rules in CASES:
        small = min(r for k, r in CASES if k == kind)
        figure, base = got[(kind, rules)], got[(kind, small)]
        ratio = "" if rules == small else f"  ({figure / base:.2f}x the {small:,}-rule figure)"
        print(f"{labels[kind]}, {rules:>6,} rules: {figure:>11,.0f}{ratio}")


if __name__ == "__main__":
    main()
