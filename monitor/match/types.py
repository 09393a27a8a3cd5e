"""What a match says about itself: the evidence alerts quote and `--explain` prints."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol

from monitor.gcpause import paused_gc


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of text (or a point) that satisfied part of a rule.

    `start`/`end` are character offsets into the article field named by
    `field` (as `Article.field_text(field)` returns it).
    """

    kind: str  # "term" | "phrase" | "prefix" | "near" | "site" | "place" | "point"
    field: str
    start: int
    end: int
    text: str
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        if self.detail:
            out["detail"] = self.detail
        return out


class EvidenceSource(Protocol):
    """Builds the evidence of rule `index` on one article, on first request."""

    def evidence(self, index: int) -> tuple[Evidence, ...]: ...


class Match(tuple[Any, ...]):
    """One rule that matched, and its evidence.

    `Match(rule, evidence)` as before. The matcher instead makes matches whose
    evidence is built only when `.evidence` is first read (`Match.lazy`): an
    article can match hundreds of rules, and most of that evidence is never
    quoted. A tuple underneath, so the matcher makes them in C
    (`tuple.__new__`); equality, hashing and pickling go by (rule, evidence).
    """

    __slots__ = ()

    def __new__(cls, rule: str, evidence: Iterable[Evidence] = ()) -> Match:
        return tuple.__new__(cls, (rule, tuple(evidence), None))

    @classmethod
    def lazy(cls, rules: Iterable[tuple[str, int, EvidenceSource]]) -> list[Match]:
        """Matches from (rule, rule index, source): evidence = source.evidence(index)."""
        # Thousands of matches per article (100,000 rules) would otherwise set off
        # several young-generation collections, each walking the matches made so
        # far; paused, the list is looked at once, by the next collection.
        with paused_gc():
            return list(map(tuple.__new__, repeat(cls), rules))

    if TYPE_CHECKING:
        @property
        def rule(self) -> str: ...
    else:
        # Read for every match (routing, logging, the store): a getter in C.
        rule = property(itemgetter(0), doc="The rule's name.")

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        source: EvidenceSource | None = self[2]
        found: tuple[Evidence, ...] = self[1] if source is None else source.evidence(self[1])
        return found

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return self.rule == other.rule and self.evidence == other.evidence

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((self.rule, self.evidence))

    def __repr__(self) -> str:
        return f"Match(rule={self.rule!r}, evidence={self.evidence!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Match, (self.rule, self.evidence))

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "evidence": [e.as_dict() for e in self.evidence]}
