"""Back-testing gives exactly the matcher's answer, whatever the index decides on its own."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.article import RawItem, normalise
from monitor.match.engine import Matcher
from monitor.match.query import parse_query
from monitor.settings.rules import RuleConfig
from monitor.store import open_store
from monitor.store.articles import prune_texts
from monitor.store.sql import Store
from monitor.web.backtest import ArticleIndex, Compiled, run
from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "bbc-2004.jsonl"
if not CORPUS.exists():  # (read while collecting: the parametrised queries come from it)
    pytest.skip(f"the shared BBC corpus is not here ({CORPUS})", allow_module_level=True)
HANDWRITTEN = [
    RawItem("wire", "t1", title="Kharkiv shelling", body="Shelling hit Kharkiv.\nAlso read: Floods in Izium",
            url="https://www.reuters.com/world/1", author="Jane Doe", tags=("Ukraine", "war")),
    RawItem("blog", "t2", title="Izium recaptured", summary="Counter-offensive reached Izium",
            url="https://blog.example.org/izium"),
    RawItem("wire", "t3", title="Plain", body="counter offensive near the river; offensive ends",
            url="https://sub.reuters.com/x"),
]
QUERIES = [
    "kharkiv", "izium", "floods", "Izium OR floods", '"counter offensive"', "counter-offensive",
    "offens*", "author:doe", "tags:ukraine", "site:reuters.com", "site:example.org AND izium",
    "kharkiv AND NOT izium", "NOT floods AND (izium OR kharkiv)", "title:izium", "title:(izium OR plain)",
    "counter NEAR/2 offensive", "shelling NEAR/1 kharkiv", '"also read"', "source:blog",
    "url:reuters", "(offensive OR shelling) AND NOT (site:reuters.com OR tags:war)",
    "offens* NEAR/3 counter", '"counter offensive" NEAR/5 river', 'title:"izium recaptured"',
    'izium AND NOT "counter offensive"', '(kharkiv OR "counter offensive") AND NOT (near NEAR/2 river)',
    'NOT "also read" AND (floods OR izium)',
]


def _fill(store: Store, count: int, start: datetime) -> None:
    lines = CORPUS.read_text().splitlines()[:count]
    raws = [RawItem(d["source"], d["id"], title=d.get("title", ""), body=d.get("body", ""), url=d["url"])
            for d in map(json.loads, lines)] + HANDWRITTEN
    for i, raw in enumerate(raws):
        when = start + timedelta(minutes=i)
        store.record(normalise(raw, when), [], when)


def _generated(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = [w.lower() for d in map(json.loads, CORPUS.read_text().splitlines()[:200])
             for w in d["body"].split()[:60] if w.isalpha() and len(w) > 3]
    out = []
    for _ in range(count):
        a, b, c = rng.sample(words, 3)
        out.append(rng.choice([
            f"{a} AND {b}", f"{a} OR {b}", f"{a} AND NOT {b}", f'"{a} {b}"', f"{a[:4]}*",
            f"({a} OR {b}) AND NOT {c}", f"{a} NEAR/5 {b}", f"NOT {a} AND ({b} OR {c})",
            f"title:{a} OR {b}", f"({a} AND {b}) OR {c}", f'{a} AND NOT "{b} {c}"',
            f'("{a} {b}" OR {c}) AND NOT {a[:3]}*', f'{a[:4]}* NEAR/8 {b}', f'"{a} {b}" NEAR/10 {c}',
        ]))
    return out


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, ArticleIndex]:
    store = open_store(tmp_path_factory.mktemp("state"))
    _fill(store, 400, datetime(2026, 11, 1, tzinfo=UTC))
    return store, ArticleIndex(store.articles)


@pytest.mark.parametrize("query", QUERIES + _generated(200, seed=14))
def test_backtest_equals_the_matcher_over_every_article(kept: tuple[Store, ArticleIndex], query: str) -> None:
    store, index = kept
    rule = RuleConfig(name="r", query=query)
    matcher = Matcher.compile([rule])
    expected = {s.seq for s in store.articles.after(0) if matcher.matching_ids(s.article)}
    outcome = run(index, Compiled(rule, matcher), show=5)
    assert set(outcome.matched) == expected
    assert len(outcome.hits) == min(5, len(expected))
    assert all(h.evidence for h in outcome.hits)  # every shown match says why


def test_index_follows_new_and_pruned_articles(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    _fill(store, 20, start)
    index = ArticleIndex(store.articles)
    rule = RuleConfig(name="r", query="izium")
    compiled = Compiled(rule, Matcher.compile([rule]))
    assert len(run(index, compiled).matched) == 1  # t2 (t1 names Izium only in a teaser line)
    later = start + timedelta(days=1)
    store.record(normalise(RawItem("wire", "new", title="Izium again"), later), [], later)
    assert len(run(index, compiled).matched) == 2  # picked up without a rebuild
    prune_texts(store, start + timedelta(hours=12))  # the first batch is forgotten
    outcome = run(index, compiled)
    assert [h.stored.article.title for h in outcome.hits] == ["Izium again"]
    assert len(index) == 1 and index.evaluate(parse_query("izium OR kharkiv").root) == set(outcome.matched)
    prune_texts(store, later + timedelta(seconds=1))  # nothing kept at all
    assert run(index, compiled).matched == () and len(index) == 0


def test_diff_against_the_saved_rule(kept: tuple[Store, ArticleIndex]) -> None:
    _, index = kept
    new, old = RuleConfig(name="r", query="izium OR kharkiv"), RuleConfig(name="r", query="izium OR floods")
    outcome = run(index, Compiled(new, Matcher.compile([new])), Compiled(old, Matcher.compile([old])))
    assert outcome.compared and outcome.added == 1 and outcome.dropped == 0  # floods only in a teaser line
    assert outcome.removed == ()
