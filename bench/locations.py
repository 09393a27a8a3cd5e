"""Location rules: quality on geo-dev, or speed/memory on a corpus.

    .venv/bin/python bench/locations.py [-v]            # P/R/F1 on ../shared/geo-dev (-v: each error)
    .venv/bin/python bench/locations.py CORPUS.jsonl    # articles/s, 1,000 rules; load time, memory
    .venv/bin/python bench/locations.py CORPUS.jsonl --home REGION   # what a feed `home` adds
    .venv/bin/python bench/locations.py CORPUS.jsonl --stages   # where an article's time goes
    .venv/bin/python bench/locations.py CORPUS.jsonl --dump OUT.jsonl
        # every (article, rule) match with its evidence, and every resolved mention,
        # on geo-dev and CORPUS: diff two dumps to show a speed change changed nothing

Baselines measured in the same run: "plain gazetteer" (every capitalised
gazetteer hit, most populous sense, no filters or context) for quality; a
matcher with one location rule for speed (so the ratio shows what 1,000
rules cost on top of finding and resolving the places). When the place
matcher's hot modules are compiled (setup.py, monitor/native.py), the speed
run also times the pure sources (NEWSMON_PURE=1) in a child process, and
`--stages` runs on the pure sources: its timers wrap module functions, which
compiled modules call directly. bench/instructions.py gives steadier ratios.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor import native  # noqa: E402
from monitor.article import Article, RawItem, normalise  # noqa: E402
from monitor.match.places import LocationMatcher  # noqa: E402
from monitor.settings.rules import RuleConfig  # noqa: E402
from monitor.text import tokenize  # noqa: E402

GEO_DEV = ROOT.parent / "shared" / "geo-dev"
REPEATS = 3
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def articles(path: Path) -> Iterator[Article]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            yield normalise(RawItem(source=d.get("source", ""), key=str(d["id"]),
                                    title=d.get("title") or "", body=d.get("body") or "",
                                    url=d.get("url") or ""), NOW)


def score(got: set[tuple[str, str]], exp: set[tuple[str, str]]) -> tuple[float, float, float]:
    tp = len(got & exp)
    p = tp / len(got) if got else 0.0
    r = tp / len(exp) if exp else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def quality() -> None:

    if not GEO_DEV.is_dir():
        print(f"skip: {GEO_DEV} not found")
        return
    rules = [RuleConfig(**r) for r in tomllib.loads((GEO_DEV / "rules.toml").read_text())["rules"]]
    exp = {(a, r) for r, ids in json.loads((GEO_DEV / "expected.json").read_text()).items()
           for a in ids}
    # A cache kept between runs (keyed by data versions and CACHE_FORMAT).
    cache = Path(tempfile.gettempdir()) / "newsmon-bench-gazetteer"
    if True:
        t0 = time.perf_counter()
        lm = LocationMatcher.compile(rules, (), cache_dir=cache)
        build = time.perf_counter() - t0
        arts = list(articles(GEO_DEV / "articles.jsonl"))
        ids = {a.id: k for a, k in zip(arts, _raw_ids(), strict=True)}
        got = set()
        evidence: dict[tuple[str, str], Any] = {}
        for a in arts:
            for rule, ev in lm.match(a).items():
                got.add((ids[a.id], rule))
                evidence[(ids[a.id], rule)] = ev
        base = _baseline(lm, arts, ids, rules)
    p, r, f = score(got, exp)
    bp, br, bf = score(base, exp)
    print(f"geo-dev: {len(arts)} articles, {len(rules)} rules, {len(exp)} expected pairs "
          f"(compile {build:.1f} s)")
    print(f"newsmon:           P {p:.3f} R {r:.3f} F1 {f:.3f}  ({len(got)} pairs)")
    print(f"plain gazetteer:   P {bp:.3f} R {br:.3f} F1 {bf:.3f}  ({len(base)} pairs)")
    print(f"F1 ratio vs plain: {f / bf if bf else float('inf'):.2f}x")
    # expected.json annotates each collection's rules on that collection's
    # articles only (no TR-News rule is expected on a GeoVirus article, even one
    # about Texas): the same score, counting only pairs within a collection.
    same = {x for x in got if x[0].split("-")[0] == x[1].split("-")[0]}
    sp, sr, sf = score(same, exp)
    print(f"within-collection: P {sp:.3f} R {sr:.3f} F1 {sf:.3f}  ({len(same)} pairs; "
          f"{len(got) - len(same)} cross-collection pairs are not annotated)")
    # How many cross-collection pairs rest on the place written out by its own
    # name (`China` for within China, `Toronto` for near Toronto)? Those are
    # right by the README's definition, so even a matcher perfect on every
    # annotated pair scores at most 2E / (2E + N) on all pairs.
    outright = sum(1 for x in got - same if any(
        e.text == e.detail.get("name") and len(e.text) > 3 for e in evidence[x]))
    print(f"cross-collection pairs naming the place outright: {outright}; all-pairs F1 of a "
          f"matcher perfect on the annotated pairs that also finds those: "
          f"<= {2 * len(exp) / (2 * len(exp) + outright):.3f}")
    for kind in ("tr-near", "tr-within", "gv-near"):
        sub = {x for x in exp if x[1].startswith(kind)}
        g = {x for x in got if x[1].startswith(kind)}
        print(f"  {kind:10s} P {score(g, sub)[0]:.3f} R {score(g, sub)[1]:.3f} "
              f"F1 {score(g, sub)[2]:.3f}")
    # A held-out check: the same score on the even- and odd-numbered articles
    # (in file order), so a change made while looking at one half can be
    # checked on the other.
    order = {k: i for i, k in enumerate(_raw_ids())}
    for label, parity in (("even articles", 0), ("odd articles", 1)):
        half = {x for x in exp if order[x[0]] % 2 == parity}
        g = {x for x in got if order[x[0]] % 2 == parity}
        hp, hr, hf = score(g, half)
        print(f"  {label:14s} P {hp:.3f} R {hr:.3f} F1 {hf:.3f}  ({len(g)} pairs, "
              f"{len(half)} expected)")
    if "-v" in sys.argv:
        # Per-error output: each missed pair, then each extra pair with the
        # mentions that made it (text, resolved name, country/admin1).
        for aid, rr in sorted(exp - got):
            print("  missed", aid, rr)
        for aid, rr in sorted(got - exp):
            ev = "; ".join(f"{e.text!r}->{e.detail.get('name')} "
                           f"({e.detail.get('country')}/{e.detail.get('admin1')})"
                           for e in evidence[(aid, rr)])
            print("  extra ", aid, rr, ev)


def _raw_ids() -> Iterator[str]:
    with (GEO_DEV / "articles.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield str(json.loads(line)["id"])


def _baseline(lm: LocationMatcher, arts: list[Article], ids: dict[str, str],
              rules: list[RuleConfig]) -> set[tuple[str, str]]:
    """Every capitalised gazetteer hit, its most populous sense, the same rule index."""
    from monitor.geo import mentions as mm
    from monitor.geo.resolve import Resolved

    gaz = lm._gaz
    got: set[tuple[str, str]] = set()
    for a in arts:
        found = []
        for name in ("title", "body"):
            text = a.field_text(name)
            toks = tokenize(text)
            for first, _n, tag, key in gaz.scan([t.text for t in toks]):
                if tag != 0 or not text[toks[first].start].isupper():
                    continue
                m = mm.Mention(name, toks[first].start, toks[first].end, key, key, False,
                               False, False, ())
                found.append(Resolved(m, gaz.candidates(key)[0]))
        for r in found:
            for ri, _ in lm._clauses(r.place):
                got.update((ids[a.id], name) for _, name in lm._rules[ri].names)
    return got


def speed(corpus: Path) -> None:
    # Peak RSS from /proc (VmHWM): ru_maxrss of a child carries its parent's peak.
    hwm = ("[int(l.split()[1])/1024 for l in open('/proc/self/status') "
           "if l.startswith('VmHWM')][0]")
    code = (
        "import time,sys;from pathlib import Path;t=time.perf_counter();"
        "from monitor.match.places import LocationMatcher;"
        "lm=LocationMatcher.compile([],(),cache_dir=Path(sys.argv[1]));"
        f"print(time.perf_counter()-t, {hwm})"
    )
    build_code = (
        "import time,sys;from pathlib import Path;t=time.perf_counter();"
        "from monitor.geo import gazetteer;gazetteer.load(Path(sys.argv[1]));"
        f"print(time.perf_counter()-t, {hwm})"
    )

    with tempfile.TemporaryDirectory() as tmp:
        # The first build (package data -> tables -> cache), in a process of its own
        # so its peak memory is its own.
        out = subprocess.run([sys.executable, "-c", build_code, tmp], capture_output=True,
                             text=True, cwd=ROOT, check=True).stdout.split()
        build, build_rss = float(out[0]), float(out[1])
        base = subprocess.run([sys.executable, "-c", "import monitor.match.places;"
                               f"print({hwm})"],
                              capture_output=True, text=True, cwd=ROOT, check=True)
        loads = []
        for _ in range(3):
            out = subprocess.run([sys.executable, "-c", code, tmp], capture_output=True,
                                 text=True, cwd=ROOT, check=True).stdout.split()
            loads.append((float(out[0]), float(out[1])))
        load_s = min(x[0] for x in loads)
        rss = max(x[1] for x in loads)
        base_rss = float(base.stdout.split()[0])
        print(f"gazetteer: first build from package data (and save) {build:.1f} s, peak RSS "
              f"{build_rss:.0f} MB")
        print(f"gazetteer: cold start (import + load "
              f"from cache + compile) {load_s:.2f} s (best of 3, target < 2 s); peak RSS "
              f"{rss:.0f} MB (target < 150 MB), of which {rss - base_rss:.0f} MB over the "
              f"interpreter with the matcher imported ({base_rss:.0f} MB)")
        arts = list(articles(corpus))
        rules = _rules(1000)
        build = native.state()
        print(f"this run: {build.describe()}")
        pure = None
        if build.compiled:  # the same passes in a child on the pure sources: the baseline
            got = subprocess.run([sys.executable, __file__, str(corpus), "--rates", tmp],
                                 capture_output=True, text=True, cwd=ROOT, check=True,
                                 env={**os.environ, "NEWSMON_PURE": "1"})
            pure = json.loads(got.stdout.splitlines()[-1])
        rates = _rates(arts, rules, Path(tmp), show=True)
        print(f"1,000 rules vs 1 rule: {rates['1,000 rules'] / rates['1 rule']:.2f}x the rate "
              f"(target >= 2,000 articles/s)")
        if pure is not None:
            print("pure Python (NEWSMON_PURE=1, a child process just before): " + "; ".join(
                f"{k} {v:,.0f} articles/s, compiled {rates[k] / v:.2f}x" for k, v in pure.items()))
        _shared_tokens(arts, rules, Path(tmp))


def _rates(arts: list[Article], rules: list[RuleConfig], cache: Path, show: bool) -> dict[str, float]:
    one = LocationMatcher.compile(rules[:1], (), cache_dir=cache)
    many = LocationMatcher.compile(rules, (), cache_dir=cache)
    for lm in (one, many):  # warm the caches once
        for a in arts[:50]:
            lm.match(a)
    rates = {}
    for label, lm in (("1 rule", one), ("1,000 rules", many)):
        # Best of REPEATS passes (as timeit does): on a shared or virtual
        # machine one pass varies by +-15%; the best is the code's speed.
        # CPU time is the one-core figure; wall time also counts the other
        # processes sharing the machine.
        runs = []
        for _ in range(REPEATS):
            t0, c0 = time.perf_counter(), time.process_time()
            hits = 0
            for a in arts:
                hits += len(lm.match(a))
            runs.append((time.process_time() - c0, time.perf_counter() - t0))
        cpu, dt = min(runs)
        median = sorted(r[0] for r in runs)[len(runs) // 2]
        rates[label] = len(arts) / cpu
        if show:
            print(f"{label:12s}: {len(arts)} articles, best of {REPEATS} {cpu:.2f} s CPU = "
                  f"{rates[label]:,.0f} articles/s on one core (median {len(arts) / median:,.0f}/s; "
                  f"{len(arts) / dt:,.0f}/s wall), {hits} rule matches")
    return rates


class _OwnTokens:
    """The location matcher as it was before the keyword side shared its tokens:
    it offers none, so each side tokenises every field itself."""

    def __init__(self, lm: Any):
        self._lm = lm

    def field_tokens(self, article: Article) -> dict[str, Any]:
        return {}

    def match(self, article: Article, tokens: Any = None) -> Any:
        return self._lm.match(article)


def _shared_tokens(arts: list[Article], rules: list[RuleConfig], cache: Path) -> None:
    """Keyword and location rules in one matcher (the daemon's path): each field
    tokenised once for both, against each side tokenising it again."""
    from monitor.match.engine import Matcher

    words = ["government", "police", "election", "football", "minister", "market", "music",
             "film", "court", "health", "oil", "school", "war", "bank", "price", "phone"]
    n = len(words)
    kw = [RuleConfig(name=f"kw-{i}", query=f"{words[i % n]} AND {words[(5 * i + 3) % n]}"
                     if i >= n else words[i]) for i in range(100)]
    m = Matcher.compile([*kw, *rules], (), cache_dir=cache)
    shared = m._locations
    own = _OwnTokens(shared)
    for a in arts[:50]:
        m.match(a)
    best = {"shared": float("inf"), "own": float("inf")}
    for _ in range(REPEATS):
        for label, loc in (("own", own), ("shared", shared)):  # interleaved: same load
            m._locations = loc
            c0 = time.process_time()
            for a in arts:
                m.match(a)
            best[label] = min(best[label], time.process_time() - c0)
    m._locations = shared
    rate = {k: len(arts) / v for k, v in best.items()}
    print(f"keyword + location ({len(kw)} + {len(rules):,} rules, best of {REPEATS}): one "
          f"tokenisation shared {rate['shared']:,.0f} articles/s, each side its own "
          f"{rate['own']:,.0f} articles/s: {rate['shared'] / rate['own']:.2f}x")


def _rules(n: int) -> list[RuleConfig]:
    """A mix like a real config: countries, regions, towns, radii, named places."""
    rnd = random.Random(7)
    countries = ["Ukraine", "France", "Iraq", "China", "Brazil", "Kenya", "Japan", "Germany",
                 "United Kingdom", "United States", "India", "Australia", "Russia", "Spain"]
    regions = ["Texas", "California", "Kharkiv Oblast", "Scotland", "Wales", "Ontario",
               "Bavaria", "Queensland", "Florida", "New York"]
    towns = ["London", "Paris", "Kharkiv", "Izium", "Baghdad", "Nairobi", "Tokyo", "Berlin",
             "Madrid", "Leeds", "Glasgow", "Cardiff", "Sydney", "Chicago", "Moscow", "Mumbai"]
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            loc: dict[str, Any] = {"within": [rnd.choice(countries)]}
        elif kind == 1:
            loc = {"within": [rnd.choice(regions)]}
        elif kind == 2:
            loc = {"places": [rnd.choice(towns)]}
        else:
            loc = {"near": [{"lat": rnd.uniform(-40, 60), "lon": rnd.uniform(-120, 140),
                             "radius_km": rnd.choice([25, 50, 150, 500])}]}
        out.append(RuleConfig.model_validate({"name": f"loc-{i}", "locations": loc}))
    return out


def dump(corpus: Path, out_path: Path) -> None:
    """Write what matching decides, in a stable order: one JSON line per (article,
    rule) match with its evidence, then per article its resolved mentions
    (mention offsets and key, place id), for the geo-dev rules on geo-dev and
    on CORPUS, and for the 1,000 bench rules on CORPUS."""
    cache = Path(tempfile.gettempdir()) / "newsmon-bench-gazetteer"
    geo_rules = [RuleConfig(**r)
                 for r in tomllib.loads((GEO_DEV / "rules.toml").read_text())["rules"]]
    corpus_arts = list(articles(corpus))
    runs = [("geo-dev", geo_rules, list(articles(GEO_DEV / "articles.jsonl"))),
            ("corpus", geo_rules, corpus_arts), ("corpus-1000", _rules(1000), corpus_arts)]
    with out_path.open("w", encoding="utf-8") as out:
        for label, rules, arts in runs:
            lm = LocationMatcher.compile(rules, (), cache_dir=cache)
            for a in arts:
                for name, evs in lm.match(a).items():
                    out.write(json.dumps([label, a.id, name, [
                        [e.kind, e.field, e.start, e.end, e.text, e.detail] for e in evs]],
                        sort_keys=True) + "\n")
            lm = LocationMatcher.compile(rules, (), cache_dir=cache)  # a fresh learned home
            for a in arts:
                out.write(json.dumps([label, a.id, [[r.mention.field, r.mention.start,
                                                     r.mention.end, r.mention.key, r.place]
                                                    for r in lm.mentions(a)]]) + "\n")
    print(f"wrote {out_path}")


def home_probe(corpus: Path, region: str) -> None:
    """What a configured `home` adds when CORPUS is read as a paper at home in
    `region`: towns under 15,000 people (and villages) found with the home and
    not without. The corpus is not annotated, so this counts and lists them for
    reading; against national news most are people, clubs and brands."""
    from collections import Counter

    cache = Path(tempfile.gettempdir()) / "newsmon-bench-gazetteer"
    arts = list(articles(corpus))
    sources = sorted({a.source for a in arts})

    def small(homes: dict[str, str] | None) -> tuple[Counter[tuple[str, str]], int]:
        lm = LocationMatcher.compile(_rules(3), (), cache_dir=cache, homes=homes)
        gaz, found, villages = lm._gaz, Counter[tuple[str, str]](), 0
        for a in arts:
            for r in lm.mentions(a):
                if gaz.kind[r.place] == 3 and gaz.pop[r.place] < 15_000:
                    found[(r.mention.text, gaz.label(r.place))] += 1
                    villages += gaz.village_start <= r.place < gaz.base_len
        return found, villages

    without, _ = small(None)
    with_home, villages = small(dict.fromkeys(sources, region))
    added = with_home - without
    print(f"{corpus.name} read as a paper at home in {region}: towns under 15,000 "
          f"{sum(without.values())} without the home, {sum(with_home.values())} with it "
          f"({villages} of them villages); the home adds {sum(added.values())}:")
    for (text, label), n in added.most_common(25):
        print(f"  {n:3d}  {text}  ->  {label}")


def stages(corpus: Path) -> None:
    """CPU time per article of each stage of `LocationMatcher.match` with 1,000
    rules, best of 5 passes over CORPUS: the module functions the matcher calls
    are wrapped with timers (a few hundred nanoseconds each, counted in the
    stage), so the stages are the matcher's own code path."""
    if native.state().compiled:
        print("(--stages times the pure sources: its timers wrap module functions, which "
              "compiled modules call directly)", flush=True)
        raise SystemExit(subprocess.run([sys.executable, *sys.argv],
                                        env={**os.environ, "NEWSMON_PURE": "1"}).returncode)
    import monitor.geo.mentions as mentions_mod
    import monitor.match.places as places_mod

    cache = Path(tempfile.gettempdir()) / "newsmon-bench-gazetteer"
    arts = list(articles(corpus))
    lm = LocationMatcher.compile(_rules(1000), (), cache_dir=cache)
    clock = time.process_time
    spent: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        def run(*args: Any, **kw: Any) -> Any:
            t = clock()
            try:
                return fn(*args, **kw)
            finally:
                spent[name] = spent.get(name, 0.0) + clock() - t
        return run

    gaz = lm._gaz
    scan = gaz.scan
    gaz.scan = timed("automaton scan", lambda *a: list(scan(*a)))  # type: ignore[method-assign]
    places_mod.Tokens = timed("tokenise", places_mod.Tokens)  # type: ignore[misc]
    mentions_mod._visible_codes = timed("code the capitalised tokens", mentions_mod._visible_codes)
    places_mod.find_mentions = timed("find mentions", places_mod.find_mentions)
    places_mod.resolve = timed("resolve senses", places_mod.resolve)
    places_mod.outside_rolls = timed("rolls of names", places_mod.outside_rolls)
    lm.match = timed("match", lm.match)  # type: ignore[method-assign]
    best: dict[str, float] = {}
    for a in arts[:200]:  # warm the memos
        lm.match(a)
    for _ in range(5):
        spent.clear()
        for a in arts:
            lm.match(a)
        total = spent["match"]
        if not best or total < best["match"]:
            best = dict(spent)
    us = {k: v / len(arts) * 1e6 for k, v in best.items()}
    checks = us["find mentions"] - us["code the capitalised tokens"] - us["automaton scan"]
    rows = [("tokenise", us["tokenise"]), ("code the capitalised tokens", us["code the capitalised tokens"]),
            ("automaton scan", us["automaton scan"]), ("check each hit (context, cues)", checks),
            ("resolve senses", us["resolve senses"]), ("rolls of names", us["rolls of names"])]
    rest = us["match"] - sum(v for _, v in rows)
    rows.append(("rules, evidence, field text, the rest", rest))
    print(f"{corpus.name}: {len(arts)} articles, 1,000 rules, best of 5: {us['match']:.0f} us per article "
          f"({1e6 / us['match']:,.0f} articles/s on one core, timers included)")
    for name, v in rows:
        print(f"  {name:40s} {v:6.1f} us  {v / us['match']:4.0%}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    if "--dump" in sys.argv and len(args) == 2:
        dump(Path(args[0]), Path(args[1]))
    elif "--stages" in sys.argv and len(args) == 1:
        stages(Path(args[0]))
    elif "--home" in sys.argv and len(args) == 2:
        home_probe(Path(args[0]), args[1])
    elif "--rates" in sys.argv and len(args) == 2:  # speed()'s pure baseline, in a child
        print(json.dumps(_rates(list(articles(Path(args[0]))), _rules(1000), Path(args[1]), show=False)))
    elif args:
        speed(Path(args[0]))
    else:
        quality()
