"""Text normalisation shared by every matcher (QUERY.md, "Text model").

Article text and query terms go through the same functions, so a term and
the text it should hit always agree on case, diacritics and token borders.

Two ways in:
- `words(text)`: the normalised tokens only (the matcher's hot path; no
  offsets, no objects). Exactly QUERY.md: fold the whole text, then take
  the maximal runs of letters and digits. `spaced_words(text)`: the same
  tokens in one string, space-separated.
- `tokenize(text)`: `Token`s with character offsets into the *original*
  text, for evidence and highlighting.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Final

_TOKEN: Final = re.compile(r"[^\W_]+")
# On ASCII text (after lower()) the same runs are just [a-z0-9]+, which is faster.
_ASCII_TOKEN_ANYCASE: Final = re.compile(r"[A-Za-z0-9]+")
# ASCII byte -> itself lower-cased if a letter or digit, else a space.
_ASCII_WORD_BYTES: Final = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256)
)
# The same for UTF-8 bytes: every byte >= 0x80 is kept.
_UTF8_WORD_BYTES: Final = _ASCII_WORD_BYTES[:128] + bytes(range(128, 256))
_ASCII_SPLIT: Final = re.compile(r"([a-z0-9]+)")
_SPLIT: Final = re.compile(r"([^\W_]+)")
_NON_ASCII_RUN: Final = re.compile(r"[^\x00-\x7f]+")
# A teaser line links to another story; QUERY.md says it is not article text.
_TEASER: Final = re.compile(
    r"^\s*(?:(?:also\s+read|read\s+more|read\s+also|related\s+articles)\b|related:)",
    re.IGNORECASE,
)
# Cheap test before splitting a body into lines: most bodies have no teaser.
# (A line start is the text start or a "\n": a pattern opening with the literal
# "\n" is searched for by character, ~8x faster than `^` under MULTILINE.)
_TEASER_HINT: Final = re.compile(r"\n\s*(?:also\s|read\s|related)", re.IGNORECASE)
_TEASER_HINT_AT_START: Final = re.compile(r"\s*(?:also\s|read\s|related)", re.IGNORECASE)


def _drop_marks(m: re.Match[str]) -> str:
    return "".join(ch for ch in m.group() if not unicodedata.combining(ch))


def _fold(text: str) -> str:
    if text.isascii():
        # NFKC/NFKD leave ASCII alone and casefold() == lower() on it.
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    if decomposed.isascii():
        return decomposed
    # Combining marks are non-ASCII; only those runs need a per-character look.
    return _NON_ASCII_RUN.sub(_drop_marks, decomposed)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """NFKC, case fold, then drop combining marks (`Kyïv` -> `kyiv`)."""
    return _fold(text)


def fold_text(text: str) -> str:
    """`fold` for long text, without polluting the small-string cache."""
    return _fold(text)


def words(text: str) -> list[str]:
    """The normalised tokens of `text`, in order (position = list index)."""
    return spaced_words(text).split()


def spaced_words(text: str) -> str:
    """The normalised tokens of `text`, each after one or more spaces (" kyiv  city").

    `words(text)` is its `split()`. Kept by the matcher: `" " + prefix in it` is a
    token starting with `prefix`, one `str.find` in C.
    """
    if text.isascii():
        # Lower-case letters and digits stay, everything else becomes a space: all
        # in C, ~4x faster than a regex over the same text.
        return " " + text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii")
    try:
        # Mostly ASCII with a few `’`, `é`, `£` (the usual news text): the ASCII
        # encoder finds the non-ASCII runs in C and hands each to `_fold_to_ascii`,
        # ~2x faster than the regex below, which scans the text character by character.
        data = text.encode("ascii", _FOLD_TO_ASCII)
    except _NotAscii:
        pass
    else:
        return " " + data.translate(_ASCII_WORD_BYTES).decode("ascii")
    # Same as `_TOKEN.findall(_fold(text))`, faster: only the non-ASCII runs (few:
    # `’`, `£`, `é`) are folded, keeping their letters and digits (anything else in
    # them becomes a space); then the bytes pass above runs over the UTF-8 (bytes
    # >= 0x80 are kept: they spell those letters).
    kept = _NON_ASCII_RUN.sub(_fold_run, text)
    return " " + kept.encode("utf-8").translate(_UTF8_WORD_BYTES).decode("utf-8")


def _fold_run(m: re.Match[str]) -> str:
    return _fold_piece(m.group())


def _fold_piece(run: str) -> str:
    """A run of non-ASCII characters, folded, with what is not a letter or digit as spaces.

    A combining mark opening the run belongs to the ASCII letter before it;
    folding drops it either way, so the run can be folded on its own.
    """
    return _letters_only(fold(run) if len(run) <= 64 else _fold(run))  # short runs repeat: cached


class _NotAscii(Exception):
    """A non-ASCII run folds to letters that are not ASCII (`к`, `Ω`, `한`)."""


def _fold_to_ascii(exc: UnicodeError) -> tuple[str, int]:
    # Codec error handler: the encoder passes each maximal run of non-ASCII
    # characters (the same runs as `_NON_ASCII_RUN`), folded by `_fold_piece` too.
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    folded = _fold_piece(exc.object[exc.start:exc.end])
    if not folded.isascii():
        raise _NotAscii
    return folded, exc.end


_FOLD_TO_ASCII: Final = "newsmon.fold-to-ascii"
codecs.register_error(_FOLD_TO_ASCII, _fold_to_ascii)


def _letters_only(run: str) -> str:
    if run.isalnum() or run.isascii():
        return run
    return "".join(ch if ch.isalnum() else " " for ch in run)


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # normalised
    start: int  # character offsets in the original field text
    end: int


def tokenize(text: str) -> list[Token]:
    """Tokens with offsets into the *original* text.

    Folding can change a string's length (`ß` -> `ss`, `ﬁ` -> `fi`, marks
    dropped), so non-ASCII text is folded piece by piece (a character with
    its combining marks) and every folded character remembers the piece it
    came from. The token texts equal `words(text)`.
    """
    if text.isascii():
        return [Token(m.group().lower(), m.start(), m.end()) for m in _ASCII_TOKEN_ANYCASE.finditer(text)]
    folded, fstarts, ostarts, oends, identity = _fold_with_map(text)
    tokens: list[Token] = []
    for m in _TOKEN.finditer(folded):
        a = bisect_right(fstarts, m.start()) - 1
        b = bisect_right(fstarts, m.end() - 1) - 1
        start = ostarts[a] + (m.start() - fstarts[a] if identity[a] else 0)
        end = ostarts[b] + (m.end() - fstarts[b]) if identity[b] else oends[b]
        tokens.append(Token(m.group(), start, end))
    return tokens


def spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token of `words(text)` in the original text."""
    bounds = token_bounds(text)
    return list(zip(bounds[::2], bounds[1::2], strict=True))


