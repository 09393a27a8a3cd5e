#!/usr/bin/env python3
"""Near-duplicate stories (monitor/stories.py) on the BBC corpus.

The stream: every corpus article, and for each one a copy made here, placed later
in the stream: an exact copy, paragraphs shuffled, one sentence in four dropped, a
new headline, or all of these at once with teaser lines ("ALSO READ ...") added.
The truth: an article and its copy are one story. The corpus itself holds some
stories twice (a copy, or an update under a new headline: "Roddick to face Saulnier
in final" / "Roddick into San Jose final"); "precision" counts every merge of two
originals as false, "(+corpus)" counts it as true when the two originals' exact
shingle Jaccard is at least the threshold (what the estimate approximates).

1. Detector: signature + LSH lookup + decision + index insert per article, one
   core; articles/s, and precision/recall of same-story pairs per threshold.
2. End to end: `Pipeline.process` (normalise, identity, stories, match, route, the
   SQLite record with fsync) with [stories] on vs off, ms per article and the ratio.

    python bench/dedupe.py ../shared/corpus/bbc-2004.jsonl [--e2e 600]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.app import compile_matcher  # noqa: E402
from monitor.article import RawItem  # noqa: E402
from monitor.pipeline import Pipeline  # noqa: E402
from monitor.settings.models import Config  # noqa: E402
from monitor.store.sql import open_store  # noqa: E402
from monitor.stories import (  # noqa: E402
    StoryEntry,
    StoryIndex,
    band_keys,
    decide_story,
    signature,
    story_text,
)
from monitor.text import words  # noqa: E402

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
Doc = tuple[str, str, str]  # (id, title, body)


def paragraphs(body: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n|\n", body) if p.strip()]


def shuffle(rng: random.Random, title: str, body: str) -> tuple[str, str]:
    ps = paragraphs(body)
    rng.shuffle(ps)
    return title, "\n\n".join(ps)


def drop_sentences(rng: random.Random, title: str, body: str) -> tuple[str, str]:
    out = []
    for p in paragraphs(body):
        kept = [s for s in _SENTENCE.split(p) if rng.random() >= 0.25]
        if kept:
            out.append(" ".join(kept))
    return title, "\n\n".join(out)


def new_headline(rng: random.Random, title: str, body: str) -> tuple[str, str]:
    return rng.choice(["Update: ", "LIVE: ", "Breaking: "]) + " ".join(reversed(title.split())), body


def everything(rng: random.Random, title: str, body: str) -> tuple[str, str]:
    title, body = new_headline(rng, *drop_sentences(rng, *shuffle(rng, title, body)))
    ps = paragraphs(body)
    for teaser in ("ALSO READ: Markets close higher on energy news", "ALSO READ  Storms expected tonight"):
        ps.insert(rng.randrange(len(ps) + 1), teaser)
    return title, "\n\n".join(ps)


EDITS: dict[str, Callable[[random.Random, str, str], tuple[str, str]]] = {
    "exact": lambda rng, t, b: (t, b), "shuffle": shuffle, "drop": drop_sentences,
    "headline": new_headline, "all": everything,
}


def stream(corpus: Path, seed: int = 1) -> tuple[list[Doc], set[frozenset[str]], dict[str, str]]:
    """Originals with one edited copy each, copies placed later; the true pairs; each copy's edit."""
    rng = random.Random(seed)
    docs = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: list[Doc] = [(d["id"], d["title"], d["body"]) for d in docs]
    pairs: set[frozenset[str]] = set()
    kinds: dict[str, str] = {}
    names = list(EDITS)
    for i, d in enumerate(docs):
        kind = names[i % len(names)]
        title, body = EDITS[kind](rng, d["title"], d["body"])
        copy_id = f"{d['id']}~{kind}"
        out.insert(rng.randrange(out.index(out[i]) + 1, len(out) + 1), (copy_id, title, body))
        pairs.add(frozenset((d["id"], copy_id)))
        kinds[copy_id] = kind
    return out, pairs, kinds


def shingles(title: str, body: str) -> set[tuple[str, ...]]:
    w = words(story_text(title, body))
    return {tuple(w[i:i + 3]) for i in range(len(w) - 2)}


def corpus_twins(docs: list[Doc], found: set[frozenset[str]], at_least: float) -> set[frozenset[str]]:
    """Found pairs from two different originals that are near-duplicates in the corpus
    itself (exact shingle Jaccard of the originals >= `at_least`), copies included."""
    text = {d[0]: (d[1], d[2]) for d in docs}
    twins = set()
    for pair in found:
        a, b = (x.split("~")[0] for x in sorted(pair))
        if a == b:
            continue
        sa, sb = shingles(*text[a]), shingles(*text[b])
        if sa and sb and len(sa & sb) / len(sa | sb) >= at_least:
            twins.add(pair)
    return twins


