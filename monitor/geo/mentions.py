"""Find place mentions in one text: one automaton pass, then shape filters.

The automaton holds every surface form as ` key ` (name_key: folded tokens
joined by one space), and runs over the field's tokens joined the same way, so
a hit always sits on token boundaries. What survives a hit:

- capitalisation: the first and last word capitalised (`bath` is not Bath);
- no punctuation inside a multi-word name, and no line break;
- proper-noun runs: a place inside a longer capitalised run is dropped
  (`Paris Hilton`, `Jordan Henderson`, `Queen Victoria`) unless the extra
  words are organisation/facility heads (`Laurel County Sheriff`), compass
  words (`Northern Syria`) or a sentence-initial common word (`In Kharkiv`);
- a common English word at a sentence start (`Reading the ...`, `Mobile
  phones`) is not a place unless a region qualifies it.

Each mention records what resolution needs: the explicit qualifier after a
comma (`Paris, Texas`, `Springfield, Ill.`), whether it is a common word,
and whether it sits at a sentence start.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.geo.gazetteer import TAG_DEMONYM, Gazetteer
from monitor.text import Token, tokenize

# Words that may follow a place inside a capitalised run without making the
# run a person's name: organisations, facilities, offices named after places.
ORG_HEADS = frozenset(
    """county city town village borough parish district region province oblast state
    sheriff police university college school academy hospital clinic airport council
    office department court station street road avenue park bridge square mayor governor
    government times post herald tribune journal daily news press gazette stock exchange
    metro fire zoo museum cathedral mosque church harbour harbor port bay river valley
    mountains hills army forces military regional municipal public health authority
    commission board club minister ministry president prime embassy consulate agreement
    accord convention summit conference protocol airlines airways international national
    central federal bureau agency court prison jail centre center area region township
    marathon olympics games university's""".split()
)
# Words that may precede a place in a capitalised run.
PREFIX_OK = frozenset(
    """north south east west northern southern eastern western central greater upper lower
    downtown metropolitan old new inner outer rural urban""".split()
)
HONORIFICS = frozenset("mr mrs ms miss dr sir lord lady queen king prince princess".split())
CONNECTORS = frozenset("of de la le du des upon on am sur the and del di da el al en y i".split())
_SENTENCE_END = frozenset(".!?:;\n\"“”‘«(")
_IN_NAME_GAP = frozenset(" -'’.\t")


@dataclass(frozen=True, slots=True)
class Mention:
    field: str
    start: int  # character offsets in the field text
    end: int
    text: str  # as written
    key: str  # name_key of the surface form
    demonym: bool
    common: bool  # the surface is a frequent English word
    sentence_start: bool
    qualifier: tuple[int, ...]  # area ids named right after a comma


def _capitalised(raw: str) -> bool:
    return raw[:1].isupper()


def _title_cased(raw: str, tokens: list[Token]) -> bool:
    """A headline in Title Case: capitals carry no information there."""
    words = [raw[t.start : t.end] for t in tokens if raw[t.start].isalpha()]
    long = [w for w in words if len(w) > 3]
    return bool(long) and sum(_capitalised(w) for w in long) >= 0.7 * len(long)


def find_mentions(gaz: Gazetteer, field: str, raw: str) -> list[Mention]:
    tokens = tokenize(raw)
    if not tokens:
        return []
    joined_parts = [" "]
    tok_at: dict[int, int] = {}
    pos = 1
    for i, tok in enumerate(tokens):
        tok_at[pos] = i
        joined_parts.append(tok.text)
        joined_parts.append(" ")
        pos += len(tok.text) + 1
    joined = "".join(joined_parts)
    hits: dict[int, tuple[int, int, str]] = {}  # first token -> (n tokens, tag, key)
    autos = [gaz.automaton] + ([gaz.user_automaton] if gaz.user_automaton is not None else [])
    for auto in autos:
        for end, (tag, key) in auto.iter(joined):
            first = tok_at.get(end - len(key))
            if first is None:
                continue
            n = key.count(" ") + 1
            if first not in hits or hits[first][0] < n:
                hits[first] = (n, tag, key)
    if not hits:
        return []
    titlecase = field == "title" and _title_cased(raw, tokens)
    gaps = [raw[tokens[i - 1].end : tokens[i].start] if i else raw[: tokens[0].start]
            for i in range(len(tokens))] + [raw[tokens[-1].end :]]
    out: list[Mention] = []
    i = 0
    ordered = sorted(hits)
    taken_until = -1
    for first in ordered:
        if first <= taken_until:
            continue
        n, tag, key = hits[first]
        last = first + n - 1
        mention = _check(gaz, field, raw, tokens, gaps, first, last, tag, key, titlecase)
        if mention is not None:
            out.append(mention)
            taken_until = last
        i += 1
    return out


