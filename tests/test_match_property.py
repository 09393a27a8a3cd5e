"""Property tests: the compiled, indexed matcher agrees with a direct evaluator.

The reference below reads QUERY.md literally: tokenise each field on its own
(`tokenize`, body without teaser lines) and evaluate the parsed tree by brute
force (every position, every token). No index, no caching, no specialisation.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from unittest.mock import patch

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from monitor.article import Article, RawItem, normalise
from monitor.match import engine as match_engine
from monitor.match import index as match_index
from monitor.match.doc import url_host
from monitor.match.engine import Matcher
from monitor.match.evaluate import evidence
from monitor.match.finder import WordFinder
from monitor.match.query import parse_query
from monitor.match.tree import (
    DEFAULT_FIELDS,
    FIELDS,
    And,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Site,
    Word,
    describe,
    is_positive,
)
from monitor.match.types import Evidence
from monitor.settings.rules import RuleConfig
from monitor.text import strip_teasers, token_bounds, tokenize, words

NOW = datetime(2026, 1, 1, tzinfo=UTC)
VOCAB = ["alpha", "alps", "beta", "bet", "gamma", "kyiv", "Kyïv", "CAFÉ", "cafe", "delta", "x1", "7"]
QUERY_WORDS = ["alpha", "alps", "beta", "bet", "kyiv", "cafe", "x1", "7", "zulu"]
PREFIXES = ["al", "alp", "be", "bet", "ga", "ky", "ca", "de", "zu"]
SEPARATORS = [" ", " ", " ", "-", ", ", "\n", "'s ", "…"]


# -- the reference evaluator ----------------------------------------------------------


def ref_tokens(art: Article) -> dict[str, list[str]]:
    out = {}
    for field in FIELDS:
        text = art.field_text(field)
        if field == "body":
            text = strip_teasers(text)
        out[field] = [t.text for t in tokenize(text)]
    return out


def ref_starts(leaf: Node, toks: list[str]) -> list[int]:
    if isinstance(leaf, Word):
        return [i for i, t in enumerate(toks) if t == leaf.word]
    if isinstance(leaf, Prefix):
        return [i for i, t in enumerate(toks) if t.startswith(leaf.prefix)]
    assert isinstance(leaf, Phrase)
    n = len(leaf.words)
    return [i for i in range(len(toks) - n + 1) if tuple(toks[i : i + n]) == leaf.words]


def ref_eval(node: Node, toks: dict[str, list[str]], host: str) -> bool:
    if isinstance(node, Word | Prefix | Phrase):
        return any(ref_starts(node, toks[f]) for f in node.fields)
    if isinstance(node, Near):
        return any(
            abs(a - b) <= node.distance
            for f in node.fields
            for a in ref_starts(node.left, toks[f])
            for b in ref_starts(node.right, toks[f])
        )
    if isinstance(node, Site):
        return host == node.host or host.endswith("." + node.host)
    if isinstance(node, Not):
        return not ref_eval(node.item, toks, host)
    if isinstance(node, And):
        return all(ref_eval(i, toks, host) for i in node.items)
    assert isinstance(node, Or)
    return any(ref_eval(i, toks, host) for i in node.items)


# -- generators ------------------------------------------------------------------------

fields_st = st.one_of(*[st.just(DEFAULT_FIELDS)] * 3, st.sampled_from([(f,) for f in FIELDS]))
word_st = st.builds(Word, st.sampled_from(QUERY_WORDS), fields_st)
prefix_st = st.builds(Prefix, st.sampled_from(PREFIXES), fields_st)
phrase_st = st.builds(
    Phrase, st.lists(st.sampled_from(QUERY_WORDS), min_size=2, max_size=3).map(tuple), fields_st
)
leaf_st = st.one_of(word_st, word_st, prefix_st, phrase_st)


@st.composite
def near_st(draw: st.DrawFn) -> Node:
    left, right = draw(leaf_st), draw(leaf_st)
    shared = tuple(f for f in left.fields if f in right.fields)
    assume(shared)
    return Near(left, right, draw(st.integers(1, 4)), shared)


site_st = st.builds(Site, st.sampled_from(["example.com", "news.example.com", "bbc.co.uk", "ample.com"]))
base_st = st.one_of(leaf_st, leaf_st, near_st(), near_st(), site_st)
node_st = st.recursive(
    base_st,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.lists(inner, min_size=2, max_size=4).map(lambda xs: And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=4).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=8,
)
# Mostly small trees: big random trees are nearly always false or true.
query_st = st.one_of(base_st, base_st, node_st)


@st.composite
def text_st(draw: st.DrawFn, max_words: int = 14) -> str:
    parts = []
    for _ in range(draw(st.integers(0, max_words))):
        parts.append(draw(st.sampled_from(VOCAB)))
        parts.append(draw(st.sampled_from(SEPARATORS)))
    text = "".join(parts)
    if draw(st.booleans()):
        text += "\nALSO READ: " + " ".join(draw(st.lists(st.sampled_from(VOCAB), max_size=3))) + "\nbeta"
    return text


@st.composite
def article_st(draw: st.DrawFn) -> Article:
    host = draw(st.sampled_from(["example.com", "www.example.com", "news.example.com", "bbc.co.uk",
                                 "example.com.evil.net", ""]))
    url = f"https://{host}/{draw(st.sampled_from(VOCAB))}" if host else ""
    return normalise(
        RawItem(
            source=draw(st.sampled_from(["wire", "alpha feed"])),
            key="k",
            title=draw(text_st(max_words=5)),
            summary=draw(text_st(max_words=6)),
            body=draw(text_st()),
            author=draw(text_st(max_words=3)),
            tags=tuple(draw(st.lists(st.sampled_from(VOCAB), max_size=3))),
            url=url,
        ),
        NOW,
    )


def _key(e: Evidence) -> tuple[str, str, int, int, str]:
    return (e.kind, e.field, e.start, e.end, e.text)


def as_query(node: Node) -> str:
    text = describe(node)
    # The canonical spelling must parse back to the same tree (else the generator is wrong).
    assert parse_query(text).root == node, text
    return text


# -- properties ------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(query_st, min_size=1, max_size=8), st.lists(article_st(), min_size=1, max_size=3))
def test_compiled_matcher_agrees_with_direct_evaluation(nodes: list[Node], articles: list[Article]) -> None:
    nodes = [n for n in nodes if is_positive(n)]
    assume(nodes)
    queries = [as_query(n) for n in nodes]
    rules = [RuleConfig(name=f"r{i}", query=q) for i, q in enumerate(queries)]
    matcher = Matcher.compile(rules)
    # Many prefix rules (never matching) switch the matcher to cutting every token for
    # prefixes, with complete token sets: the other rules must match the same.
    pads = [RuleConfig(name=f"pad{k}", query=f"qqz{k}x*") for k in range(30)]
    padded = Matcher.compile(rules + pads)
    with patch.object(match_index, "_BITMAP_IDS", 0):  # a large index's bitmap path
        bitmapped = Matcher.compile(rules)
    with patch.object(match_engine, "_ASKED_WORDS", -1):  # a large rule set: every token kept
        every_token = Matcher.compile(rules + pads)
    # The asked words looked up token by token (too many words for the finder)
    with patch.object(match_engine, "MAX_KEYS", -1):
        no_finder = Matcher.compile(rules + pads)
    assert matcher._asked is not None and every_token._asked is None
    assert matcher._finder is not None and no_finder._finder is None and no_finder._asked is not None
    for art in articles:
        toks = ref_tokens(art)
        host = url_host(art.url)
        expected = [f"r{i}" for i, n in enumerate(nodes) if ref_eval(n, toks, host)]
        # membership only (no evidence): the same rules, whether or not trees are compiled yet
        assert [f"r{i}" for i in matcher.matching_ids(art)] == expected, (queries, art)
        assert [m.rule for m in padded.match(art)] == expected, (queries, art)
        assert [m.rule for m in every_token.match(art)] == expected, (queries, art)
        assert [m.rule for m in no_finder.match(art)] == expected, (queries, art)
        assert [m.rule for m in bitmapped.match(art)] == expected, (queries, art)
        found = matcher.match(art)
        assert [m.rule for m in found] == expected, (queries, art)
        bare = matcher.match(art, evidence=False)
        assert [(m.rule, m.evidence) for m in bare] == [(r, ()) for r in expected]
        doc = matcher.doc(art)
        for m in found:
            assert m.evidence, m
            for ev in m.evidence:
                assert art.field_text(ev.field)[ev.start : ev.end] == ev.text
            # the compiled evidence collector and the tree walk agree
            walked: list[Evidence] = []
            evidence(nodes[int(m.rule[1:])], doc, walked)
            assert set(map(_key, walked)) == set(map(_key, m.evidence))


@settings(max_examples=200, deadline=None)
@given(st.sets(st.text(alphabet="abcé1", min_size=2, max_size=4), max_size=40),
       st.sets(st.text(alphabet="abcé1", min_size=1, max_size=6), max_size=30))
def test_both_ways_of_finding_prefixes_agree(prefixes: set[str], tokens: set[str]) -> None:
    # Few prefixes are looked for one by one in the joined tokens, many by one trie
    # pattern per length, or by cutting every token to the length: each must be
    # "some token starts with it", whatever the counts and lengths (a prefix may be
    # the start of a longer one), alone or mixed.
    table = {p: [0] for p in prefixes}
    expected = {p for p in prefixes if any(t.startswith(p) for t in tokens)}
    by_length = {n: [p for p in prefixes if len(p) == n] for n in sorted({len(p) for p in prefixes})}
    tries = [re.compile(f" ({match_index._trie(ws)})") for ws in by_length.values()]
    cuts = list(by_length)
    plan = match_index.PrefixPatterns
    mixed = plan(tuple(tries[1::2]), tuple(cuts[0::2]))
    for patterns in (None, plan(tuple(tries), ()), plan((), tuple(cuts)), mixed,
                     match_index.prefix_patterns(prefixes)):
        assert set(match_index.prefix_hits(table, patterns, tokens)) == expected


@settings(max_examples=200, deadline=None)
@given(st.sets(st.text(alphabet="abé1", min_size=1, max_size=4), max_size=30),
       st.sets(st.text(alphabet="abé1", min_size=1, max_size=3), max_size=20),
       st.lists(st.text(alphabet="abé1", min_size=1, max_size=5), max_size=30),
       st.lists(st.integers(1, 3), min_size=30, max_size=30))
def test_word_finder_finds_whole_tokens_and_token_starts(words: set[str], prefixes: set[str],
                                                         tokens: list[str], gaps: list[int]) -> None:
    # One pass finds the words that are whole tokens (not inside or at the start of a
    # longer one) and the prefixes some token starts with, however many spaces
    # separate the tokens (`spaced_words` keeps one per separator), a word that is
    # also a prefix included.
    spaced = "".join(" " * gap + token for gap, token in zip(gaps, tokens, strict=False)) + " "
    found = WordFinder(words, prefixes).find(spaced)
    assert found == (words & set(tokens), {p for p in prefixes if any(t.startswith(p) for t in tokens)})


def test_past_many_prefixes_of_a_length_tokens_are_cut() -> None:
    # A dense trie tries its alternatives one after another: past `_TRIE_PREFIXES`
    # of one length, every token is cut to that length instead; other lengths keep
    # their trie.
    many = {f"{a}{b}{c}{d}x" for a in "abcdef" for b in "abcdef" for c in "abc" for d in "ab"}
    few = {"zzz" + c for c in "abcdefgh"}
    patterns = match_index.prefix_patterns(many | few)
    assert patterns is not None and len(many) > match_index._TRIE_PREFIXES
    assert len(patterns.tries) == 1 and patterns.cut_lengths == (5,)
    table = {p: [0] for p in many | few}
    tokens = ["acabxylophone", "zzzb", "zzzq", "abcd", "ffcax", "ffdax"]
    assert sorted(match_index.prefix_hits(table, patterns, tokens)) == ["acabx", "ffcax", "zzzb"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_tokenize_offsets_and_words_agree(text: str) -> None:
    # words() is QUERY.md to the letter: fold the whole text, then runs of letters/digits.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    spec = re.findall(r"[^\W_]+", "".join(c for c in folded if not unicodedata.combining(c)))
    assert words(text) == spec
    toks = tokenize(text)
    bounds = token_bounds(text)
    assert len(bounds) == 2 * len(toks)
    for k, tok in enumerate(toks):
        assert (bounds[2 * k], bounds[2 * k + 1]) == (tok.start, tok.end)
        assert 0 <= tok.start < tok.end <= len(text)
        assert k == 0 or toks[k - 1].start <= tok.start


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*VOCAB, "Straße", "ﬁne", "e\u0301t\u00e9", "naïve", "İstanbul"]),
                max_size=8),
       st.lists(st.sampled_from([*SEPARATORS, "«", "»", "–", "’"]), min_size=8, max_size=8))
def test_tokenize_matches_words_on_realistic_text(parts: list[str], seps: list[str]) -> None:
    text = "".join(p + s for p, s in zip(parts, seps, strict=False))
    assert [t.text for t in tokenize(text)] == words(text)


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    ["a", "B", "e", " ", ".", "_", "1", "\u0301", "\u0308", "é", "ß", "İ", "ﬁ", "’", "£", "½", "Ａ",
     "\u2003", "\x85", "\x1c", "к", "Ω", "ǅ", "\u1100", "\u1161", "\u11a8", "한", "…", "ⅷ", "٣"]),
    max_size=30))
def test_words_fast_path_is_the_spec_on_mixed_text(text: str) -> None:
    """`words` folds only the non-ASCII runs: the same tokens as folding the whole text."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    spec = re.findall(r"[^\W_]+", "".join(c for c in folded if not unicodedata.combining(c)))
    assert words(text) == spec
