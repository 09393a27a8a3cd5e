"""Decide, collect evidence for and explain query trees on a `Doc`.

`compile_node` turns a syntax tree into a closure `Doc -> bool` (the hot
path: candidates only) and `compile_evidence` into one that collects the
evidence of a rule that matched (each term's evidence comes from
`Doc.leaf_evidence`, built once per article and term). `holds`, `evidence`
and `explain` are the uncompiled equivalents for the cold paths
(`--explain`, tests). The tokenised article itself is `monitor.match.doc`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from monitor.match.doc import DEFAULT, Doc, near_pair, site_holds
from monitor.match.tree import (
    BRANCHES,
    DEFAULT_FIELDS,
    LEAVES,
    And,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Site,
    Word,
    describe,
)
from monitor.match.types import Evidence

Check = Callable[[Doc], bool]
Collect = Callable[[Doc, list[Evidence]], None]


# -- the hot path: tree -> closure -----------------------------------------------


def compile_node(node: Node) -> Check:
    """A closure deciding `node` on a `Doc`; specialised for the common shapes."""
    if isinstance(node, Word):
        word, fields = node.word, node.fields
        if fields == DEFAULT_FIELDS:
            return lambda d: word in d.default
        if len(fields) == 1:
            field = fields[0]
            return lambda d: word in d.sets[field]
        return lambda d: any(word in d.sets[f] for f in fields)
    if isinstance(node, Prefix):
        prefix, fields = node.prefix, node.fields
        return lambda d: any(d.has_prefix(f, prefix) for f in fields)
    if isinstance(node, Phrase):
        phrase, fields = node.words, node.fields
        if DEFAULT.issuperset(fields):
            # Every word in the article at all first (one set test, usually false):
            # only then per field, whose token sets are built on first use.
            words_of = frozenset(phrase)
            return lambda d: words_of <= d.default and any(d.phrase_starts(f, phrase) for f in fields)
        return lambda d: any(d.phrase_starts(f, phrase) for f in fields)
    if isinstance(node, Near):
        near = node
        needed = frozenset(w for leaf in (node.left, node.right) if not isinstance(leaf, Prefix)
                           for w in (leaf.words if isinstance(leaf, Phrase) else (leaf.word,)))
        if DEFAULT.issuperset(near.fields) and needed:
            return lambda d: needed <= d.default and any(near_pair(d, near, f) is not None
                                                         for f in near.fields)
        return lambda d: any(near_pair(d, near, f) is not None for f in near.fields)
    if isinstance(node, Site):
        host, dotted = node.host, "." + node.host
        return lambda d: d.host == host or d.host.endswith(dotted)
    if isinstance(node, Not):
        inner = compile_node(node.item)
        return lambda d: not inner(d)
    items = node.items
    default_words = [i.word for i in items if isinstance(i, Word) and i.fields == DEFAULT_FIELDS]
    rest = [compile_node(i) for i in items if not (isinstance(i, Word) and i.fields == DEFAULT_FIELDS)]
    if isinstance(node, Or):
        # `a OR b OR …` of plain words: one set operation.
        wanted = frozenset(default_words)
        if not rest:
            return lambda d: not wanted.isdisjoint(d.default)
        return lambda d: (not wanted.isdisjoint(d.default)) or any(c(d) for c in rest)
    needed = frozenset(default_words)
    if not rest:
        return lambda d: needed <= d.default
    if len(rest) == 1:
        only = rest[0]
        return lambda d: needed <= d.default and only(d)
    return lambda d: needed <= d.default and all(c(d) for c in rest)


def holds(node: Node, doc: Doc) -> bool:
    """Uncompiled evaluation, for the cold paths (evidence, explain)."""
    if isinstance(node, Word):
        return any(node.word in doc.sets[f] for f in node.fields)
    if isinstance(node, Prefix):
        return any(doc.has_prefix(f, node.prefix) for f in node.fields)
    if isinstance(node, Phrase):
        return any(doc.phrase_starts(f, node.words) for f in node.fields)
    if isinstance(node, Near):
        return any(near_pair(doc, node, f) is not None for f in node.fields)
    if isinstance(node, Site):
        return site_holds(node, doc)
    if isinstance(node, Not):
        return not holds(node.item, doc)
    if isinstance(node, And):
        return all(holds(i, doc) for i in node.items)
    return any(holds(i, doc) for i in node.items)



_TERMS = (Word, Prefix, Phrase, Near, Site)


# -- evidence ----------------------------------------------------------------------


def evidence(node: Node, doc: Doc, out: list[Evidence]) -> None:
    """Append what made `node` true (first occurrence per field); NOT adds nothing."""
    if isinstance(node, _TERMS):
        out.extend(doc.leaf_evidence(node))
    elif isinstance(node, And):
        for item in node.items:
            evidence(item, doc, out)
    elif isinstance(node, Or):
        for item in node.items:
            if isinstance(item, _TERMS):
                out.extend(doc.leaf_evidence(item))  # empty when absent
            elif holds(item, doc):
                evidence(item, doc, out)


def compile_evidence(node: Node) -> Collect:
    """A closure appending `node`'s evidence on a Doc where `node` holds.

    The hot case is an OR of many plain words: only the present ones are
    looked at, by word (a str key), not by tree node.
    """
    if isinstance(node, Word) and node.fields == DEFAULT_FIELDS:
        word = node.word

        def one_word(d: Doc, out: list[Evidence]) -> None:
            if word in d.default:
                out.extend(d.word_evidence(word))

        return one_word
    if isinstance(node, _TERMS):
        term = node

        def one_term(d: Doc, out: list[Evidence]) -> None:
            out.extend(d.leaf_evidence(term))

        return one_term
    if isinstance(node, Not):
        return lambda d, out: None
    items = node.items
    plain = tuple(i.word for i in items if isinstance(i, Word) and i.fields == DEFAULT_FIELDS)
    others = [i for i in items if not (isinstance(i, Word) and i.fields == DEFAULT_FIELDS)]
    if isinstance(node, And):
        subs = [compile_evidence(i) for i in others if not isinstance(i, Not)]

        def all_of(d: Doc, out: list[Evidence]) -> None:
            for w in plain:
                out.extend(d.word_evidence(w))
            for sub in subs:
                sub(d, out)

        return all_of
    guarded = [(compile_node(i), compile_evidence(i)) for i in others]

    def any_of(d: Doc, out: list[Evidence]) -> None:
        default = d.default
        for w in plain:
            if w in default:
                out.extend(d.word_evidence(w))
        for check, sub in guarded:
            if check(d):
                sub(d, out)

    return any_of




# -- explain -----------------------------------------------------------------------


def leaves(node: Node) -> list[Node]:
    """Every term-like part (word, prefix, phrase, NEAR, site), in query order."""
    if isinstance(node, Not):
        return leaves(node.item)
    if isinstance(node, BRANCHES):
        return [leaf for item in node.items for leaf in leaves(item)]
    return [node]


def why_not(node: Node, doc: Doc) -> str:
    """Why `node` is false on `doc`, in words (call only when it is false)."""
    if isinstance(node, LEAVES):
        return f"{describe(node)} is absent"
    if isinstance(node, Near):
        left = any(doc.leaf_positions(node.left, f) for f in node.fields)
        right = any(doc.leaf_positions(node.right, f) for f in node.fields)
        if left and right:
            return f"{describe(node.left)} and {describe(node.right)} occur, but not within {node.distance}"
        return f"{describe(node.left if not left else node.right)} is absent"
    if isinstance(node, Site):
        return f"the URL host {doc.host or '(none)'!r} is not {node.host} or under it"
    if isinstance(node, Not):
        return f"{describe(node.item)} is present (excluded by NOT)"
    if isinstance(node, And):
        for item in node.items:
            if not holds(item, doc):
                return why_not(item, doc)
        return "all parts hold"
    return "none of: " + "; ".join(why_not(i, doc) for i in node.items)


def explain(node: Node, doc: Doc) -> dict[str, Any]:
    present = [describe(leaf) for leaf in leaves(node) if holds(leaf, doc)]
    absent = [describe(leaf) for leaf in leaves(node) if not holds(leaf, doc)]
    ok = holds(node, doc)
    out: dict[str, Any] = {"matched": ok, "present": present, "absent": absent}
    if not ok:
        out["reason"] = why_not(node, doc)
    return out
