"""Back-testing a rule over the kept articles: which would it have matched, and why.

The rule is compiled with the real `Matcher` (the daemon's code, so a back-test
never disagrees with what the daemon would have sent). An inverted index over
the kept articles (field -> token -> article numbers), built once and extended as
articles arrive, evaluates the query tree with set algebra: words, prefixes and
sites are decided by the index alone; a phrase or NEAR reads only the articles
holding all its words (narrowed by the other terms of an AND) and checks them with
the matcher's own compiled test, remembering the outcome per term, so typing on or
editing the rest of a rule does not read them again. A rule with `locations` is
then checked by the matcher on the articles its query matches (every article for a
locations-only rule).
"""

from __future__ import annotations

import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.match.doc import Doc, rules_text, url_host
from monitor.match.engine import Matcher
from monitor.match.evaluate import Check, compile_node
from monitor.match.query import parse_query
from monitor.match.tree import FIELDS, And, Near, Node, Not, Or, Phrase, Prefix, Site, Word
from monitor.match.types import Evidence
from monitor.settings.rules import RuleConfig
from monitor.store.articles import ArticleReader, StoredArticle
from monitor.text import words

_EVAL_BATCH = 500


@dataclass(frozen=True)
class Hit:
    stored: StoredArticle
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Outcome:
    matched: tuple[int, ...]  # article numbers (seq), newest first
    candidates: int  # articles read and evaluated (the index decided the others)
    total: int  # articles kept
    millis: float
    hits: tuple[Hit, ...] = ()  # the newest matches, with evidence
    removed: tuple[StoredArticle, ...] = ()  # matched by the saved rule, not by this one
    added: int = 0
    dropped: int = 0
    compared: bool = False  # whether a saved rule was compared


Seqs = set[int]


