"""All rules -> one term index; candidate rules per article.

Like Lucene Monitor / Luwak: each rule is keyed by a few "anchor" terms such
that the rule cannot match unless one of them is present (an OR needs one
anchor per branch, an AND needs the anchors of just one positive branch, a
NOT needs none). An article looks up its own token set, so the work per
article follows the article's vocabulary, not the number of rules. Only the
candidates' trees are then evaluated.

Anchors are (kind, key): ("t", token), ("p", prefix) and ("s", host).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple

from pyroaring import AbstractBitMap, BitMap, FrozenBitMap

from monitor.gcpause import paused_gc
from monitor.match.tree import LEAVES, And, Near, Node, Not, Or, Phrase, Prefix, Site, Word

Anchor = tuple[str, str]

# Very common tokens make poor anchors: every article has them.
_COMMON = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "he",
    "in", "is", "it", "its", "not", "of", "on", "or", "said", "that", "the", "their", "they",
    "this", "to", "was", "were", "will", "with",
})


def _term_cost(word: str) -> float:
    # Longer words are usually rarer; common words are nearly free to match.
    return 50.0 if word in _COMMON else 1.0 + 4.0 / len(word)


def _leaf_anchors(node: Word | Prefix | Phrase) -> tuple[float, list[Anchor]]:
    if isinstance(node, Word):
        return _term_cost(node.word), [("t", node.word)]
    if isinstance(node, Prefix):
        return 3.0 + 8.0 / len(node.prefix), [("p", node.prefix)]
    best = min(node.words, key=_term_cost)
    return _term_cost(best), [("t", best)]


def anchors(node: Node) -> tuple[float, list[Anchor]] | None:
    """A cheap set of anchors, one of which every match of `node` contains.

    None when `node` can be true with no positive term present (a NOT).
    """
    if isinstance(node, LEAVES):
        return _leaf_anchors(node)
    if isinstance(node, And):
        best = None  # the cheapest positive item's (the first of equals, as `min`)
        for item in node.items:
            found = anchors(item)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        return best
    if isinstance(node, Not):
        return None
    if isinstance(node, Near):
        left, right = _leaf_anchors(node.left), _leaf_anchors(node.right)
        return right if right[0] < left[0] else left
    if isinstance(node, Site):
        return 1.0, [("s", node.host)]
    assert isinstance(node, Or)
    total, keys = 0.0, []
    for item in node.items:
        found = anchors(item)
        if found is None:
            return None
        total += found[0]
        keys.extend(found[1])
    return total, keys


TokenSource = Iterable[str] | Callable[[], Iterable[str]]


class PrefixPatterns(NamedTuple):
    """How `prefix_hits` finds many prefixes: per prefix length, a trie pattern, or
    (for a length with many) the length itself, every token being cut to it."""

    tries: tuple[re.Pattern[str], ...]
    cut_lengths: tuple[int, ...]

# Above this many prefixes of one length, the trie's alternatives (tried one after
# another at each character) cost about as much as cutting every token to that
# length and looking the heads up (five-letter stems of random BBC words, per
# article: 32 stems 19 us against 22; 64 even; 128 27 us against 22).
_TRIE_PREFIXES = 64


def prefix_patterns(prefixes: Iterable[str]) -> PrefixPatterns | None:
    """How `prefix_hits` looks for many prefixes: per prefix length, one regular
    expression, `" (...)"`, the prefixes spelled as a trie, so that each token start
    tries a few characters rather than every prefix (or, past `_TRIE_PREFIXES` of
    that length, the length: every token is cut to it). None when they are few:
    each is then looked for on its own (`str.find` in C).

    Measured on the BBC corpus (spaced default-field tokens, ~2,300 characters per
    article; five-letter prefixes): 2 prefixes 4.8 us against 3.2 by find; 6 even
    (8.6 and 9.4 us); 8 8.9 us against 12.5; 42 (1,000 rules of the bench's mix) 21 us
    against 64 by find and 43 by cutting every token to 5 letters.
    """
    by_length: dict[int, list[str]] = {}
    for prefix in prefixes:
        by_length.setdefault(len(prefix), []).append(prefix)
    if sum(map(len, by_length.values())) <= 6 * len(by_length):
        return None
    # (One per length: in a trie of equal-length words none ends inside another, so
    # the one match at a token start is the only prefix of that length it has.)
    lengths = sorted(by_length.items())
    return PrefixPatterns(
        tuple(re.compile(f" ({_trie(words)})") for _, words in lengths if len(words) <= _TRIE_PREFIXES),
        tuple(size for size, words in lengths if len(words) > _TRIE_PREFIXES))


def _trie(words: Iterable[str]) -> str:
    """A regular expression of `words` (all of one length) as a trie: `c(?:on(?:te|ve)|ry)`."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})

    def spell(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + spell(child) for ch, child in sorted(node.items())]
        if len(branches) < 2:
            return "".join(branches)
        return "(?:" + "|".join(branches) + ")"

    return spell(tree)


def prefix_hits(prefixes: Mapping[str, object], patterns: PrefixPatterns | None, tokens: TokenSource,
                spaced: str | None = None) -> list[str]:
    """The keys of `prefixes` that some token starts with (`patterns`: `prefix_patterns(prefixes)`).

    `tokens`: the tokens (repeats allowed), or a callable giving them (called only if needed);
    `spaced`: the same tokens, each after a space (`Doc.spaced`), if at hand.
    """
    if not prefixes:
        return []
    if patterns is None:
        joined = _spaced(tokens, spaced)
        return [p for p in prefixes if " " + p in joined]
    hits: set[str] = set()
    if patterns.tries:
        joined = _spaced(tokens, spaced)
        hits.update(chain.from_iterable(pattern.findall(joined) for pattern in patterns.tries))
    sizes = patterns.cut_lengths
    if sizes:
        every = tokens() if callable(tokens) else tokens
        if len(sizes) > 1:
            every = list(every)  # read once per length
        keys = prefixes.keys()
        for size in sizes:
            # Token heads cut in C (itemgetter of a slice) and looked up as they come.
            # A token shorter than `size` yields itself; if that is a key, it is a hit.
            hits.update(keys & map(itemgetter(slice(size)), every))
    return list(hits)


def _spaced(tokens: TokenSource, spaced: str | None) -> str:
    """A space before each token: " p" occurs exactly where a token starts with p."""
    return spaced if spaced is not None else " " + " ".join(tokens() if callable(tokens) else tokens)


# From this many exact-rule ids on (~4,000 rules of the bench's mix), each word's ids
# are also kept as a compressed bitmap (Roaring, in C): an article's hundreds of matching
# ids are then gathered, deduplicated and sorted in one C union instead of as Python ints
# in a set and a sort. Below it the set is cheaper (each bitmap costs a call). Measured
# with both ways alternated in one process on the BBC corpus: 3,900 ids, the set 4-7%
# faster; 12,300 even; 20,200 bitmaps 2-5% faster; 40,600 (10,000 rules) 14-15%.
_BITMAP_IDS = 15_000


def merge_ids(found: set[int], bitmaps: list[AbstractBitMap]) -> list[int]:
    """`found` and the ids in `bitmaps`, sorted, without repeats."""
    if not bitmaps:
        return sorted(found)
    if found:
        bitmaps.append(BitMap(found))
    ids: list[int] = (BitMap.union(*bitmaps) if len(bitmaps) > 1 else bitmaps[0]).to_array().tolist()
    return ids


class TermIndex:
    """anchor -> rule ids; `candidates` gives the ids worth evaluating."""

    def __init__(self) -> None:
        # Rules that are just `word` or `w1 OR w2 OR …` (default fields): present <=> match.
        # Built as lists, then (`freeze`) kept as tuples made one after another: each
        # article reads dozens of them, and packed together they are fewer cache misses.
        self._exact_lists: dict[str, list[int]] = {}
        self.exact: dict[str, Sequence[int]] = {}
        # Rules that are just `prefix*` (default fields): a token with the prefix <=> match.
        self.exact_prefixes: dict[str, list[int]] = {}
        self._exact_patterns: PrefixPatterns | None = None  # (see `prefix_patterns`)
        self._term_lists: dict[str, list[int]] = {}
        self.terms: dict[str, Sequence[int]] = {}  # (likewise)
        self.prefixes: dict[str, list[int]] = {}
        self.sites: dict[str, list[int]] = {}
        self._prefix_patterns: PrefixPatterns | None = None
        # `exact` and `exact_prefixes` as bitmaps, for a large index (see `freeze`).
        self._bitmaps: dict[str, FrozenBitMap] | None = None
        self._prefix_bitmaps: dict[str, FrozenBitMap] = {}

    def add(self, rule_id: int, keys: Iterable[Anchor]) -> None:
        for kind, key in set(keys):
            table = self._term_lists if kind == "t" else self.prefixes if kind == "p" else self.sites
            table.setdefault(key, []).append(rule_id)

    def add_exact(self, rule_id: int, words: Iterable[str]) -> None:
        """`words` without repeats (as `Query.words`)."""
        exact = self._exact_lists
        for word in words:
            ids = exact.get(word)
            if ids is None:
                exact[word] = [rule_id]
            else:
                ids.append(rule_id)

    def add_exact_prefix(self, rule_id: int, prefix: str) -> None:
        self.exact_prefixes.setdefault(prefix, []).append(rule_id)

    def exact_prefix_hits(self, default: TokenSource, sort: bool = True,
                          spaced: str | None = None) -> list[str]:
        """The prefixes of exact prefix rules some default-field token starts with (sorted unless told);
        `default`: the default fields' tokens (as `prefix_hits`); `spaced`: their `Doc.spaced`, if at hand."""
        hits = prefix_hits(self.exact_prefixes, self._exact_patterns, default, spaced)
        return sorted(hits) if sort else hits

    def exact_matches(self, default: AbstractSet[str], tokens: TokenSource, spaced: str | None,
                      found: AbstractSet[str] | None = None) -> tuple[set[int], list[AbstractBitMap]]:
        """The exact rules decided by the default fields' words `default` (only those
        some rule asks about is enough) and tokens (as `exact_prefix_hits`; or `found`:
        the prefixes known to start a default-field token, a superset of theirs): their
        ids as a set, or for a large index as bitmaps (merge with `merge_ids`)."""
        exact, prefixes = self.exact, self.exact_prefixes
        if not prefixes:
            hits: Iterable[str] = ()
        elif found is not None:
            hits = prefixes.keys() & found
        else:
            hits = self.exact_prefix_hits(tokens, sort=False, spaced=spaced)
        bitmaps = self._bitmaps
        if bitmaps is None:
            # Present <=> match, so the ids go straight in (in C, no Python loop; one
            # lookup per word, as `default` holds only the words rules ask about).
            ids = set(chain.from_iterable(filter(None, map(exact.get, default))))
            for prefix in hits:
                ids.update(prefixes[prefix])
            return ids, []
        parts: list[AbstractBitMap] = list(filter(None, map(bitmaps.get, default)))
        parts.extend(map(self._prefix_bitmaps.__getitem__, hits))
        return set(), parts

    def exact_words(self, default: AbstractSet[str]) -> list[str]:
        """The present words that decide exact rules (sorted: the same output on every run)."""
        return sorted(self.exact.keys() & default)

    def freeze(self) -> None:
        """Call once after the last `add`."""
        with paused_gc():  # tens of thousands of tuples, none of them garbage
            self.exact = dict(zip(self._exact_lists, map(tuple, self._exact_lists.values()), strict=True))
            self.terms = dict(zip(self._term_lists, map(tuple, self._term_lists.values()), strict=True))
        self._exact_lists, self._term_lists = {}, {}
        self._prefix_patterns = prefix_patterns(self.prefixes)
        self._exact_patterns = prefix_patterns(self.exact_prefixes)
        if sum(map(len, self.exact.values())) >= _BITMAP_IDS:
            self._bitmaps = dict(zip(self.exact, map(FrozenBitMap, self.exact.values()), strict=True))
            self._prefix_bitmaps = {p: FrozenBitMap(ids) for p, ids in self.exact_prefixes.items()}

    def candidates(self, vocab: AbstractSet[str], host: str | Callable[[], str] = "", sort: bool = True,
                   spaced: Callable[[], str] | None = None,
                   tokens: Callable[[], Iterable[str]] | None = None,
                   found: AbstractSet[str] | None = None) -> list[int]:
        """Ids of the rules whose anchors occur in `vocab` / `host` (sorted unless `sort=False`).

        `host` may be a callable, called only if some rule has `site:`. Prefix anchors are
        the prefixes in `found` (known to start a token; a superset of them), else looked
        for in `spaced()` (`Doc.spaced`) if given, or in `tokens()` (every token, when
        `vocab` holds only the words rules ask about), else in `vocab`.
        """
        terms = self.terms
        # dict_keys & set iterates the smaller of the two; the ids are gathered in C.
        ids = set(chain.from_iterable(map(terms.__getitem__, terms.keys() & vocab)))
        if self.prefixes:
            prefixes = self.prefixes
            if found is not None:
                hits: Iterable[str] = prefixes.keys() & found
            else:
                every = tokens if tokens is not None else vocab
                hits = prefix_hits(prefixes, self._prefix_patterns, every, spaced() if spaced else None)
            for key in hits:
                ids.update(prefixes[key])
        if self.sites and (host := host if isinstance(host, str) else host()):
            parts = host.split(".")
            for i in range(len(parts)):
                site_ids = self.sites.get(".".join(parts[i:]))
                if site_ids:
                    ids.update(site_ids)
        return sorted(ids) if sort else list(ids)
