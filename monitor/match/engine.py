"""All rules compiled once into a `Matcher`; `match(article)` returns `Match`es.

    matcher = Matcher.compile(config.rules, places=config.places, cache_dir=state_dir)
    matches = matcher.match(article)   # list[Match], in rule order, with evidence
    ids = matcher.matching_ids(article)  # rule indexes only: no evidence (back-testing)

Keyword queries: every rule goes into one `TermIndex`. Rules that are a word
or an OR of words are decided by the index alone; every other rule is keyed
by anchor terms and only its tree is evaluated when an anchor is present.
Per article: tokenise the used fields once (`Doc`), look the article's token
set up in the index, evaluate the candidates' compiled trees (compiled on
first use), and collect evidence only for the rules that matched. Evidence
objects are built once per article and term, and shared between rules.

Location clauses come from `monitor.match.places.LocationMatcher`, imported
only when some rule has `locations`. A rule matches when (no query or the
query matches) and (no locations or the location clause holds); its
evidence is the union.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from itertools import chain, repeat
from pathlib import Path
from typing import Any, Protocol

from monitor.article import Article
from monitor.gcpause import paused_gc
from monitor.match.doc import Doc
from monitor.match.evaluate import Check, Collect, compile_evidence, compile_node, explain
from monitor.match.finder import MAX_KEYS, WordFinder
from monitor.match.index import TermIndex, anchors, merge_ids
from monitor.match.query import parse_query
from monitor.match.tree import DEFAULT_FIELDS, FIELDS, Node, Prefix, leaf_fields, plain_words, tree_words
from monitor.match.types import Evidence, Match
from monitor.settings.locations import PlaceConfig
from monitor.settings.rules import RuleConfig

RawMatch = tuple[int, tuple[Evidence, ...]]  # (rule index, evidence)
# After this many matches' evidence is read one by one, build the rest in a batch.
_BATCH_AFTER = 16


class _Tokens(Protocol):
    text: list[str]  # `monitor.text.words` of the text


class _Locations(Protocol):
    def field_tokens(self, article: Article) -> Mapping[str, tuple[str, _Tokens]]: ...

    def match(self, article: Article, tokens: Any = None) -> dict[str, tuple[Evidence, ...]]: ...

    def explain(self, article: Article) -> dict[str, list[dict[str, Any]]]: ...


# Up to this many words asked about by the rules, an article keeps only its tokens
# that are among them (see `Doc`); beyond, all its tokens. A large word set is cache
# misses on every lookup, and most of the article's distinct tokens are in it anyway
# (measured on the BBC corpus, rules alternated in one process: 1,000 rules ask about
# ~3,600 words, even; 3,000 rules ~7,000 words, 3% faster with all tokens; 10,000
# rules 4-6%; 100,000 rules 5%).
_ASKED_WORDS = 5_000


class LocationsUnavailable(RuntimeError):
    """Rules use `locations` but the location matcher is not available."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


