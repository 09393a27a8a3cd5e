"""QUERY.md keyword queries -> syntax tree, or a `QueryError` with a column.

Grammar (precedence tightest first: field prefix, NOT/-/+, NEAR/n, AND, OR):

    query   := or_
    or_     := and_ ("OR" and_)*
    and_    := near (["AND"] near)*          juxtaposition is AND
    near    := unary ("NEAR/n" unary)*       operands: word, wildcard word, phrase
    unary   := ("NOT" | "-" | "+") unary | primary
    primary := FIELD ":" (word | phrase | "(" or_ ")") | "(" or_ ")"
             | "site:" host | word | phrase

Only UPPERCASE AND/OR/NOT/NEAR are operators. Anything else that is not in
QUERY.md is an error, never a guess. Columns are 1-based.
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from monitor.match.tree import (
    DEFAULT_FIELDS,
    FIELDS,
    LEAVES,
    And,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Query,
    Site,
    Word,
    is_positive,
    make_query,
)
from monitor.text import terms

_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")


class QueryError(ValueError):
    def __init__(self, column: int, message: str):
        self.column = column
        self.message = message
        super().__init__(f"column {column}: {message}")


# --- lexer -------------------------------------------------------------------


class _Tok(NamedTuple):
    kind: str  # WORD PHRASE FIELD SITE LP RP AND OR NOT MINUS PLUS NEAR
    value: str
    column: int
    distance: int = 0


_PIECE = re.compile(r'[()]|"[^"]*"?|[^\s()"]+')


def _lex(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    n = len(text)
    for m in _PIECE.finditer(text):
        piece = m.group()
        col = m.start() + 1
        first = piece[0]
        if first == "(":
            out.append(_Tok("LP", piece, col))
            continue
        if first == ")":
            out.append(_Tok("RP", piece, col))
            continue
        if first == '"':
            if len(piece) == 1 or piece[-1] != '"':
                raise QueryError(col, "unclosed quote")
            if m.end() < n and text[m.end()] == "*":
                raise QueryError(m.end() + 1, "a wildcard `*` must end a word, not a phrase")
            out.append(_Tok("PHRASE", piece[1:-1], col))
            continue
        while first in "-+":
            if len(piece) == 1 and (m.end() >= n or text[m.end()] not in '("'):
                raise QueryError(col, f"expected a term right after `{first}`")
            out.append(_Tok("MINUS" if first == "-" else "PLUS", first, col))
            piece = piece[1:]
            col += 1
            if not piece:
                break
            first = piece[0]
        if not piece:
            continue
        colon = piece.find(":")
        if colon > 0 and piece[:colon].isalpha() and piece[:colon].isascii():
            name, value = piece[:colon], piece[colon + 1 :]
            if name == "site":
                out.append(_Tok("SITE", value, col))
                continue
            if name not in FIELDS:
                raise QueryError(col, f'unknown field "{name}" (fields: {", ".join(FIELDS)}, site)')
            out.append(_Tok("FIELD", name, col))
            vcol = col + colon + 1
            if not value:
                if m.end() >= n or text[m.end()] not in '("':
                    raise QueryError(col, f"expected a word, phrase or ( right after `{name}:`")
                continue
            if value[0] in "-+":
                raise QueryError(vcol, "expected a word, phrase or ( right after the field prefix")
            inner = value.find(":")
            if inner > 0 and value[:inner].isalpha() and value[:inner].isascii():
                raise QueryError(vcol, "a field prefix cannot follow another field prefix")
            out.append(_Tok("WORD", value, vcol))  # `title:AND` is the word "and"
            continue
        if piece in ("AND", "OR", "NOT"):
            out.append(_Tok(piece, piece, col))
        elif piece == "NEAR" or piece.startswith("NEAR/"):
            digits = piece[5:]
            if not digits.isdigit() or not digits.isascii() or int(digits) < 1:
                raise QueryError(col, "NEAR needs a distance: NEAR/n with n a positive whole number")
            out.append(_Tok("NEAR", piece, col, int(digits)))
        else:
            out.append(_Tok("WORD", piece, col))
    return out


# --- parser ------------------------------------------------------------------

_MAX_DEPTH = 100
_STARTS_TERM = frozenset({"WORD", "PHRASE", "FIELD", "SITE", "LP", "NOT", "MINUS", "PLUS"})


class _Parser:
    def __init__(self, text: str, tokens: list[_Tok]):
        self.text = text
        self.toks = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def end_column(self) -> int:
        return len(self.text.rstrip()) + 1

    def need_term(self, after: _Tok) -> None:
        tok = self.peek()
        if tok is None or tok.kind not in _STARTS_TERM:
            where = tok.column if tok else self.end_column()
            raise QueryError(where, f"expected a term after {after.value}")

    def parse(self) -> Node:
        if not self.toks:
            raise QueryError(1, "empty query")
        node = self.or_(None)
        tok = self.peek()
        if tok is not None:
            raise QueryError(tok.column, f"unexpected `{tok.value}`")
        return node

    def or_(self, field: str | None) -> Node:
        items = [self.and_(field)]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.next()
            self.need_term(tok)
            items.append(self.and_(field))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self, field: str | None) -> Node:
        items = [self.near(field)]
        while (tok := self.peek()) is not None:
            if tok.kind == "AND":
                self.next()
                self.need_term(tok)
            elif tok.kind not in _STARTS_TERM:
                break
            items.append(self.near(field))
        return items[0] if len(items) == 1 else And(tuple(items))

    def near(self, field: str | None) -> Node:
        left = self.unary(field)
        while (tok := self.peek()) is not None and tok.kind == "NEAR":
            self.next()
            self.need_term(tok)
            right = self.unary(field)
            if not isinstance(left, LEAVES) or not isinstance(right, LEAVES):
                raise QueryError(
                    tok.column, "NEAR operands must each be a word, wildcard word or phrase"
                )
            shared = tuple(f for f in left.fields if f in right.fields)
            if not shared:
                raise QueryError(tok.column, "NEAR operands restricted to different fields can never meet")
            left = Near(left, right, tok.distance, shared)
        return left

    def unary(self, field: str | None) -> Node:
        tok = self.peek()
        if tok is None:
            raise QueryError(self.end_column(), "expected a term")
        if tok.kind not in ("NOT", "MINUS", "PLUS", "LP", "FIELD"):
            return self.primary(field)
        # Hostile configs must not blow the stack: bound the nesting.
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise QueryError(tok.column, f"nested more than {_MAX_DEPTH} levels deep")
        try:
            if tok.kind in ("NOT", "MINUS", "PLUS"):
                self.next()
                self.need_term(tok)
                item = self.unary(field)
                return item if tok.kind == "PLUS" else Not(item)
            return self.primary(field)
        finally:
            self.depth -= 1

    def primary(self, field: str | None) -> Node:
        tok = self.next()
        kind = tok.kind
        if kind == "LP":
            if (nxt := self.peek()) is not None and nxt.kind == "RP":
                raise QueryError(tok.column, "empty parentheses")
            if nxt is None:
                raise QueryError(tok.column, "missing `)` for this `(`")
            node = self.or_(field)
            close = self.peek()
            if close is None or close.kind != "RP":
                raise QueryError(tok.column, "missing `)` for this `(`")
            self.next()
            return node
        if kind == "FIELD":
            if field is not None and field != tok.value:
                raise QueryError(tok.column, f"`{tok.value}:` inside `{field}:( … )`")
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("WORD", "PHRASE", "LP"):
                where = nxt.column if nxt else self.end_column()
                raise QueryError(where, f"expected a word, phrase or ( after `{tok.value}:`")
            return self.primary(tok.value)
        if kind == "SITE":
            if field is not None:
                raise QueryError(tok.column, f"`site:` inside `{field}:( … )`")
            host = tok.value.lower().rstrip(".")
            if not _HOST.fullmatch(host):
                raise QueryError(tok.column, "expected a host name after `site:`, like site:example.com")
            return Site(host)
        if kind == "WORD":
            return self.word(tok, field)
        if kind == "PHRASE":
            return self.phrase(tok, field)
        if kind == "RP":
            raise QueryError(tok.column, "unexpected `)`")
        raise QueryError(tok.column, f"expected a term before {tok.value}")

    def word(self, tok: _Tok, field: str | None) -> Node:
        fields = (field,) if field else DEFAULT_FIELDS
        raw = tok.value
        star = raw.find("*")
        if star >= 0:
            if star != len(raw) - 1:
                raise QueryError(tok.column + star, "`*` is only allowed at the end of a word")
            stem = terms(raw[:-1])
            if len(stem) > 1:
                raise QueryError(tok.column, f"a wildcard applies to one word; `{raw}` has {len(stem)}")
            if not stem or len(stem[0]) < 2:
                raise QueryError(tok.column + star, "a wildcard needs at least 2 characters before `*`")
            return Prefix(stem[0], fields)
        toks = terms(raw)
        if not toks:
            raise QueryError(tok.column, f"`{raw}` has no letters or digits")
        if len(toks) == 1:
            return _default_word(toks[0]) if field is None else Word(toks[0], fields)
        return Phrase(tuple(toks), fields)

    def phrase(self, tok: _Tok, field: str | None) -> Node:
        fields = (field,) if field else DEFAULT_FIELDS
        star = tok.value.find("*")
        if star >= 0:
            raise QueryError(tok.column + 1 + star, "`*` is not allowed inside quotes")
        toks = terms(tok.value)
        if not toks:
            raise QueryError(tok.column, "empty phrase")
        if len(toks) == 1:
            return Word(toks[0], fields)
        return Phrase(tuple(toks), fields)


# The commonest shapes, of plain ASCII words, parse without the general
# machinery (the same tree, same `Query`; see test_query_parse): `word`,
# `w1 OR w2 OR …`, `w1 AND w2 AND …`, `"w1 w2 …"`, `stem*`, `a NEAR/n b` and
# `a AND NOT (b OR c …)`. Anything else (or any operator word among the words)
# goes to the parser, which also owns every error message.
_SIMPLE_AND = re.compile(r"[A-Za-z0-9]+(?: AND [A-Za-z0-9]+)+")
_SIMPLE_PHRASE = re.compile(r'"([A-Za-z0-9]+(?: [A-Za-z0-9]+)+)"')
_SIMPLE_PREFIX = re.compile(r"([A-Za-z0-9]{2,})\*")
_SIMPLE_NEAR = re.compile(r"([A-Za-z0-9]+) NEAR/([1-9][0-9]{0,5}) ([A-Za-z0-9]+)")
_SIMPLE_AND_NOT = re.compile(r"([A-Za-z0-9]+) AND NOT \(([A-Za-z0-9]+(?: OR [A-Za-z0-9]+)+)\)")
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
_WORD_OF = attrgetter("word")


@lru_cache(maxsize=1 << 18)
def _default_word(word: str) -> Word:
    # Rules share words: one (immutable) node per word, built once.
    return Word(word)


def _simple(text: str) -> Query | None:
    if text.isascii():
        # `word` or `w1 OR w2 OR …` of [A-Za-z0-9]+ words (ASCII `isalnum`), checked
        # word by word in C rather than by a regex over the whole query.
        items = text.split(" OR ")
        if all(map(str.isalnum, items)):
            if not _OPERATORS.isdisjoint(items):
                return None
            if len(items) == 1:
                node = _default_word(text.lower())
                return Query(text, node, (node.word,), True)
            # Items have no spaces, so the lowered text splits into the lowered items.
            # The sorted words are the shared nodes' strings, not new copies: 100,000
            # rules hold a million of them.
            nodes = tuple(map(_default_word, text.lower().split(" or ")))
            return Query(text, Or(nodes), tuple(sorted(set(map(_WORD_OF, nodes)))), True)
    root = _simple_root(text)
    return None if root is None else Query(text, root, None, True)


def _simple_root(text: str) -> Node | None:
    """The tree of the other simple shapes (none of them is decided by the index alone)."""
    first = text[:1]
    if first == '"':
        if (m := _SIMPLE_PHRASE.fullmatch(text)) is None:
            return None
        return Phrase(tuple(m.group(1).lower().split(" ")))
    if text[-1:] == "*":
        if (m := _SIMPLE_PREFIX.fullmatch(text)) is None or m.group(1) in _OPERATORS:
            return None
        return Prefix(m.group(1).lower())
    if " AND NOT (" in text:
        if (m := _SIMPLE_AND_NOT.fullmatch(text)) is None:
            return None
        kept, dropped = m.group(1), m.group(2).split(" OR ")
        if kept in _OPERATORS or not _OPERATORS.isdisjoint(dropped):
            return None
        excluded = tuple(map(_default_word, m.group(2).lower().split(" or ")))
        return And((_default_word(kept.lower()), Not(Or(excluded))))
    if " NEAR/" in text:
        if (m := _SIMPLE_NEAR.fullmatch(text)) is None:
            return None
        left, right = m.group(1), m.group(3)
        if left in _OPERATORS or right in _OPERATORS:
            return None
        distance = int(m.group(2))
        return Near(_default_word(left.lower()), _default_word(right.lower()), distance, DEFAULT_FIELDS)
    if _SIMPLE_AND.fullmatch(text):
        items = text.split(" AND ")
        if not _OPERATORS.isdisjoint(items):
            return None
        return And(tuple(map(_default_word, text.lower().split(" and "))))
    return None


# Larger than any rule set we plan for (100,000 rules): config validation parses
# every query, and compile must find all of them here, not parse them again.
_PARSE_CACHE = 1 << 18


@lru_cache(maxsize=_PARSE_CACHE)
def parse_query(text: str) -> Query:
    """Parse a QUERY.md query (cached: config validation and compile both parse)."""
    simple = _simple(text)
    if simple is not None:
        return simple
    root = _Parser(text, _lex(text)).parse()
    if not is_positive(root):
        raise QueryError(1, "only negative terms (NOT, -): add a term the article must contain")
    return make_query(text, root)


def parse_general(text: str) -> Query:
    """`parse_query` without the fast path or the cache (for tests)."""
    root = _Parser(text, _lex(text)).parse()
    if not is_positive(root):
        raise QueryError(1, "only negative terms (NOT, -): add a term the article must contain")
    return make_query(text, root)
