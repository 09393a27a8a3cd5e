"""One article, tokenised once for every rule: `Doc`.

`Doc` keeps, per field the rules use, the token list and token set and, on
demand, first positions, token positions, character offsets and a sorted
vocabulary (for prefixes); with the matcher's `WordFinder`, the asked words
and prefixes are found in one pass and token lists are split only when read.
Term-level evidence (`term_evidence`: where a word, prefix, phrase, NEAR or
`site:` occurs) is built here too, once per article and term;
`monitor.match.evaluate` decides and explains whole query trees on a `Doc`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from itertools import chain
from operator import itemgetter
from urllib.parse import urlsplit

from monitor.article import Article
from monitor.match.finder import WordFinder
from monitor.match.tree import DEFAULT_FIELDS, LEAVES, Leaf, Near, Node, Phrase, Prefix, Site, Word
from monitor.match.types import Evidence
from monitor.text import bounds_for_words, spaced_words, strip_teasers

DEFAULT = frozenset(DEFAULT_FIELDS)
# Fields of up to this many tokens are scanned per word (`list.index`); longer
# ones get one position table for every word, built in a single pass.
_SCAN_TOKENS = 2_000
# First-occurrence search by `str.find` gives up after this many hits inside
# longer words ("a" in "cat") and falls back to the offset table.
_FIND_TRIES = 16
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_NONE: list[int] = []


def url_host(url: str) -> str:
    """The URL's host, lowercased, without a trailing dot ("" when none)."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".")