def _check(
    gaz: Gazetteer,
    field: str,
    raw: str,
    tokens: list[Token],
    gaps: list[str],
    first: int,
    last: int,
    tag: int,
    key: str,
    titlecase: bool,
) -> Mention | None:
    words = [raw[t.start : t.end] for t in tokens[first : last + 1]]
    if not _capitalised(words[0]) or not _capitalised(words[-1]):
        return None
    if any(not _capitalised(w) and w.lower() not in CONNECTORS for w in words):
        return None
    if any(set(gaps[j]) - _IN_NAME_GAP or "\n" in gaps[j] for j in range(first + 1, last + 1)):
        return None
    before = gaps[first]
    sentence_start = first == 0 or bool(set(before) & _SENTENCE_END) or titlecase
    demonym = tag == TAG_DEMONYM
    single = first == last
    common = single and key in gaz.common and not _famous(gaz, key)
    qualifier = _qualifier(gaz, raw, tokens, gaps, last)
    if common and sentence_start and not qualifier:
        return None
    if not titlecase and not demonym and not _run_ok(raw, tokens, gaps, first, last, gaz):
        return None
    start, end = tokens[first].start, tokens[last].end
    return Mention(field, start, end, raw[start:end], key, demonym, common,
                   sentence_start, qualifier)


def _famous(gaz: Gazetteer, key: str) -> bool:
    """A frequent word that is mostly a place (London, Georgia): a country, a
    first-level region or a city of a million."""
    for pid in gaz.candidates(key)[:3]:
        if gaz.kind[pid] <= 1 or gaz.pop[pid] >= 1_000_000:
            return True
    return False


def _run_ok(
    raw: str, tokens: list[Token], gaps: list[str], first: int, last: int, gaz: Gazetteer
) -> bool:
    """False when the place is part of a longer proper noun (a person's name)."""
    nxt = last + 1
    if nxt < len(tokens) and gaps[nxt].strip(" ") == "":
        word = raw[tokens[nxt].start : tokens[nxt].end]
        if _capitalised(word) and tokens[nxt].text not in ORG_HEADS:
            # `Paris Texas`: a following area name is a qualifier, not a surname.
            if not any(gaz.kind[p] <= 1 for p in gaz.candidates(tokens[nxt].text)):
                return False
    prv = first - 1
    if prv >= 0 and gaps[first].strip(" ") == "":
        word = raw[tokens[prv].start : tokens[prv].end]
        low = tokens[prv].text
        if _capitalised(word) and low not in PREFIX_OK and low not in CONNECTORS:
            prv_start = prv == 0 or bool(set(gaps[prv]) & _SENTENCE_END)
            if low in HONORIFICS or not (prv_start and low in gaz.common):
                # `Jordan Henderson`: the second name is a surname too.
                if not any(gaz.kind[p] <= 1 for p in gaz.candidates(low)) or low in HONORIFICS:
                    return False
    return True


def _qualifier(
    gaz: Gazetteer, raw: str, tokens: list[Token], gaps: list[str], last: int
) -> tuple[int, ...]:
    """Areas named right after `, ` (Paris, Texas / Springfield, Ill. / Izium, Kharkiv Oblast)."""
    j = last + 1
    if j >= len(tokens) or gaps[j].strip() != ",":
        return ()
    for n in (3, 2, 1):
        if j + n > len(tokens):
            continue
        if any(gaps[k].strip(" .") for k in range(j + 1, j + n)):
            continue
        words = [raw[t.start : t.end] for t in tokens[j : j + n]]
        if not _capitalised(words[0]):
            continue
        key = " ".join(t.text for t in tokens[j : j + n])
        areas = tuple(p for p in gaz.candidates(key) if gaz.kind[p] <= 1)
        if areas:
            return areas
        abbr = gaz.abbrevs.get(key)
        if abbr is not None:
            pid, needs_period = abbr
            after = raw[tokens[j + n - 1].end : tokens[j + n - 1].end + 1]
            if needs_period and after == ".":
                return (pid,)
            if not needs_period and all(w.isupper() for w in words):
                return (pid,)
    return ()