class ArticleIndex:
    """field -> token -> article numbers, and host -> article numbers (thread-safe).

    Tokens are exactly the matcher's (`monitor.text.words`, teaser lines cut
    from the body), so a word, prefix or site term is decided by the index alone;
    only phrases, NEAR and location clauses need the article itself.
    """

    def __init__(self, reader: ArticleReader):
        self.reader = reader
        self._terms: dict[str, dict[str, array[int]]] = {name: {} for name in FIELDS}
        self._hosts: dict[str, array[int]] = {}
        self._all: array[int] = array("I")
        self._last = 0
        self._sorted: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self.ready = False  # the first full build is done (it can take a while: warm it up early)
        self._warming = threading.Lock()
        # Phrase / NEAR term -> (articles checked, articles where it holds, its compiled test).
        self._leaves: dict[Node, tuple[Seqs, Seqs, Check]] = {}
        self._warm_started = False

    def refresh(self) -> int:
        """Index articles kept since the last call, forget pruned ones; returns how many were added."""
        with self._lock:
            added = 0
            for stored in self.reader.after(self._last):
                self.add(stored)
                added += 1
            self.ready = True
            oldest = self.oldest()
            gone = bisect_left(self._all, oldest)
            if gone and gone * 10 >= len(self._all):  # a tenth pruned: drop them (not at every call)
                self._forget(oldest)
            return added

    def oldest(self) -> int:
        """The smallest article number still kept (above every indexed one when none is)."""
        return self.reader.oldest_seq() or self._last + 1

    def _forget(self, oldest: int) -> None:
        """Drop the article numbers below `oldest` (pruned); postings are in ascending order."""
        for table in (*self._terms.values(), self._hosts):
            for key in list(table):
                postings = table[key]
                cut = bisect_left(postings, oldest)
                if cut == len(postings):
                    del table[key]
                elif cut:
                    del postings[:cut]
        del self._all[:bisect_left(self._all, oldest)]
        self._sorted.clear()
        self._leaves.clear()

    def warm(self) -> None:
        """Build the index in the background, once (the first back-test need not wait)."""
        with self._warming:
            if self.ready or self._warm_started:
                return
            self._warm_started = True
        threading.Thread(target=self.refresh, name="backtest-index", daemon=True).start()

    @property
    def building(self) -> bool:
        return not self.ready and self._lock.locked()

    def add(self, stored: StoredArticle) -> None:
        seq, article = stored.seq, stored.article
        for name in FIELDS:
            text = rules_text(article, name)  # as the matcher reads it
            if not text:
                continue
            table = self._terms[name]
            for token in set(words(text)):
                postings = table.get(token)
                if postings is None:
                    postings = table[token] = array("I")
                    self._sorted.pop(name, None)
                postings.append(seq)
        host = url_host(article.url)
        if host:
            self._hosts.setdefault(host, array("I")).append(seq)
        self._all.append(seq)
        self._last = max(self._last, seq)

    def __len__(self) -> int:
        return len(self._all)

    def clear_checks(self) -> None:
        """Forget the checked phrase / NEAR terms (so a benchmark measures a cold back-test)."""
        with self._lock:
            self._leaves.clear()

    def universe(self) -> Seqs:
        return set(self._all)  # (under the lock, from `bounds`)

    def evaluate(self, node: Node | None) -> Seqs:
        """The kept articles `node` matches (no node: every article), exactly."""
        with self._lock:  # not while another request's refresh changes the tables
            return self._eval(node, None) if node is not None else self.universe()

    def _eval(self, node: Node, within: Seqs | None) -> Seqs:
        """Exact within `within` (every article when None); the result is a subset of it."""
        if isinstance(node, Word):
            found = self._word(node.word, node.fields)
        elif isinstance(node, Prefix):
            found = self._prefix(node.prefix, node.fields)
        elif isinstance(node, Site):
            found = set()
            for host, seqs in self._hosts.items():
                if host == node.host or host.endswith("." + node.host):
                    found.update(seqs)
        elif isinstance(node, Phrase) and len(node.words) == 1:
            found = self._word(node.words[0], node.fields)
        elif isinstance(node, Phrase | Near):
            return self._positional(node, within)
        elif isinstance(node, Not):
            base = self.universe() if within is None else within
            return base - self._eval(node.item, base)
        elif isinstance(node, And):
            # Index-only items first: they narrow the articles the costly ones must read.
            for item in sorted(node.items, key=_cost):
                within = self._eval(item, within)
                if not within:
                    break
            return within if within is not None else set()
        else:
            assert isinstance(node, Or)
            return set().union(*(self._eval(item, within) for item in node.items))
        return found if within is None else found & within

    def _positional(self, node: Phrase | Near, within: Seqs | None) -> Seqs:
        """A phrase or NEAR: the articles holding all its words, checked by the matcher's own
        compiled test on their text; results are kept per term, so editing the rest of a rule
        (or typing on) does not read the same articles again."""
        if isinstance(node, Phrase):
            candidates = self._all_words(node.words, node.fields)
        else:  # both operands in one of the NEAR's fields
            candidates = set()
            for name in node.fields:
                candidates |= self._operand(node.left, name) & self._operand(node.right, name)
        if within is not None:
            candidates &= within
        cached = self._leaves.get(node)
        if cached is None:
            if len(self._leaves) >= 256:
                self._leaves.clear()
            cached = self._leaves[node] = (set(), set(), compile_node(node))
        checked, held, check = cached
        todo = sorted(candidates - checked)
        for i in range(0, len(todo), _EVAL_BATCH):
            for stored in self.reader.by_seq(todo[i:i + _EVAL_BATCH]):
                if check(Doc(stored.article, node.fields)):
                    held.add(stored.seq)
        checked.update(todo)
        return held & candidates

    def _operand(self, leaf: Word | Prefix | Phrase, name: str) -> Seqs:
        if isinstance(leaf, Word):
            return self._word(leaf.word, (name,))
        if isinstance(leaf, Prefix):
            return self._prefix(leaf.prefix, (name,))
        return self._all_words(leaf.words, (name,))

    def _prefix(self, prefix: str, fields: tuple[str, ...]) -> Seqs:
        found: Seqs = set()
        for name in fields:
            vocab = self._vocab(name)
            table = self._terms[name]
            for i in range(bisect_left(vocab, prefix), len(vocab)):
                if not vocab[i].startswith(prefix):
                    break
                found.update(table[vocab[i]])
        return found

    def _word(self, word: str, fields: tuple[str, ...]) -> Seqs:
        found: Seqs = set()
        for name in fields:
            found.update(self._terms[name].get(word, ()))
        return found

    def _all_words(self, tokens: tuple[str, ...], fields: tuple[str, ...]) -> Seqs:
        """Articles with every token in one of `fields`."""
        found: Seqs = set()
        for name in fields:
            table = self._terms[name]
            lists = sorted((table.get(t, ()) for t in set(tokens)), key=len)
            if lists and lists[0]:
                found.update(set(lists[0]).intersection(*lists[1:]))
        return found

    def _vocab(self, name: str) -> list[str]:
        vocab = self._sorted.get(name)
        if vocab is None:
            vocab = self._sorted[name] = sorted(self._terms[name])
        return vocab


