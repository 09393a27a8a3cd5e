"""The syntax tree of a QUERY.md query, and what the matcher reads off it.

Nodes are small frozen dataclasses (`Word`, `Prefix`, `Phrase`, `Near`,
`Site`, `Not`, `And`, `Or`); `Query` is a parsed query with its tree and,
for the shapes the index decides alone, its plain words. `describe` spells a
node back in query syntax; `leaf_fields`, `tree_words`, `plain_words` and
`is_positive` are what compiling and validation ask of a tree.
`monitor.match.query` parses text into these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

FIELDS = ("title", "summary", "body", "author", "tags", "source", "url")
DEFAULT_FIELDS = ("title", "summary", "body")


# --- syntax tree -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    """One token in any of `fields`."""

    word: str
    fields: tuple[str, ...] = DEFAULT_FIELDS


@dataclass(frozen=True, slots=True)
class Prefix:
    """Some token starting with `prefix` (`offens*`)."""

    prefix: str
    fields: tuple[str, ...] = DEFAULT_FIELDS


@dataclass(frozen=True, slots=True)
class Phrase:
    """Consecutive tokens in one field (a quoted phrase or `counter-offensive`)."""

    words: tuple[str, ...]
    fields: tuple[str, ...] = DEFAULT_FIELDS


Leaf: TypeAlias = Word | Prefix | Phrase


@dataclass(frozen=True, slots=True)
class Near:
    """Both operands in one field, start positions at most `distance` apart."""

    left: Leaf
    right: Leaf
    distance: int
    fields: tuple[str, ...]  # the fields both operands may use


@dataclass(frozen=True, slots=True)
class Site:
    """The article URL's host is `host` or a subdomain of it."""

    host: str


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


Node: TypeAlias = Word | Prefix | Phrase | Near | Site | Not | And | Or
# Tuples, built once: `isinstance(node, Word | Prefix | Phrase)` builds a union on
# every call (~100 ns more; compiling 100,000 rules makes hundreds of thousands).
LEAVES = (Word, Prefix, Phrase)
_TERMS = (Word, Prefix, Phrase, Near)
BRANCHES = (And, Or)


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    root: Node
    # `plain_words(root)`, sorted and without repeats: what the term index
    # needs of a `word` / `w1 OR w2 OR …` query (computed once, at parse time).
    words: tuple[str, ...] | None = None
    # True when known at parse time that every leaf reads the default fields
    # (the fast-path shapes), so compiling need not walk the tree for its fields.
    default_fields: bool = field(default=False, compare=False)


def make_query(text: str, root: Node) -> Query:
    words = plain_words(root)
    return Query(text, root, tuple(sorted(set(words))) if words is not None else None)


def describe(node: Node) -> str:
    """A canonical spelling of `node` (for --explain and tests)."""
    if isinstance(node, LEAVES):
        if isinstance(node, Word):
            core = node.word
        elif isinstance(node, Prefix):
            core = node.prefix + "*"
        else:
            core = '"' + " ".join(node.words) + '"'
        if node.fields == DEFAULT_FIELDS:
            return core
        return f"{node.fields[0]}:{core}"
    if isinstance(node, Near):
        return f"{describe(node.left)} NEAR/{node.distance} {describe(node.right)}"
    if isinstance(node, Site):
        return f"site:{node.host}"
    if isinstance(node, Not):
        return f"NOT {_wrap(node.item)}"
    if isinstance(node, And):
        return " AND ".join(_wrap(i) for i in node.items)
    return " OR ".join(_wrap(i) for i in node.items)


def _wrap(node: Node) -> str:
    text = describe(node)
    return f"({text})" if isinstance(node, (And, Or, Near)) else text


def leaf_fields(node: Node) -> set[str]:
    """The fields whose tokens evaluating `node` needs (`site:` reads the URL host)."""
    if isinstance(node, _TERMS):
        return set(node.fields)
    if isinstance(node, Site):
        return set()
    if isinstance(node, Not):
        return leaf_fields(node.item)
    return set().union(*(leaf_fields(i) for i in node.items))


def tree_words(node: Node) -> list[str]:
    """Every word of `node`'s words, phrases and NEARs, under NOT too (not prefixes)."""
    if isinstance(node, Word):
        return [node.word]
    if isinstance(node, Phrase):
        return list(node.words)
    if isinstance(node, Near):
        return tree_words(node.left) + tree_words(node.right)
    if isinstance(node, Not):
        return tree_words(node.item)
    if isinstance(node, BRANCHES):
        return [w for item in node.items for w in tree_words(item)]
    return []


def plain_words(node: Node) -> tuple[str, ...] | None:
    """The words of `word` or `w1 OR w2 OR …` in the default fields; else None.

    Such a query holds exactly when one of its words is present, so the term
    index alone decides it (no tree to evaluate).
    """
    if isinstance(node, Word):
        return (node.word,) if node.fields == DEFAULT_FIELDS else None
    if isinstance(node, Or):
        out = []
        for item in node.items:
            if not isinstance(item, Word) or item.fields != DEFAULT_FIELDS:
                return None
            out.append(item.word)
        return tuple(out)
    return None


def is_positive(node: Node) -> bool:
    """Can `node` only match when some term is present? (NOT-only parts cannot.)"""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(is_positive(i) for i in node.items)
    if isinstance(node, Or):
        return all(is_positive(i) for i in node.items)
    return True
