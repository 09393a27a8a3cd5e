"""PLACEHOLDER (skeleton): `a OR b` of words/phrases; the keyword issue replaces this."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.text import terms


class QueryError(ValueError):
    def __init__(self, column: int, message: str):
        self.column = column
        self.message = message
        super().__init__(f"column {column}: {message}")


@dataclass(frozen=True)
class Query:
    alternatives: tuple[tuple[str, ...], ...]  # OR of phrases (token tuples)


def parse_query(text: str) -> Query:
    if text.count('"') % 2:
        raise QueryError(text.rfind('"') + 1, "unclosed quote")
    alts = tuple(tuple(terms(part.replace('"', " "))) for part in text.split(" OR "))
    if not any(alts):
        raise QueryError(1, "empty query")
    return Query(tuple(a for a in alts if a))