def token_bounds(text: str) -> list[int]:
    """Flat offsets: token k of `words(text)` is text[b[2k]:b[2k+1]].

    Offsets come from the lengths of a `re.split` (all in C), which is much
    cheaper than a match object per token. Non-ASCII text whose characters
    each fold to one character (the usual `é`, `’`, `£`) is mapped in place;
    anything else takes the exact, slower `tokenize`.
    """
    return bounds_for_words(text, None)


def bounds_for_words(text: str, known: list[str] | None) -> list[int]:
    """`token_bounds(text)`; pass `known` = `words(text)` when the caller has it (saves a fold)."""
    if text.isascii():
        return list(accumulate(map(len, _ASCII_SPLIT.split(text.lower()))))[:-1]
    mapped = _map_in_place(text)
    if mapped is not None:
        parts = _SPLIT.split(mapped)
        if parts[1::2] == (words(text) if known is None else known):
            return list(accumulate(map(len, parts)))[:-1]
    out: list[int] = []
    for tok in tokenize(text):
        out.append(tok.start)
        out.append(tok.end)
    return out


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str | None:
    """The one-character fold of `ch`, " " for a separator, None if neither."""
    folded = fold(ch)
    if len(folded) == 1:
        return folded
    if folded and not _TOKEN.search(folded):
        return " "  # e.g. `…` -> `...`: a separator either way
    return None