class Doc:
    """One article, tokenised once for every rule.

    Only the token lists and sets are built up front (the membership path);
    positions, offsets and evidence are built on first use, so an article
    whose matches nobody looks at never pays for them.
    """

    __slots__ = ("_all_default", "_bounds", "_evidence", "_firsts", "_heads", "_host", "_lower", "_pos",
                 "_spaced", "_texts", "_vocab", "article", "default", "prefix_hits", "sets", "vocab",
                 "word_evidence_cache", "words")
    words: dict[str, list[str]]  # field -> its tokens (`monitor.text.words`); every used field
    default: AbstractSet[str]  # tokens of the default fields (only the asked ones, with `asked`)
    vocab: AbstractSet[str]  # tokens of every used field: the index looks these up
    _all_default: set[str] | None  # every default-field token, when built (see `every_token`)

    def __init__(self, article: Article, fields: Iterable[str],
                 tokenised: Mapping[str, tuple[str, list[str]]] | None = None,
                 asked: frozenset[str] | None = None, finder: WordFinder | None = None):
        """`tokenised`: field -> (text, `words(text)`) another matcher made
        already (location matching); a field's token list is taken from it when
        its text is the one read here, instead of tokenising the field again.

        `asked`: every word the rules of one matcher ever look up in `default` or
        `vocab` (their words, phrases and NEARs); those two sets then hold only
        these words (`every_token` gives all tokens). The per-field `sets` are
        always complete.

        `finder`: a `WordFinder` of the asked words and the rules' prefixes (with
        `asked`, and no `tokenised`): `default`, `vocab` and the prefix hits are
        then found in the fields' spaced strings, and each token list is split
        only when first read."""
        self.article = article
        # field -> the text the rules read: `rules_text`, written out in each loop
        # below (a call, or a loop of its own, per field costs 0.4-1% of matching
        # an article at 100 rules)
        self._texts: dict[str, str] = {}
        # field -> `spaced_words` of its text, when tokenised here (prefix lookups)
        self._spaced: dict[str, str] = {}
        self.prefix_hits: tuple[set[str], set[str]] | None = None  # (default fields, all): see `finder`
        if finder is not None and asked is not None and not tokenised:
            self.words = _SplitOnUse(self._spaced)
            for name in fields:
                text = article.field_text(name)
                text = self._texts[name] = strip_teasers(text) if name == "body" else text
                self._spaced[name] = spaced_words(text)
            self._find(finder)
            self._init_rest()
            return
        self.words = {}
        for name in fields:
            text = article.field_text(name)
            text = self._texts[name] = strip_teasers(text) if name == "body" else text
            made = tokenised.get(name) if tokenised else None
            # Location matching also blanks page furniture: equal texts only.
            if made is not None and made[0] == text:
                self.words[name] = made[1]
            else:
                spaced = self._spaced[name] = spaced_words(text)
                self.words[name] = spaced.split()
        got = self.words
        default_lists = [got[f] for f in DEFAULT_FIELDS if f in got]
        other_lists = [got[f] for f in got if f not in DEFAULT]
        # Every default-field token, when built (see `every_token`).
        self._all_default: set[str] | None = None
        if asked is None:
            default = self._all_default = set(chain.from_iterable(default_lists))
            self.default = default
            self.vocab = default.union(*other_lists) if other_lists else default
        else:
            # Only the words some rule asks about: looking each token up in `asked`
            # is cheaper than inserting every token into a set of its own.
            self.default = asked.intersection(chain.from_iterable(default_lists))
            others = map(asked.intersection, other_lists)
            self.vocab = self.default.union(*others) if other_lists else self.default
        self._init_rest()

    def _find(self, finder: WordFinder) -> None:
        """`default`, `vocab` and `prefix_hits` by `finder`, from the spaced strings."""
        self._all_default = None
        spaced = self._spaced
        self.default, in_default = finder.find(self.spaced(True) + " ")
        others = [f for f in spaced if f not in DEFAULT]
        if not others:
            self.vocab, self.prefix_hits = self.default, (in_default, in_default)
            return
        words, prefixes = finder.find("".join([spaced[f] for f in others]) + " ")
        self.vocab = self.default | words
        self.prefix_hits = (in_default, in_default | prefixes)

    def _init_rest(self) -> None:
        # Per-field token sets are built on first use (most rules ask only about
        # the default fields, whose union is built here straight from the lists).
        self.sets: dict[str, set[str]] = _FieldSets(self.words)
        self._host: str | None = None
        self._pos: dict[str, dict[str, list[int]]] = {}
        self._vocab: dict[str, list[str]] = {}
        self._bounds: dict[str, list[int]] = {}
        self._lower: dict[str, str] = {}
        # Many rules share terms: each term's evidence is built once per article.
        self._evidence: dict[Node, tuple[Evidence, ...]] = {}
        self.word_evidence_cache: dict[str, tuple[Evidence, ...]] = {}
        self._firsts: dict[str, dict[str, int]] = {}
        self._heads: dict[tuple[str, int], dict[str, int]] = {}

    @property
    def host(self) -> str:
        """The URL's host (parsed on first use: only `site:` rules need it)."""
        host = self._host
        if host is None:
            host = self._host = url_host(self.article.url)
        return host

    def spaced(self, default_only: bool) -> str:
        """The used fields' tokens in one string, each token after a space (only the
        default fields' if told): `" " + prefix in it` finds a token with that prefix."""
        names = [f for f in self._texts if f in DEFAULT] if default_only else list(self._texts)
        spaced, got = self._spaced, self.words
        # A field whose tokens came ready-made (location matching) is joined here.
        return "".join([spaced[f] if f in spaced else " " + " ".join(got[f]) for f in names])

    def all_spaced(self) -> str:
        """`spaced` of every used field, as a callable (for prefix anchors)."""
        return self.spaced(False)

    def every_token(self, default_only: bool) -> Iterable[str]:
        """Every token of the used fields (default fields only if told), maybe with repeats."""
        used = self._texts  # (`words` may not have split every field yet)
        if self._all_default is not None and (default_only or DEFAULT.issuperset(used)):
            return self._all_default
        names = [f for f in used if f in DEFAULT] if default_only else list(used)
        return chain.from_iterable(map(self.words.__getitem__, names))

    def every_default_token(self) -> Iterable[str]:
        return self.every_token(True)

    def every_used_token(self) -> Iterable[str]:
        return self.every_token(False)

    def host_name(self) -> str:
        """`host`, as a callable (the index asks only when some rule has `site:`)."""
        return self.host

    # -- lookups ---------------------------------------------------------------

    def positions(self, field: str, word: str) -> list[int]:
        """Sorted positions of `word` in `field`.

        A short field is scanned per word (`list.index`, in C); a long one gets
        one position table for all its words in a single pass, since scanning
        170,000 tokens once per distinct query word is what made a 1 MB article slow.
        """
        table = self._pos.get(field)
        toks = self.words[field]
        if table is None:
            table = self._pos[field] = position_table(toks) if len(toks) > _SCAN_TOKENS else {}
            if len(toks) > _SCAN_TOKENS:
                return table.get(word, _NONE)
        elif len(toks) > _SCAN_TOKENS:
            return table.get(word, _NONE)
        found = table.get(word)
        if found is None:
            found = []
            if word in self.sets[field]:
                i = toks.index(word)
                try:
                    while True:
                        found.append(i)
                        i = toks.index(word, i + 1)
                except ValueError:
                    pass
            table[word] = found
        return found

    def first(self, field: str, word: str) -> int:
        """Position of the first `word` in `field` (the word must be present)."""
        firsts = self._firsts.get(field)
        if firsts is None:
            toks = self.words[field]
            # Built back to front, so each word keeps its earliest position.
            firsts = dict(zip(reversed(toks), range(len(toks) - 1, -1, -1), strict=True))
            self._firsts[field] = firsts
        return firsts[word]

    def _sorted_vocab(self, field: str) -> list[str]:
        vocab = self._vocab.get(field)
        if vocab is None:
            vocab = self._vocab[field] = sorted(self.sets[field])
        return vocab

    def with_prefix(self, field: str, prefix: str) -> list[str]:
        vocab = self._sorted_vocab(field)
        out = []
        for i in range(bisect_left(vocab, prefix), len(vocab)):
            if not vocab[i].startswith(prefix):
                break
            out.append(vocab[i])
        return out

    def prefix_first(self, field: str, prefix: str) -> int | None:
        """Position of the first token in `field` starting with `prefix`, or None."""
        size = len(prefix)
        key = (field, size)
        heads = self._heads.get(key)
        if heads is None:
            toks = self.words[field]
            # token head -> earliest position, built back to front in C
            cut = list(map(itemgetter(slice(size)), toks))
            heads = self._heads[key] = dict(zip(reversed(cut), range(len(cut) - 1, -1, -1), strict=True))
        return heads.get(prefix)

    def has_prefix(self, field: str, prefix: str) -> bool:
        return self.prefix_first(field, prefix) is not None

    def leaf_positions(self, leaf: Leaf, field: str) -> list[int]:
        """Sorted start positions of `leaf` in `field`."""
        if isinstance(leaf, Word):
            return self.positions(field, leaf.word) if leaf.word in self.sets[field] else []
        if isinstance(leaf, Prefix):
            found: list[int] = []
            for w in self.with_prefix(field, leaf.prefix):
                found.extend(self.positions(field, w))
            return sorted(found)
        return self.phrase_starts(field, leaf.words)

    def phrase_starts(self, field: str, phrase: tuple[str, ...]) -> list[int]:
        toks_set = self.sets[field]
        for w in phrase:
            if w not in toks_set:
                return []
        toks = self.words[field]
        size = len(phrase)
        want = list(phrase)
        k = 0
        if size > 1 and len(toks) > _SCAN_TOKENS:
            # Long field (position table built): start from the phrase's rarest word.
            k = min(range(size), key=lambda j: len(self.positions(field, phrase[j])))
        return [p - k for p in self.positions(field, phrase[k])
                if p >= k and toks[p - k : p - k + size] == want]

    def span(self, field: str, first: int, last: int) -> tuple[int, int, str]:
        """Character offsets (into the field text) of tokens first..last."""
        bounds = self._field_bounds(field)
        count = len(bounds) // 2
        if not count:
            return 0, 0, ""
        first = min(first, count - 1)
        last = min(max(last, first), count - 1)
        start, end = bounds[2 * first], bounds[2 * last + 1]
        return start, end, self.article.field_text(field)[start:end]

    def _field_bounds(self, field: str) -> list[int]:
        bounds = self._bounds.get(field)
        if bounds is None:
            # tokens known: no second fold
            bounds = self._bounds[field] = bounds_for_words(self._texts[field], self.words[field])
        return bounds

    def _word_span(self, field: str, word: str) -> tuple[int, int]:
        """Character offsets of the first `word` (present) in `field`."""
        text = self._texts[field]
        if text.isascii():
            # ASCII: lowering keeps offsets, and the first occurrence with no letter
            # or digit on either side is the first token (str.find runs in C).
            low = self._lower.get(field)
            if low is None:
                low = self._lower[field] = text.lower()
            size, last = len(word), len(low)
            at = low.find(word)
            for _ in range(_FIND_TRIES):
                if at < 0:
                    break
                end = at + size
                if (at == 0 or low[at - 1] not in _ALNUM) and (end == last or low[end] not in _ALNUM):
                    return at, end
                at = low.find(word, at + 1)
        bounds = self._field_bounds(field)
        k = 2 * self.first(field, word)
        if k + 1 < len(bounds):
            return bounds[k], bounds[k + 1]
        return 0, 0  # words/bounds disagree (exotic Unicode): degrade, never crash

    def word_evidence(self, word: str) -> tuple[Evidence, ...]:
        """Evidence of a default-field word: its first occurrence per field (cached by word)."""
        found = self.word_evidence_cache.get(word)
        if found is not None:
            return found
        out = []
        sets, used = self.sets, self._texts
        for field in DEFAULT_FIELDS:
            if field in used and word in sets[field]:
                start, end = self._word_span(field, word)
                out.append(Evidence("term", field, start, end, self.article.field_text(field)[start:end]))
        found = self.word_evidence_cache[word] = tuple(out)
        return found

    def prefix_evidence(self, prefix: str) -> tuple[Evidence, ...]:
        """Evidence of a default-field `prefix*`: first token with it per field (cached)."""
        key = prefix + "*"  # cannot collide with a word: words never contain `*`
        found = self.word_evidence_cache.get(key)
        if found is not None:
            return found
        out = []
        for field in DEFAULT_FIELDS:
            if field not in self._texts or not self.words[field]:
                continue
            first = self.prefix_first(field, prefix)
            if first is None:
                continue
            start, end, text = self.span(field, first, first)
            out.append(Evidence("prefix", field, start, end, text))
        found = self.word_evidence_cache[key] = tuple(out)
        return found

    def leaf_evidence(self, node: Node) -> tuple[Evidence, ...]:
        """Evidence of a term-like node (empty when it does not hold); cached."""
        found = self._evidence.get(node)
        if found is None:
            out: list[Evidence] = []
            term_evidence(node, self, out)
            found = self._evidence[node] = tuple(out)
        return found


