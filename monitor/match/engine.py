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

from collections.abc import Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

from monitor.article import Article
from monitor.match.evaluate import Check, Collect, Doc, compile_evidence, compile_node, explain
from monitor.match.index import TermIndex, anchors
from monitor.match.query import (
    DEFAULT_FIELDS,
    FIELDS,
    Node,
    Prefix,
    leaf_fields,
    parse_query,
    plain_words,
)
from monitor.match.types import Evidence, Match
from monitor.settings.locations import PlaceConfig
from monitor.settings.rules import RuleConfig

RawMatch = tuple[int, tuple[Evidence, ...]]  # (rule index, evidence)


class _Locations(Protocol):
    def match(self, article: Article) -> dict[str, tuple[Evidence, ...]]: ...


class LocationsUnavailable(RuntimeError):
    """Rules use `locations` but the location matcher is not available."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


class Matcher:
    def __init__(self, names: Sequence[str], roots: Sequence[Node | None], located: Sequence[bool],
                 index: TermIndex, fields: tuple[str, ...], locations: _Locations | None = None):
        self.names = list(names)
        self._roots = list(roots)
        self._located = list(located)
        self._index = index
        self._fields = fields
        self._locations = locations
        self._checks: list[Check | None] = [None] * len(names)
        self._collects: list[Collect | None] = [None] * len(names)
        self._by_name = {n: i for i, n in enumerate(self.names)}

    @classmethod
    def compile(
        cls,
        rules: Sequence[RuleConfig],
        places: Sequence[PlaceConfig] = (),
        cache_dir: Path | None = None,
        homes: Mapping[str, str] | None = None,
    ) -> Matcher:
        """`homes` maps a source (folder or feed name) to its configured `home` place."""
        index = TermIndex()
        roots: list[Node | None] = []
        used: set[str] = set()
        for i, rule in enumerate(rules):
            root = parse_query(rule.query).root if rule.query else None  # cached since validation
            roots.append(root)
            if root is None:
                continue
            words = plain_words(root)
            if words is not None:
                index.add_exact(i, words)
                used.update(DEFAULT_FIELDS)
                continue
            if isinstance(root, Prefix) and root.fields == DEFAULT_FIELDS:
                index.add_exact_prefix(i, root.prefix)
                used.update(DEFAULT_FIELDS)
                continue
            found = anchors(root)
            if found is None:  # parse_query rejects these; keep the index honest anyway
                raise ValueError(f'rule "{rule.name}": query has no positive term')
            index.add(i, found[1])
            used.update(leaf_fields(root))
        index.freeze()
        fields = tuple(f for f in FIELDS if f in used)
        located = [r.locations is not None for r in rules]
        locations = None
        if any(located):
            locations = _compile_locations(rules, places, cache_dir, homes)
        return cls([r.name for r in rules], roots, located, index, fields, locations)

    def __len__(self) -> int:
        return len(self.names)

    def notes(self) -> list[str]:
        queries = sum(1 for r in self._roots if r is not None)
        out = [f"keyword index: {queries} queries, {len(self._index.exact)} + {len(self._index.terms)} "
               f"terms, {len(self._index.prefixes)} prefixes, {len(self._index.sites)} sites"]
        # Location notes: ambiguous place names and the sense each rule uses.
        return out + list(getattr(self._locations, "notes", list)())

    def doc(self, article: Article) -> Doc:
        return Doc(article, self._fields)

    def _compiled(self, i: int) -> tuple[Check, Collect]:
        root = self._roots[i]
        assert root is not None
        check, collect = self._checks[i], self._collects[i]
        if check is None or collect is None:
            check = self._checks[i] = compile_node(root)
            collect = self._collects[i] = compile_evidence(root)
        return check, collect

    def matching_ids(self, article: Article) -> list[int]:
        """Indexes of the matching rules, in rule order: membership only, no evidence.

        For back-testing many rules (`newsmon match` without `--evidence`):
        the same decisions as `raw_matches`, without the offsets.
        """
        doc = Doc(article, self._fields)
        index = self._index
        # Exact rules: present <=> match, so their ids go straight in (in C, no Python loop).
        found = set(chain.from_iterable(map(index.exact.__getitem__, index.exact.keys() & doc.default)))
        exact_prefixes = index.exact_prefixes
        for prefix in index.exact_prefix_hits(doc.default, sort=False):
            found.update(exact_prefixes[prefix])
        checks = self._checks
        for i in index.candidates(doc.vocab, doc.host, sort=False):
            check = checks[i]
            if check is None:
                check = self._compiled(i)[0]
            if check(doc):
                found.add(i)
        if self._locations is not None:
            located = self._locations.match(article)
            by_name, is_located, roots = self._by_name, self._located, self._roots
            found = {i for i in found if not is_located[i] or self.names[i] in located}
            for name in located:
                i = by_name.get(name, -1)
                if i >= 0 and is_located[i] and roots[i] is None:
                    found.add(i)
        return sorted(found)

    def raw_matches(self, article: Article, evidence: bool = True) -> list[RawMatch]:
        """(rule index, evidence) per matching rule, in rule order (no Match objects).

        `evidence=False`: the same rules, each with empty evidence (cheaper).
        """
        if not evidence:
            return [(i, ()) for i in self.matching_ids(article)]
        doc = Doc(article, self._fields)
        index = self._index
        found: dict[int, tuple[Evidence, ...]] = {}
        word_evidence = doc.word_evidence
        exact = index.exact
        get = found.get
        for word in index.exact_words(doc.default):
            term_ev = word_evidence(word)
            for i in exact[word]:
                earlier = get(i)
                found[i] = term_ev if earlier is None else earlier + term_ev
        exact_prefixes = index.exact_prefixes
        prefix_evidence = doc.prefix_evidence
        for prefix in index.exact_prefix_hits(doc.default):
            term_ev = prefix_evidence(prefix)
            for i in exact_prefixes[prefix]:
                found[i] = term_ev
        checks, collects = self._checks, self._collects
        for i in index.candidates(doc.vocab, doc.host):
            check, collect = checks[i], collects[i]
            if check is None or collect is None:
                check, collect = self._compiled(i)
            if check(doc):
                out: list[Evidence] = []
                collect(doc, out)
                found[i] = tuple(out)
        if self._locations is not None:
            located = self._locations.match(article)
            for i in [i for i in found if self._located[i] and self.names[i] not in located]:
                del found[i]
            for name, place_ev in located.items():
                i = self._by_name.get(name, -1)
                if i < 0 or not self._located[i]:
                    continue
                if self._roots[i] is None:
                    found[i] = tuple(place_ev)
                elif i in found:
                    found[i] = found[i] + tuple(place_ev)
        return [(i, found[i]) for i in sorted(found)]

    def match(self, article: Article, evidence: bool = True) -> list[Match]:
        """The matches in rule order; `evidence=False` leaves each match's evidence empty."""
        names = self.names
        return [Match(names[i], found) for i, found in self.raw_matches(article, evidence)]

    def explain(self, article: Article) -> list[dict[str, Any]]:
        """Per rule, in rule order: matched or not, and why (for `--explain`)."""
        doc = Doc(article, self._fields)
        candidates = set(self._index.candidates(doc.vocab, doc.host))
        exact = self._index.exact
        candidates.update(i for w in self._index.exact_words(doc.default) for i in exact[w])
        prefixes = self._index.exact_prefixes
        candidates.update(i for p in self._index.exact_prefix_hits(doc.default) for i in prefixes[p])
        located = self._locations.match(article) if self._locations is not None else {}
        matched = dict(self.raw_matches(article))
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
            if i in matched:
                entry["evidence"] = [e.as_dict() for e in matched[i]]
            out.append(entry)
        return out


def _compile_locations(rules: Sequence[RuleConfig], places: Sequence[PlaceConfig],
                       cache_dir: Path | None, homes: Mapping[str, str] | None) -> _Locations:
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
