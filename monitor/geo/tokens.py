"""A field's tokens as `monitor.text` makes them, built by a few C-level passes.

`Tokens(raw)` gives the same tokens and offsets as `monitor.text.words` +
`token_bounds`, plus each token as written and the text between tokens. ASCII
text folds to lower case only; text whose other characters each fold to one
ASCII letter or to a separator (`é`, `Â`, `£`, `’`) gets those stand-ins
first (the offsets stay); anything else (`ß`, other scripts) takes
`monitor.text` itself.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from monitor.text import fold, token_bounds, words

# monitor.text's tokens are runs of ASCII letters and digits (after folding):
# every other ASCII character separates them.
_SEPARATE: Final = {c: " " for c in range(128) if not chr(c).isalnum()}


def capitalised(raw: str) -> bool:
    return raw[:1].isupper() or raw[:1].isdigit()


class Tokens:
    """A field's tokens as monitor.text makes them (`words` + `token_bounds`),
    with each token as written and the text between tokens (the hot path:
    one loop over the pieces of one split, compiled by mypyc).

    `gaps[i]` is the text before token i; `gaps[len]` the text after the last.
    Token i spans `bounds[2 * i]` to `bounds[2 * i + 1]` (`start` and `end` as
    lists are made on request: only a few tokens' offsets are ever read)."""

    __slots__ = ("bounds", "gaps", "raw", "text")
    raw: list[str]  # the tokens as written
    text: list[str]  # folded (monitor.text.words)
    gaps: list[str]
    bounds: list[int]

    def __init__(self, raw: str) -> None:
        plain = raw if raw.isascii() else _stand_ins(raw)
        if plain is None:
            self.text = words(raw)
            self.bounds = [*token_bounds(raw), len(raw)]  # (the end, as below)
            starts, ends = self.bounds[0::2], self.bounds[1::2]
            self.raw = list(map(raw.__getitem__, map(slice, starts, ends)))
            self.gaps = list(map(raw.__getitem__, map(slice, [0, *ends], [*starts, len(raw)])))
            return
        # `plain` is raw with each character in place: letters and digits, and
        # a space for everything else. Split on single spaces, each piece's
        # length plus one is the offset of the next (runs of spaces give empty
        # pieces, the shared empty string).
        spaced = plain.translate(_SEPARATE)
        self.text = spaced.lower().split()
        same = plain is raw  # ASCII: the pieces are the tokens as written
        toks: list[str] = []
        gaps: list[str] = []
        bounds: list[int] = []
        end = at = 0
        for piece in spaced.split(" "):
            n = len(piece)
            if n:
                gaps.append(raw[end:at])
                end = at + n
                bounds.append(at)
                bounds.append(end)
                toks.append(piece if same else raw[at:end])
            at += n + 1
        gaps.append(raw[end:])
        bounds.append(len(raw))
        self.raw, self.gaps, self.bounds = toks, gaps, bounds

    @property
    def start(self) -> list[int]:
        return self.bounds[0 : 2 * len(self.text) : 2]

    @property
    def end(self) -> list[int]:
        return self.bounds[1 : 2 * len(self.text) : 2]

    def __len__(self) -> int:
        return len(self.text)


_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")
_STAND_IN: Final[dict[str, str | None]] = {}


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


def _stand_ins(raw: str) -> str | None:
    """`raw` with each non-ASCII character replaced by its ASCII stand-in (a
    letter, or a space for a separator), or None if one has none (`_stand_in`)."""
    for ch in set(_NON_ASCII.findall(raw)):
        sub = _stand_in(ch)
        if sub is None:
            return None
        raw = raw.replace(ch, sub)
    return raw