def rules_text(article: Article, field: str) -> str:
    """The text of `field` that rules read: the body without its teaser lines
    (blanked, so every other character keeps its offset)."""
    text = article.field_text(field)
    return strip_teasers(text) if field == "body" else text


class _SplitOnUse(dict[str, list[str]]):
    """field -> its token list, split from its spaced string on first lookup.
    (Holds only the fields looked up so far: ask `Doc._texts` which are used.)"""

    def __init__(self, spaced: dict[str, str]):
        super().__init__()
        self._spaced = spaced

    def __missing__(self, field: str) -> list[str]:
        got = self[field] = self._spaced[field].split()
        return got


class _FieldSets(dict[str, set[str]]):
    """field -> its token set, built from the token list on first lookup."""

    def __init__(self, words: dict[str, list[str]]):
        super().__init__()
        self._words = words

    def __missing__(self, field: str) -> set[str]:
        got = self[field] = set(self._words[field])
        return got


def position_table(toks: list[str]) -> dict[str, list[int]]:
    """word -> its sorted positions, in one pass over the tokens."""
    table: dict[str, list[int]] = {}
    get = table.get
    for i, tok in enumerate(toks):
        found = get(tok)
        if found is None:
            table[tok] = [i]
        else:
            found.append(i)
    return table


