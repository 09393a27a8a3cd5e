"""Text normalisation shared by every matcher (QUERY.md, "Text model").

Article text and query terms go through the same functions, so a term and
the text it should hit always agree on case, diacritics and token borders.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"[^\W_]+")
# A teaser line links to another story; QUERY.md says it is not article text.
_TEASER = re.compile(
    r"^\s*(?:(?:also\s+read|read\s+more|read\s+also|related\s+articles)\b|related:)",
    re.IGNORECASE,
)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """NFKC, case fold, then drop combining marks (`Kyïv` -> `kyiv`)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_text(text: str) -> str:
    """`fold` for long text, without polluting the small-string cache."""
    return fold.__wrapped__(text)


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # normalised
    start: int  # character offsets in the original field text
    end: int


def tokenize(text: str) -> list[Token]:
    """Tokens with offsets into the *original* text.

    Folding can change a string's length (`ß` -> `ss`, NFKD marks), so each
    raw token is folded on its own: the offsets stay those of the source.
    """
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        norm = raw.lower() if raw.isascii() else fold(raw)
        if not raw.isascii():
            # Folding may split a run (e.g. a ligature with a mark); keep runs.
            parts = _TOKEN.findall(norm)
            for part in parts:
                tokens.append(Token(part, m.start(), m.end()))
            continue
        tokens.append(Token(norm, m.start(), m.end()))
    return tokens


def terms(text: str) -> list[str]:
    """Normalised tokens of a query term or phrase, without offsets."""
    return _TOKEN.findall(fold(text))


def is_teaser_line(line: str) -> bool:
    return bool(_TEASER.match(line))


def strip_teasers(body: str) -> str:
    """Blank out teaser lines, keeping every other character's offset."""
    if "\n" not in body and not _TEASER.match(body):
        return body
    out = []
    for line in body.splitlines(keepends=True):
        if _TEASER.match(line):
            stripped = line.rstrip("\r\n")
            out.append(" " * len(stripped) + line[len(stripped):])
        else:
            out.append(line)
    return "".join(out)
