"""A field's tokens as `monitor.text` makes them, built by C-level passes.

`Tokens(raw)` gives the same tokens and offsets as `monitor.text.words` +
`token_bounds`, plus each token as written and the text between tokens, from
one `re.split` of the text as written (no per-token objects: this is the
matcher's hot path). ASCII text folds to lower case only; text whose other
characters each fold to one ASCII letter or to a separator (`é`, `Â`, `£`,
`’`) is split with those letters added to the token class; anything else
(`ß`, other scripts) takes `monitor.text` itself.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import accumulate
from operator import itemgetter

from monitor.text import fold, token_bounds, words

_ASCII_SPLIT = re.compile(r"([A-Za-z0-9]+)")  # monitor.text's ASCII tokens, any case
FIRST_CHAR = itemgetter(0)


def capitalised(raw: str) -> bool:
    return raw[:1].isupper() or raw[:1].isdigit()


class Tokens:
    """A field's tokens as monitor.text makes them (`words` + `token_bounds`),
    with each token as written and the text between tokens, all built by
    C-level passes (no per-token objects; this is the hot path).

    `gaps[i]` is the text before token i; `gaps[len]` the text after the last.
    Token i spans `bounds[2 * i]` to `bounds[2 * i + 1]` (`start` and `end` as
    lists are made on request: only a few tokens' offsets are ever read)."""

    __slots__ = ("bounds", "gaps", "raw", "text")
    raw: list[str]  # the tokens as written
    text: list[str]  # folded (monitor.text.words)
    gaps: list[str]
    bounds: list[int]

    def __init__(self, raw: str):
        # One split of the text as written gives tokens and gaps. ASCII folds to
        # lower case only; other text that folds character for character is
        # split with its letters added to the token class (`_split_folded`).
        got = ((_ASCII_SPLIT.split(raw), None) if raw.isascii() else _split_folded(raw))
        if got is None:
            self.text = words(raw)
            bounds = self.bounds = token_bounds(raw)
            start, end = bounds[0::2], bounds[1::2]
            self.raw = list(map(raw.__getitem__, map(slice, start, end)))
            self.gaps = list(map(raw.__getitem__, map(slice, [0, *end], [*start, len(raw)])))
            return
        parts, letters = got
        self.raw = parts[1::2]
        self.gaps = parts[0::2]
        # Tokens hold no space: folding and lowering them joined is a few C passes,
        # not a call per token.
        joined = " ".join(self.raw)
        for ch, sub in (letters or {}).items():
            joined = joined.replace(ch, sub)  # a few distinct characters: faster than translate
        self.text = joined.lower().split(" ") if self.raw else []
        # Gap and token lengths summed: token i starts at [2i] and ends at [2i + 1].
        self.bounds = list(accumulate(map(len, parts)))

    @property
    def start(self) -> list[int]:
        return self.bounds[0 : 2 * len(self.text) : 2]

    @property
    def end(self) -> list[int]:
        return self.bounds[1 : 2 * len(self.text) : 2]

    def __len__(self) -> int:
        return len(self.text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_STAND_IN: dict[str, str | None] = {}


def _stand_in(ch: str) -> str | None:
    """One ASCII character that tokenises as `ch` does after QUERY.md folding
    (`é` -> `e`, `Â` -> `a`, `£` -> a space), or None when folding `ch` is not
    a one-character, context-free change (marks, `ß`, letters of other scripts)."""
    got = _STAND_IN.get(ch, "")
    if got != "":
        return got
    f = fold(ch)
    out: str | None = None
    if len(f) == 1 and not unicodedata.category(ch).startswith("M"):
        if f.isascii():
            out = f if f.isalnum() else " "
        elif not f.isalnum() and not unicodedata.category(f).startswith("M"):
            out = " "
    if len(_STAND_IN) < 10_000:
        _STAND_IN[ch] = out
    return out


_SPLITS: dict[str, re.Pattern[str]] = {}


def _split_folded(raw: str) -> tuple[list[str], dict[str, str] | None] | None:
    """`re.split` parts of `raw` on `monitor.text.words` token boundaries, and the
    letters to replace to fold the tokens (each by its ASCII stand-in, before
    lower-casing; None when they need no folding), or None if a character has
    no one-character stand-in (see `_stand_in`)."""
    letters: dict[str, str] = {}
    for ch in set(_NON_ASCII.findall(raw)):
        sub = _stand_in(ch)
        if sub is None:
            return None
        if sub != " ":
            letters[ch] = sub
    if not letters:
        # Only separators (`’`, `£`, `–`): the ASCII split already has the tokens.
        return _ASCII_SPLIT.split(raw), None
    key = "".join(sorted(letters))
    split = _SPLITS.get(key)
    if split is None:
        split = re.compile(f"([A-Za-z0-9{re.escape(key)}]+)")
        if len(_SPLITS) < 1_000:
            _SPLITS[key] = split
    # Each letter becomes one ASCII letter: the tokens keep their bounds.
    return split.split(raw), letters
