"""What a match says about itself: the evidence alerts quote and `--explain` prints."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


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


@dataclass(frozen=True, slots=True)
class Match:
    rule: str
    evidence: tuple[Evidence, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "evidence": [e.as_dict() for e in self.evidence]}
