"""The parser's fast paths (`parse_query` on the common shapes) against the general parser.

Every query must give the same `Query` (tree and index words) or the same error
(column and message) whichever way it is parsed; the fast paths only skip work.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.match.query import QueryError, parse_general, parse_query
from monitor.match.tree import DEFAULT_FIELDS, Query, leaf_fields

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "bbc-2004.jsonl"


def outcome(parse, text: str) -> object:
    try:
        return parse(text)
    except QueryError as exc:
        return ("error", exc.column, exc.message)


def same_both_ways(text: str) -> None:
    fast = outcome(parse_query, text)
    assert fast == outcome(parse_general, text), text
    if isinstance(fast, Query) and fast.default_fields:  # said at parse time: must be so
        assert leaf_fields(fast.root) == set(DEFAULT_FIELDS), text


@pytest.mark.parametrize("query", [
    '"Kharkiv region"', '"a b c"', "offens*", "Ab*", "Izium AND Kharkiv", "a AND b AND c",
    "Izium NEAR/5 shelling", "a NEAR/1 b", "Kyiv AND NOT (drill OR exercise)", "x AND NOT (y OR y)",
])
def test_each_fast_shape_builds_the_general_tree(query: str) -> None:
    assert parse_query(query) == parse_general(query)
    assert parse_query(query).default_fields  # and knows its fields without a walk
    same_both_ways(query)


@pytest.mark.parametrize("query", [
    '"a"', '"a  b"', '"a b', 'a*b', "a*", "AND*", "a AND AND", "a AND", "AND AND b", "a AND NOT (b)",
    "a AND NOT (b OR NOT)", "NOT AND NOT (b OR c)", "a NEAR/0 b", "a NEAR/05 b", "a NEAR/1234567 b",
    "NEAR NEAR/2 b", "a NEAR/2 OR", "a  AND b", "a AND NOT (b OR c", '"AND OR"', "title:a AND b",
])
def test_odd_shapes_agree_with_the_general_parser(query: str) -> None:
    same_both_ways(query)


_PIECES = st.sampled_from([
    "a", "Ab", "x9", "izium", "AND", "OR", "NOT", "NEAR", "NEAR/5", "NEAR/0", "(", ")", '"', "*", "-",
    "é", "title:", "site:", ":",
])
_GAPS = st.sampled_from(["", " ", " ", " ", "  "])


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(_PIECES, _GAPS), min_size=1, max_size=9))
def test_random_queries_agree_with_the_general_parser(parts: list[tuple[str, str]]) -> None:
    same_both_ways("".join(p + g for p, g in parts).strip() or "a")


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["{a} AND {b}", '"{a} {b}"', "{a}*", "{a} NEAR/{n} {b}", "{a} AND NOT ({b} OR {c})",
                        "{a} OR {b} OR {c}", "{a} AND {b} AND {c}", '"{a} {b} {c}"']),
       st.lists(st.from_regex(r"[A-Za-z0-9]{1,6}|AND|OR|NOT|NEAR", fullmatch=True), min_size=3, max_size=3),
       st.integers(min_value=0, max_value=20))
def test_fast_shapes_with_any_words_agree(shape: str, words: list[str], n: int) -> None:
    a, b, c = words
    same_both_ways(shape.format(a=a, b=b, c=c, n=n))


@pytest.mark.skipif(not CORPUS.is_file(), reason="BBC corpus not present")
def test_bench_rules_parse_the_same_both_ways() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from match import generate  # type: ignore[import-not-found]

    rows = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    for _, query in generate(rows, 20_000, 7):
        same_both_ways(query)