class Matcher:
    def __init__(self, names: Sequence[str], roots: Sequence[Node | None], located: Sequence[bool],
                 index: TermIndex, fields: tuple[str, ...], locations: _Locations | None = None,
                 exact_words: Sequence[tuple[str, ...] | None] | None = None,
                 asked: frozenset[str] | None = None):
        """`asked`: every word of every rule (see `Doc`); None: all tokens are kept."""
        self.names = list(names)
        self._roots = list(roots)
        self._located = list(located)
        self._index = index
        self._fields = fields
        self._asked = asked
        self._locations = locations
        self._checks: list[Check | None] = [None] * len(names)
        self._collects: list[Collect | None] = [None] * len(names)
        self._by_name = {n: i for i, n in enumerate(self.names)}
        # Rules decided by the index alone: their words (sorted: the order their
        # evidence comes in, whether built per rule or all at once), for their evidence.
        self._exact_words = list(exact_words) if exact_words is not None else [
            (tuple(sorted(set(w))) if r is not None and (w := plain_words(r)) is not None else None)
            for r in roots]
        # A few thousand asked words and prefixes: an article's are found in one pass
        # (see `monitor.match.finder`), its token lists split only when read.
        prefixes = index.exact_prefixes.keys() | index.prefixes.keys()
        self._finder = (WordFinder(asked, prefixes)
                        if asked is not None and len(asked) + len(prefixes) <= MAX_KEYS else None)

    @classmethod
    def compile(
        cls,
        rules: Sequence[RuleConfig],
        places: Sequence[PlaceConfig] = (),
        cache_dir: Path | None = None,
        homes: Mapping[str, str | Sequence[str]] | None = None,
    ) -> Matcher:
        """`homes` maps a source (folder or feed name) to its configured `home` place."""
        # Compiling allocates a few objects per rule and frees none: the collector's
        # passes over them (several full ones at 100,000 rules) would be wasted.
        with paused_gc():
            matcher = cls._compile(rules, places, cache_dir, homes)
        # The compiled rules live as long as the daemon: move them out of the
        # collector's sight, so each collection of a busy article stream does not
        # walk every rule's closures and lists again.
        gc.freeze()
        return matcher

    @classmethod
    def _compile(cls, rules: Sequence[RuleConfig], places: Sequence[PlaceConfig], cache_dir: Path | None,
                 homes: Mapping[str, str | Sequence[str]] | None) -> Matcher:
        index = TermIndex()
        roots: list[Node | None] = []
        exact_words: list[tuple[str, ...] | None] = []
        used: set[str] = set()
        default_used = False
        asked: set[str] = set()  # every word some rule looks up in an article (see `Doc`)
        # The rule ids, allocated side by side: every article's matching reads (hashes,
        # sorts) hundreds of them, and scattered through the heap each read is a cache miss.
        rule_ids = list(range(len(rules)))
        for i, rule in zip(rule_ids, rules, strict=True):
            if not rule.query:
                roots.append(None)
                exact_words.append(None)
                continue
            query = parse_query(rule.query)  # cached since validation
            root = query.root
            roots.append(root)
            words = query.words
            exact_words.append(words)
            if words is not None:
                index.add_exact(i, words)
                default_used = True
                continue
            if isinstance(root, Prefix) and root.fields == DEFAULT_FIELDS:
                index.add_exact_prefix(i, root.prefix)
                default_used = True
                continue
            found = anchors(root)
            if found is None:  # parse_query rejects these; keep the index honest anyway
                raise ValueError(f'rule "{rule.name}": query has no positive term')
            index.add(i, found[1])
            if len(asked) <= _ASKED_WORDS:  # (past it, the set is not used: see `Doc`)
                asked.update(tree_words(root))
            if query.default_fields:
                default_used = True
            elif len(used) < len(FIELDS):  # (once all are used, no need to look)
                used.update(leaf_fields(root))
        if default_used:
            used.update(DEFAULT_FIELDS)
        index.freeze()
        fields = tuple(f for f in FIELDS if f in used)
        located = [r.locations is not None for r in rules]
        locations = None
        if any(located):
            locations = _compile_locations(rules, places, cache_dir, homes)
        if len(asked) <= _ASKED_WORDS:
            asked.update(index.exact)
        return cls([r.name for r in rules], roots, located, index, fields, locations, exact_words,
                   frozenset(asked) if len(asked) <= _ASKED_WORDS else None)

    def __len__(self) -> int:
        return len(self.names)

    def notes(self) -> list[str]:
        queries = sum(1 for r in self._roots if r is not None)
        out = [f"keyword index: {queries} queries, {len(self._index.exact)} + {len(self._index.terms)} "
               f"terms, {len(self._index.prefixes)} prefixes, {len(self._index.sites)} sites"]
        # Location notes: ambiguous place names and the sense each rule uses.
        return out + list(getattr(self._locations, "notes", list)())

    def doc(self, article: Article, tokenised: Mapping[str, tuple[str, list[str]]] | None = None) -> Doc:
        """The article tokenised for these rules (`tokenised`: as `Doc`)."""
        return Doc(article, self._fields, tokenised, self._asked, self._finder)

    # Each candidate rule's tree is compiled on first use: its check when it is first
    # a candidate, its evidence collector when it first matches and its evidence is read.
    def _check(self, i: int) -> Check:
        check = self._checks[i]
        if check is None:
            root = self._roots[i]
            assert root is not None
            check = self._checks[i] = compile_node(root)
        return check

    def _collect(self, i: int) -> Collect:
        collect = self._collects[i]
        if collect is None:
            root = self._roots[i]
            assert root is not None
            collect = self._collects[i] = compile_evidence(root)
        return collect

    def matching_ids(self, article: Article) -> list[int]:
        """Indexes of the matching rules, in rule order: membership only, no evidence.

        For back-testing many rules (`newsmon match` without `--evidence`):
        the same decisions as `match`, without the offsets.
        """
        return self._decide(article)[1]

    def _decide(self, article: Article) -> tuple[Doc, list[int], dict[str, tuple[Evidence, ...]]]:
        """The article's `Doc`, the matching rule ids (sorted) and the location matches."""
        shared = None
        if self._locations is not None:
            # Each field is tokenised once for both kinds of rules.
            shared = self._locations.field_tokens(article)
            doc = self.doc(article, {f: (text, tk.text) for f, (text, tk) in shared.items()})
        else:
            doc = self.doc(article)
        index = self._index
        hits = doc.prefix_hits  # (in the default fields, in all used fields), if found already
        found, bitmaps = index.exact_matches(
            doc.default, doc.every_default_token,
            doc.spaced(True) if index.exact_prefixes and hits is None else None,
            hits[0] if hits is not None else None)
        checks = self._checks
        for i in index.candidates(doc.vocab, doc.host_name, sort=False, spaced=doc.all_spaced,
                                  tokens=doc.every_used_token, found=hits[1] if hits is not None else None):
            check = checks[i]
            if check is None:
                check = self._check(i)
            if check(doc):
                found.add(i)
        ids = merge_ids(found, bitmaps)
        located: dict[str, tuple[Evidence, ...]] = {}
        if self._locations is not None:
            located = self._locations.match(article, shared)
            by_name, is_located, roots = self._by_name, self._located, self._roots
            ids = [i for i in ids if not is_located[i] or self.names[i] in located]
            place_only = [i for i in map(by_name.get, located, repeat(-1))
                          if i >= 0 and is_located[i] and roots[i] is None]
            if place_only:
                ids = sorted(set(ids).union(place_only))
        return doc, ids, located

    def raw_matches(self, article: Article, evidence: bool = True) -> list[RawMatch]:
        """(rule index, evidence) per matching rule, in rule order (no Match objects).

        `evidence=False`: the same rules, each with empty evidence (cheaper).
        """
        doc, ids, located = self._decide(article)
        if not evidence:
            return [(i, ()) for i in ids]
        source = _ArticleEvidence(self, doc, located)
        done = source.fill_exact(self._index)  # every exact rule's evidence at once, by present word
        return [(i, done[i]) if i in done else (i, source.evidence(i)) for i in ids]

    def match(self, article: Article, evidence: bool = True) -> list[Match]:
        """The matches in rule order.

        Each match's evidence is built when first read (then kept), so the cost
        follows what is quoted, not what matched; `evidence=False` leaves it empty.
        """
        doc, ids, located = self._decide(article)
        names = self.names
        if not evidence:
            return [Match(names[i]) for i in ids]
        source = _ArticleEvidence(self, doc, located)
        return Match.lazy(zip(map(names.__getitem__, ids), ids, repeat(source)))

    def evidence_of(self, doc: Doc, i: int,
                    located: Mapping[str, tuple[Evidence, ...]]) -> tuple[Evidence, ...]:
        """Evidence of rule `i`, which matched the article of `doc`."""
        root = self._roots[i]
        place_ev = located.get(self.names[i], ()) if self._located[i] else ()
        if root is None:
            return tuple(place_ev)
        words = self._exact_words[i]
        if words is not None:
            if len(words) == 1:
                found = doc.word_evidence(words[0])  # shared between rules: one tuple
            else:
                default = doc.default
                found = tuple(chain.from_iterable(map(doc.word_evidence, [w for w in words if w in default])))
        elif isinstance(root, Prefix) and root.fields == DEFAULT_FIELDS:
            found = doc.prefix_evidence(root.prefix)
        else:
            out: list[Evidence] = []
            self._collect(i)(doc, out)
            found = tuple(out)
        return found + tuple(place_ev) if place_ev else found

    def explain(self, article: Article) -> list[dict[str, Any]]:
        """Per rule, in rule order: matched or not, and why (for `--explain`)."""
        doc = Doc(article, self._fields)
        candidates = set(self._index.candidates(doc.vocab, doc.host))
        exact = self._index.exact
        candidates.update(i for w in self._index.exact_words(doc.default) for i in exact[w])
        prefixes = self._index.exact_prefixes
        candidates.update(i for p in self._index.exact_prefix_hits(doc.default) for i in prefixes[p])
        matched = dict(self.raw_matches(article))
        located = self._locations.match(article) if self._locations is not None else {}
        # Where the article is, for every rule with `locations`: the places found and
        # the names left unplaced, each with its reason.
        where = self._locations.explain(article) if self._locations is not None else {}
        out: list[dict[str, Any]] = []
        for i, name in enumerate(self.names):
            root = self._roots[i]
            entry: dict[str, Any] = {"rule": name, "matched": i in matched}
            if root is not None:
                detail = explain(root, doc)
                entry.update(present=detail["present"], absent=detail["absent"])
                if not detail["matched"]:
                    entry["reason"] = detail["reason"]
                entry["candidate"] = i in candidates
            if self._located[i]:
                entry["locations"] = name in located
                if name not in located and "reason" not in entry:
                    entry["reason"] = "the location clause does not hold"
                entry.update(where)
            if i in matched:
                entry["evidence"] = [e.as_dict() for e in matched[i]]
            out.append(entry)
        return out