class _NotInPlace(Exception):
    pass


def _map_run(m: re.Match[str]) -> str:
    out = []
    for ch in m.group():
        mapped = _fold_char(ch)
        if mapped is None:
            raise _NotInPlace
        out.append(mapped)
    return "".join(out)


def _map_in_place(text: str) -> str | None:
    try:
        mapped = _NON_ASCII_RUN.sub(_map_run, text).lower()
    except _NotInPlace:
        return None
    return mapped if len(mapped) == len(text) else None


def _fold_with_map(text: str) -> tuple[str, list[int], list[int], list[int], list[bool]]:
    """Fold `text` in pieces; piece i starts at folded offset fstarts[i].

    ASCII stretches map one to one (`identity`); every other piece is one
    character plus the combining marks after it, folded as a unit.
    """
    out: list[str] = []
    fstarts: list[int] = []
    ostarts: list[int] = []
    oends: list[int] = []
    identity: list[bool] = []
    flen = 0

    def add(piece: str, ostart: int, oend: int, same: bool) -> None:
        nonlocal flen
        if not piece:
            return
        fstarts.append(flen)
        ostarts.append(ostart)
        oends.append(oend)
        identity.append(same)
        out.append(piece)
        flen += len(piece)

    pos = 0
    combining = unicodedata.combining
    for run in _NON_ASCII_RUN.finditer(text):
        rs, re_ = run.span()
        ascii_end = rs
        # A combining mark belongs with the (ASCII) letter before it.
        if combining(text[rs]) and rs > pos:
            ascii_end = rs - 1
        add(text[pos:ascii_end].lower(), pos, ascii_end, True)
        i = ascii_end
        while i < re_:
            j = i + 1
            while j < re_ and combining(text[j]):
                j += 1
            add(fold(text[i:j]), i, j, False)
            i = j
        pos = re_
    add(text[pos:].lower(), pos, len(text), True)
    return "".join(out), fstarts, ostarts, oends, identity


def terms(text: str) -> list[str]:
    """Normalised tokens of a query term or phrase, without offsets."""
    return _TOKEN.findall(fold(text))


def is_teaser_line(line: str) -> bool:
    return bool(_TEASER.match(line))


# Location matching also skips other page furniture that names places the
# story is not about (QUERY.md's list above stays the contract for queries).
_FURNITURE: Final = re.compile(
    r"^\s*(?:(?:also\s+read|read\s+more|read\s+also|related\s+articles|see\s+also|"
    r"related\s+(?:coverage|stories|content|links)|recommended(?:\s+for\s+you)?|most\s+read|"
    r"read\s+next|more\s+on\s+this\s+story|you\s+(?:may|might)\s+also\s+like)\b|related:)",
    re.IGNORECASE,
)
_FURNITURE_WORDS: Final = r"\s*(?:also\s|read\s|related|see\s|recommended|most\s|more\s|you\s)"
_FURNITURE_HINT: Final = re.compile(r"\n" + _FURNITURE_WORDS, re.IGNORECASE)
_FURNITURE_HINT_AT_START: Final = re.compile(_FURNITURE_WORDS, re.IGNORECASE)


def strip_teasers(body: str, furniture: bool = False) -> str:
    """Blank out teaser lines, keeping every other character's offset. With
    `furniture`, also "See also", "Most read", "Recommended"... lines."""
    pattern, hint, at_start = ((_FURNITURE, _FURNITURE_HINT, _FURNITURE_HINT_AT_START) if furniture
                               else (_TEASER, _TEASER_HINT, _TEASER_HINT_AT_START))
    if not (hint.search(body) or at_start.match(body)):
        return body
    out = []
    changed = False
    for line in body.splitlines(keepends=True):
        if pattern.match(line):
            stripped = line.rstrip("\r\n")
            out.append(" " * len(stripped) + line[len(stripped):])
            changed = True
        else:
            out.append(line)
    return "".join(out) if changed else body