def detect(docs: list[Doc], threshold: float) -> tuple[dict[str, str], float]:
    """Story id per doc, and the CPU seconds the detector took (signature, lookup, decision,
    insert). CPU time, not wall time: the bench machine is shared, one core is what is asked."""
    index = StoryIndex(max_articles=50_000)
    story: dict[str, str] = {}
    t0 = time.process_time()
    for doc_id, title, body in docs:
        sig = signature(story_text(title, body))
        keys = band_keys(sig) if sig is not None else []
        found = index.candidates(sig, keys) if sig is not None else []
        decision = decide_story(doc_id, sig, found, threshold, NOW - timedelta(hours=72))
        story[doc_id] = decision.story_id
        if sig is not None:
            index.add(StoryEntry(doc_id, decision.story_id, NOW, sig), keys)
    return story, time.process_time() - t0


def same_story_pairs(story: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, list[str]] = {}
    for doc_id, s in story.items():
        groups.setdefault(s, []).append(doc_id)
    return {frozenset(p) for g in groups.values() if len(g) > 1 for p in itertools.combinations(g, 2)}


def end_to_end(docs: list[Doc], enabled: bool, limit: int) -> tuple[float, float, int]:
    """(wall, CPU) ms per article through `Pipeline.process` with a real SQLite state file,
    and the outbox rows it queued."""
    config = Config.model_validate({
        # "said" matches most of the corpus: the worst case for stories, which only look up
        # and index articles that matched a rule.
        "rules": [{"name": "gov", "query": "government AND minister", "notify": ["hook"]},
                  {"name": "uk", "query": "\"prime minister\" OR Blair", "notify": ["hook"]},
                  {"name": "said", "query": "said", "notify": ["hook"]}],
        "targets": {"hook": ["json://127.0.0.1:9/hook"]},
        "stories": {"enabled": enabled}})
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "state")
        try:
            pipe = Pipeline(config, store, compile_matcher(config, None), lambda targets: None, lambda: NOW)
            t0, c0 = time.perf_counter(), time.process_time()
            for doc_id, title, body in docs[:limit]:
                pipe.process(RawItem("bbc", doc_id, title=title, body=body))
            wall, cpu = (time.perf_counter() - t0) * 1000 / limit, (time.process_time() - c0) * 1000 / limit
            alerts = sum(1 for r in store.rows(limit=1_000_000) if r.reason != "story")
            return wall, cpu, alerts
        finally:
            store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--e2e", type=int, default=600, help="articles per end-to-end run")
    ap.add_argument("--rounds", type=int, default=5, help="end-to-end rounds (best is kept)")
    ap.add_argument("--show", action="store_true", help="print some false pairs at 0.5")
    args = ap.parse_args()
    docs, truth, kinds = stream(args.corpus)
    print(f"stream: {len(docs)} articles ({len(truth)} originals, each with one edited copy)")
    print(f"{'threshold':>9} {'art/s':>7} {'precision':>9} {'(+corpus)':>9} {'recall':>7}  recall per edit")
    for threshold in THRESHOLDS:
        story, seconds = detect(docs, threshold)
        found = same_story_pairs(story)
        twins = corpus_twins(docs, found, threshold)
        tp = len(found & truth)
        if threshold == 0.5 and "--show" in sys.argv:
            text = {d[0]: (d[1] + " / " + d[2])[:90].replace("\n", " ") for d in docs}
            for pair in list(found - truth - twins)[:15]:
                print("   FP:", [text[x] for x in pair])
        precision = tp / len(found) if found else 1.0
        precision_twins = (tp + len(twins)) / len(found) if found else 1.0
        recall = tp / len(truth)
        per_kind = {k: sum(1 for p in truth if p in found and any(kinds.get(x) == k for x in p))
                    / sum(1 for c in kinds.values() if c == k) for k in EDITS}
        kinds_text = " ".join(f"{k} {v:.3f}" for k, v in per_kind.items())
        print(f"{threshold:>9.2f} {len(docs) / seconds:>7.0f} {precision:>9.3f} {precision_twins:>9.3f} "
              f"{recall:>7.3f}  {kinds_text}")
    # End to end: the same articles with stories on and off (alternated, best of N each).
    on: list[tuple[float, float, int]] = []
    off: list[tuple[float, float, int]] = []
    for i in range(args.rounds):  # alternate which goes first: neither gets the warmer cache
        for enabled in (False, True) if i % 2 == 0 else (True, False):
            (on if enabled else off).append(end_to_end(docs, enabled, args.e2e))
    print(f"alerts queued (not counting \"also reported\" rows): stories off {off[0][2]}, "
          f"on {on[0][2]} (of {args.e2e} articles)")
    for i, name in enumerate(("wall", "CPU")):
        a, b = min(x[i] for x in off), min(x[i] for x in on)
        print(f"end to end, {name} ({args.e2e} articles, SQLite with fsync, best of {args.rounds}): "
              f"stories off {a:.2f} ms/article, on {b:.2f} ms/article, ratio {b / a:.3f}")


if __name__ == "__main__":
    main()
