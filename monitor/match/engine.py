"""All rules compiled once into a `Matcher`; `match(article)` returns `Match`es.

    matcher = Matcher.compile(config.rules, places=config.places, cache_dir=state_dir)
    matches = matcher.match(article)   # list[Match], in rule order

Keyword queries: every rule's tree goes into one `TermIndex` (anchor terms ->
rules). Per article: tokenise the fields once (`Doc`), look the article's
token set up in the index, evaluate only those candidates' compiled trees,
and collect evidence only for the rules that matched.

Location clauses come from `monitor.match.places.LocationMatcher`, imported
only when some rule has `locations`. A rule matches when (no query or the
query matches) and (no locations or the location clause holds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from monitor.article import Article
from monitor.match.evaluate import Check, Doc, compile_node, evidence, explain
from monitor.match.index import TermIndex, anchors
from monitor.match.query import FIELDS, Node, leaf_fields, parse_query
from monitor.match.types import Evidence, Match
from monitor.settings.locations import PlaceConfig
from monitor.settings.rules import RuleConfig


class _Locations(Protocol):
    def match(self, article: Article) -> dict[str, tuple[Evidence, ...]]: ...


class LocationsUnavailable(RuntimeError):
    """Rules use `locations` but the location matcher is not installed/built yet."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    root: Node | None  # None: location-only rule
    check: Check | None
    has_locations: bool


class Matcher:
    def __init__(self, rules: Sequence[_Rule], index: TermIndex, fields: tuple[str, ...],
                 locations: _Locations | None = None):
        self._rules = list(rules)
        self._index = index
        self._fields = fields
        self._locations = locations
        self._by_name = {r.name: i for i, r in enumerate(self._rules)}
        self._location_only = [i for i, r in enumerate(self._rules) if r.root is None]

    @classmethod
    def compile(
        cls,
        rules: Sequence[RuleConfig],
        places: Sequence[PlaceConfig] = (),
        cache_dir: Path | None = None,
    ) -> Matcher:
        index = TermIndex()
        compiled: list[_Rule] = []
        used: set[str] = set()
        for i, rule in enumerate(rules):
            root = parse_query(rule.query).root if rule.query else None  # cached since validation
            check = None
            if root is not None:
                found = anchors(root)
                if found is None:  # parse_query rejects these; keep the index honest anyway
                    raise ValueError(f'rule "{rule.name}": query has no positive term')
                index.add(i, found[1])
                check = compile_node(root)
                used.update(leaf_fields(root))
            compiled.append(_Rule(rule.name, root, check, rule.locations is not None))
        index.freeze()
        fields = tuple(f for f in FIELDS if f in used)
        locations = None
        located = [r for r in rules if r.locations is not None]
        if located:
            locations = _compile_locations(rules, located, places, cache_dir)
        return cls(compiled, index, fields, locations)

    def __len__(self) -> int:
        return len(self._rules)

    def notes(self) -> list[str]:
        queries = sum(1 for r in self._rules if r.root is not None)
        return [f"keyword index: {queries} queries, {len(self._index.terms)} terms, "
                f"{len(self._index.prefixes)} prefixes, {len(self._index.sites)} sites"]

    def doc(self, article: Article) -> Doc:
        return Doc(article, self._fields)

    def match(self, article: Article) -> list[Match]:
        doc = Doc(article, self._fields)
        rules = self._rules
        hits = [i for i in self._index.candidates(doc.vocab, doc.host) if rules[i].check(doc)]  # type: ignore[misc]
        located: dict[str, tuple[Evidence, ...]] = {}
        if self._locations is not None:
            located = self._locations.match(article)
            hits = [i for i in hits if not rules[i].has_locations or rules[i].name in located]
            extra = [self._by_name[n] for n in located if n in self._by_name]
            hits = sorted(set(hits).union(i for i in extra if rules[i].root is None))
        out = []
        for i in hits:
            rule = rules[i]
            found: list[Evidence] = []
            if rule.root is not None:
                evidence(rule.root, doc, found)
            if rule.has_locations:
                found.extend(located.get(rule.name, ()))
            out.append(Match(rule.name, tuple(found)))
        return out

    def explain(self, article: Article) -> list[dict[str, Any]]:
        """Per rule, in rule order: matched or not, and why (for `--explain`)."""
        doc = Doc(article, self._fields)
        candidates = set(self._index.candidates(doc.vocab, doc.host))
        located = self._locations.match(article) if self._locations is not None else {}
        matched = {m.rule: m for m in self.match(article)}
        out: list[dict[str, Any]] = []
        for i, rule in enumerate(self._rules):
            entry: dict[str, Any] = {"rule": rule.name, "matched": rule.name in matched}
            if rule.root is not None:
                detail = explain(rule.root, doc)
                entry.update(present=detail["present"], absent=detail["absent"])
                if not detail["matched"]:
                    entry["reason"] = detail["reason"]
                entry["candidate"] = i in candidates
            if rule.has_locations:
                entry["locations"] = rule.name in located
                if rule.name not in located and "reason" not in entry:
                    entry["reason"] = "the location clause does not hold"
            if entry["matched"]:
                entry["evidence"] = [e.as_dict() for e in matched[rule.name].evidence]
            out.append(entry)
        return out


def _compile_locations(rules: Sequence[RuleConfig], located: Sequence[RuleConfig],
                       places: Sequence[PlaceConfig], cache_dir: Path | None) -> _Locations:
    try:
        from monitor.match.places import LocationMatcher  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        first = next(i for i, r in enumerate(rules) if r.locations is not None)
        raise LocationsUnavailable(
            f"rules[{first}].locations",
            f'rule "{rules[first].name}" uses locations, but location matching is not available '
            f"in this build ({exc})",
        ) from None
    matcher: _Locations = LocationMatcher.compile(located, places, cache_dir)
    return matcher