class _ArticleEvidence:
    """The evidence of one article's matches, each built on first request."""

    __slots__ = ("_asked", "_cache", "_doc", "_located", "_matcher")

    def __init__(self, matcher: Matcher, doc: Doc, located: Mapping[str, tuple[Evidence, ...]]):
        self._matcher, self._doc, self._located = matcher, doc, located
        self._cache: dict[int, tuple[Evidence, ...]] = {}
        self._asked = 0  # evidence built one rule at a time so far

    def fill_exact(self, index: TermIndex) -> dict[int, tuple[Evidence, ...]]:
        """Build the evidence of every matching exact rule in one pass over the
        present words (rather than each rule testing each of its words): the
        cheaper way when all evidence is wanted (`newsmon match --evidence`)."""
        doc, matcher, cache = self._doc, self._matcher, self._cache
        words: dict[int, tuple[Evidence, ...]] = {}
        get = words.get
        word_evidence, exact = doc.word_evidence, index.exact
        for word in index.exact_words(doc.default):  # sorted, like `_exact_words`
            term_ev = word_evidence(word)
            for i in exact[word]:
                earlier = get(i)
                words[i] = term_ev if earlier is None else earlier + term_ev
        located, names, is_located = self._located, matcher.names, matcher._located
        for i, found in words.items():
            place_ev = located.get(names[i]) if is_located[i] else None
            if place_ev is not None:
                cache[i] = found + tuple(place_ev)
            elif not is_located[i]:
                cache[i] = found
            # a located rule without its place: not a match; nothing to keep
        return cache

    def evidence(self, index: int) -> tuple[Evidence, ...]:
        found = self._cache.get(index)
        if found is None:
            self._asked += 1
            if self._asked == _BATCH_AFTER:
                # Reading many matches (a digest, every rule routed): the rest of
                # the exact rules are cheaper all at once, by present word.
                self.fill_exact(self._matcher._index)
                found = self._cache.get(index)
                if found is not None:
                    return found
            found = self._cache[index] = self._matcher.evidence_of(self._doc, index, self._located)
        return found


def _compile_locations(rules: Sequence[RuleConfig], places: Sequence[PlaceConfig],
                       cache_dir: Path | None, homes: Mapping[str, str | Sequence[str]] | None) -> _Locations:
    try:
        from monitor.match.places import LocationMatcher  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        first = next(i for i, r in enumerate(rules) if r.locations is not None)
        raise LocationsUnavailable(
            f"rules[{first}].locations",
            f'rule "{rules[first].name}" uses locations, but location matching is not available '
            f"in this build ({exc})",
        ) from None
    # All rules: it skips those without locations, and its error paths index this list.
    matcher: _Locations = LocationMatcher.compile(rules, places, cache_dir, homes)
    return matcher
