"""All rules compiled once into a `Matcher`; `match(article)` returns `Match`es.

PLACEHOLDER (skeleton): evaluates the placeholder query per rule. The
keyword issue replaces the internals with a term index; the location issue
adds location clauses. The interface stays:

    matcher = Matcher.compile(config.rules, places=config.places, cache_dir=state_dir)
    matches = matcher.match(article)   # list[Match], in rule order
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from monitor.article import Article
from monitor.match.query import parse_query
from monitor.match.types import Evidence, Match
from monitor.settings.locations import PlaceConfig
from monitor.settings.rules import RuleConfig
from monitor.text import strip_teasers, tokenize

DEFAULT_FIELDS = ("title", "summary", "body")


class Matcher:
    def __init__(self, rules: Sequence[tuple[str, tuple[tuple[str, ...], ...]]]):
        self._rules = list(rules)

    @classmethod
    def compile(
        cls,
        rules: Sequence[RuleConfig],
        places: Sequence[PlaceConfig] = (),
        cache_dir: Path | None = None,
    ) -> Matcher:
        return cls([(r.name, parse_query(r.query).alternatives) for r in rules if r.query])

    def __len__(self) -> int:
        return len(self._rules)

    def match(self, article: Article) -> list[Match]:
        fields = {}
        for name in DEFAULT_FIELDS:
            text = article.field_text(name)
            fields[name] = tokenize(strip_teasers(text) if name == "body" else text)
        out = []
        for rule, alternatives in self._rules:
            evidence = []
            for phrase in alternatives:
                for name, toks in fields.items():
                    words = [t.text for t in toks]
                    for i in range(len(words) - len(phrase) + 1):
                        if tuple(words[i : i + len(phrase)]) == phrase:
                            start, end = toks[i].start, toks[i + len(phrase) - 1].end
                            text = article.field_text(name)[start:end]
                            evidence.append(Evidence("phrase", name, start, end, text))
            if evidence:
                out.append(Match(rule, tuple(evidence)))
        return out