def _cost(node: Node) -> int:
    """Evaluation order inside an AND: index-only terms, then positional ones, then NOTs."""
    if isinstance(node, Not):
        return 2
    if isinstance(node, Phrase | Near):
        return 1
    if isinstance(node, And | Or):
        return max(map(_cost, node.items), default=0) and 1
    return 0


@dataclass(frozen=True)
class Compiled:
    rule: RuleConfig
    matcher: Matcher  # compiled from `rule` alone


def run(index: ArticleIndex, rule: Compiled, saved: Compiled | None = None, show: int = 30) -> Outcome:
    """Back-test one rule over the kept articles; compare with the `saved` rule if given."""
    matcher = rule.matcher
    started = time.perf_counter()
    index.refresh()
    oldest = index.oldest()  # older numbers were pruned since they were indexed
    matched, candidates = _matching(index, rule, oldest)
    ordered = tuple(sorted(matched, reverse=True))
    hits = _evidence(index.reader, matcher, ordered[:show])
    removed: tuple[StoredArticle, ...] = ()
    added = dropped = 0
    if saved is not None:
        before, _ = _matching(index, saved, oldest)
        gone = sorted(before - matched, reverse=True)
        removed = tuple(sorted(index.reader.by_seq(gone[:show]), key=lambda s: -s.seq))
        added, dropped = len(matched - before), len(gone)
    millis = (time.perf_counter() - started) * 1000
    return Outcome(ordered, candidates, len(index), millis, hits, removed, added, dropped, saved is not None)


def _matching(index: ArticleIndex, rule: Compiled, oldest: int) -> tuple[set[int], int]:
    """(matching article numbers, how many candidates were evaluated)."""
    upper = index.evaluate(parse_query(rule.rule.query).root if rule.rule.query else None)
    # The query is decided by the index; a location clause needs the article's places.
    lower = upper if rule.rule.locations is None else set()
    matcher = rule.matcher
    out = {s for s in lower if s >= oldest}
    seqs = sorted(s for s in upper - lower if s >= oldest)
    for i in range(0, len(seqs), _EVAL_BATCH):
        for stored in index.reader.by_seq(seqs[i:i + _EVAL_BATCH]):
            if matcher.matching_ids(stored.article):
                out.add(stored.seq)
    return out, len(seqs)


def _evidence(reader: ArticleReader, matcher: Matcher, seqs: Iterable[int]) -> tuple[Hit, ...]:
    wanted = list(seqs)
    by_seq = {s.seq: s for s in reader.by_seq(wanted)}
    hits = []
    for seq in wanted:
        stored = by_seq.get(seq)
        if stored is None:
            continue  # pruned meanwhile
        found = matcher.raw_matches(stored.article)
        hits.append(Hit(stored, found[0][1] if found else ()))
    return tuple(hits)