def near_pair(doc: Doc, node: Near, field: str) -> tuple[int, int] | None:
    a = doc.leaf_positions(node.left, field)
    if not a:
        return None
    b = doc.leaf_positions(node.right, field)
    i = j = 0
    while i < len(a) and j < len(b):
        if abs(a[i] - b[j]) <= node.distance:
            return a[i], b[j]
        if a[i] < b[j]:
            i += 1
        else:
            j += 1
    return None


def site_holds(node: Site, doc: Doc) -> bool:
    """Is the article's URL host `node.host` or under it?"""
    return doc.host == node.host or doc.host.endswith("." + node.host)


def term_evidence(node: Node, doc: Doc, out: list[Evidence]) -> None:
    if isinstance(node, LEAVES):
        kind = "term" if isinstance(node, Word) else "prefix" if isinstance(node, Prefix) else "phrase"
        for field in node.fields:
            if isinstance(node, Word):
                if node.word not in doc.sets[field]:
                    continue
                first = doc.first(field, node.word)
                last = first
            elif isinstance(node, Prefix):
                found_at = doc.prefix_first(field, node.prefix)
                if found_at is None:
                    continue
                first = last = found_at
            else:
                found = doc.leaf_positions(node, field)
                if not found:
                    continue
                first = found[0]
                last = first + (len(node.words) - 1 if isinstance(node, Phrase) else 0)
            start, end, text = doc.span(field, first, last)
            out.append(Evidence(kind, field, start, end, text))
    elif isinstance(node, Near):
        for field in node.fields:
            pair = near_pair(doc, node, field)
            if pair is None:
                continue
            a, b = pair
            a_end = a + (len(node.left.words) - 1 if isinstance(node.left, Phrase) else 0)
            b_end = b + (len(node.right.words) - 1 if isinstance(node.right, Phrase) else 0)
            start, end, text = doc.span(field, min(a, b), max(a_end, b_end))
            out.append(Evidence("near", field, start, end, text, {"distance": abs(a - b)}))
    elif isinstance(node, Site) and site_holds(node, doc):
        url = doc.article.url
        start = url.lower().find(doc.host) if doc.host else -1
        if start < 0:
            out.append(Evidence("site", "url", 0, len(url), url))
        else:
            end = start + len(doc.host)
            out.append(Evidence("site", "url", start, end, url[start:end]))
