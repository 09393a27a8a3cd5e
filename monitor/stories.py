"""Stories: near-duplicate articles across sources grouped into one story (issue #12).

The dedupe stage after "seen?": an article's text (title + body, teaser lines such
as "ALSO READ ..." removed) becomes a MinHash signature over word 3-shingles; a
locality-sensitive index finds recent articles that may be near-duplicates, and
`decide_story` (pure) picks the story to join by estimated Jaccard similarity.

Signatures are computed with numpy on the UTF-8 bytes of the lower-cased text (a
word is a run of ASCII letters/digits or non-ASCII bytes), so no per-word Python
work: about 10,000 articles/s on one core (bench/dedupe.py).

`StoryIndex` is the in-memory side, bounded by `max_articles` and the window; the
store keeps the same entries (`story_index`), so a restart reloads them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from monitor.article import Article
from monitor.identity import Identity
from monitor.settings.stories import StoriesConfig
from monitor.text import strip_teasers

Signature = npt.NDArray[np.uint32]
PERMUTATIONS = 64  # 64 x 32-bit minima: 256 bytes per article
BAND_ROWS = 3  # 21 bands of 3: a pair at similarity 0.5 is a candidate with p = 0.94
BANDS = PERMUTATIONS // BAND_ROWS
# Shorter texts (headlines, one-line items, templated notices) are not grouped: a single
# different word changes most of their shingles, and the estimate is too coarse for them.
MIN_WORDS = 20
MAX_BYTES = 100_000  # only the first 100 kB of a very long text is signed
SIGNATURE_BYTES = PERMUTATIONS * 4

# Fixed seeds: signatures are stored, so they must be the same in every process.
_rng = np.random.default_rng(20260503)
_MUL_A = _rng.integers(1, 2**63, size=PERMUTATIONS, dtype=np.uint64) | np.uint64(1)
_ADD_B = _rng.integers(0, 2**63, size=PERMUTATIONS, dtype=np.uint64)
_BASE = np.uint64(0x100000001B3)  # odd, so it has an inverse modulo 2**64
_POW = np.cumprod(np.concatenate(([np.uint64(1)], np.full(MAX_BYTES, _BASE, np.uint64))), dtype=np.uint64)
_INV = np.cumprod(np.concatenate(([np.uint64(1)], np.full(MAX_BYTES, np.uint64(pow(int(_BASE), -1, 2**64)),
                                                           np.uint64))), dtype=np.uint64)
_WORD_BYTE = np.zeros(256, np.int8)
_WORD_BYTE[list(b"abcdefghijklmnopqrstuvwxyz0123456789")] = 1
_WORD_BYTE[128:] = 1  # UTF-8 bytes of non-ASCII letters
_MIX1, _MIX2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
_SHIFT_32, _SHIFT_29 = np.uint64(32), np.uint64(29)


def _may_have_teasers(low: str) -> bool:
    # A cheap substring test before the line-by-line pass of `strip_teasers` (an `or`
    # chain: a third of the cost of `any()` over a tuple on the bench).
    return ("also read" in low or "read more" in low or "read also" in low or "read next" in low
            or "related" in low or "see also" in low or "recommended" in low or "most read" in low
            or "more on this" in low or "you may also" in low or "you might also" in low)


def story_text(title: str, body: str) -> str:
    """What two copies of one story share: the headline and the body without teaser lines,
    lower-cased (the form `signature` reads)."""
    low = f"{title}\n{body}".lower()
    if _may_have_teasers(low):
        low = strip_teasers(low, furniture=True)
    return low


def signature(text: str) -> Signature | None:
    """MinHash of the word 3-shingles of lower-cased `text` (see `story_text`), or None
    when it has under MIN_WORDS words. Upper-case ASCII letters are not word bytes."""
    data = np.frombuffer(text.encode("utf-8", "ignore")[:MAX_BYTES], np.uint8)
    in_word = np.zeros(len(data) + 2, np.int8)
    in_word[1:-1] = _WORD_BYTE[data]
    edges = np.flatnonzero(in_word[1:] != in_word[:-1])  # alternately word starts and ends
    starts, ends = edges[0::2], edges[1::2]
    if len(starts) < MIN_WORDS:
        return None
    # Each word's polynomial hash from prefix sums: (C[end] - C[start]) / BASE**start.
    prefix = np.zeros(len(data) + 1, np.uint64)
    np.cumsum(data * _POW[: len(data)], out=prefix[1:])
    word = (prefix[ends] - prefix[starts]) * _INV[starts]
    middle = word[1:-1]
    shingle = word[:-2] * _MIX1 + (middle ^ (middle >> _SHIFT_29)) * _MIX2 + word[2:]
    hashed = (shingle[:, None] * _MUL_A + _ADD_B) >> _SHIFT_32
    minima: Signature = hashed.min(axis=0).astype(np.uint32)
    return minima


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two shingle sets (standard error <= 0.0625)."""
    return float(np.count_nonzero(a == b)) / PERMUTATIONS


def to_bytes(sig: Signature) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(raw: bytes) -> Signature | None:
    if len(raw) != SIGNATURE_BYTES:
        return None  # written by another signature size: ignored, the entry expires
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


_BAND_TAGS = np.arange(BANDS, dtype=np.uint64) << np.uint64(58)
_KEY_MASK = np.uint64((1 << 58) - 1)


def band_keys(sig: Signature) -> list[int]:
    """One LSH key per band of BAND_ROWS values; the band number is in the key's top bits,
    so one dict serves every band."""
    rows = sig[: BANDS * BAND_ROWS].astype(np.uint64).reshape(BANDS, BAND_ROWS)
    keys = ((rows[:, 0] * _MIX1) ^ (rows[:, 1] * _MIX2) ^ rows[:, 2]) & _KEY_MASK
    out: list[int] = (keys | _BAND_TAGS).tolist()
    return out


@dataclass(frozen=True, slots=True)
class StoryEntry:
    article_id: str
    story_id: str
    story_at: datetime  # when its story began
    signature: Signature


@dataclass(frozen=True, slots=True)
class Candidate:
    article_id: str
    story_id: str
    similarity: float
    story_at: datetime


StoryReason = Literal["new-story", "near-duplicate", "too-short", "update", "copy", "disabled", "no-match"]


@dataclass(frozen=True, slots=True)
class StoryDecision:
    story_id: str
    reason: StoryReason
    joined: str | None = None  # the article it was found to duplicate
    similarity: float = 0.0
    story_at: datetime | None = None  # when the joined story began; None: a new one (now)

    @property
    def is_new(self) -> bool:
        return self.joined is None


def decide_story(article_id: str, sig: Signature | None, candidates: Sequence[Candidate],
                 threshold: float, open_since: datetime) -> StoryDecision:
    """Join the story of the most similar candidate at or above `threshold`, else start one.

    Only stories begun at or after `open_since` (now - window) take members: a story
    cannot chain on for ever (the same briefing text every day is a new story each window).
    """
    if sig is None:
        return StoryDecision(article_id, "too-short")
    best = max((c for c in candidates if c.article_id != article_id and c.story_at >= open_since),
               key=lambda c: c.similarity, default=None)
    if best is None or best.similarity < threshold:
        return StoryDecision(article_id, "new-story", similarity=best.similarity if best else 0.0)
    return StoryDecision(best.story_id, "near-duplicate", best.article_id, best.similarity, best.story_at)


class StoryIndex:
    """Recent signatures behind an LSH table, oldest dropped first.

    Memory is bounded by `max_articles` (about 2.5 kB each: the signature, its
    21 band keys in the bucket dict, the entry), and entries of stories begun
    before the window are dropped by `expire`.
    """

    def __init__(self, max_articles: int):
        self.max_articles = max_articles
        self._entries: OrderedDict[str, StoryEntry] = OrderedDict()
        self._buckets: dict[int, str | list[str]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def load(self, entries: Iterable[StoryEntry]) -> None:
        for entry in sorted(entries, key=lambda e: e.story_at):
            self.add(entry)

    def add(self, entry: StoryEntry, keys: list[int] | None = None) -> None:
        """Index `entry` (`keys`: its `band_keys`, if already computed)."""
        if entry.article_id in self._entries:
            self.remove(entry.article_id)  # an updated article: its new text replaces the old
        self._entries[entry.article_id] = entry
        for key in keys or band_keys(entry.signature):
            have = self._buckets.get(key)
            if have is None:
                self._buckets[key] = entry.article_id
            elif isinstance(have, list):
                have.append(entry.article_id)
            else:
                self._buckets[key] = [have, entry.article_id]
        while len(self._entries) > self.max_articles:
            self.remove(next(iter(self._entries)))

    def remove(self, article_id: str) -> None:
        entry = self._entries.pop(article_id, None)
        if entry is None:
            return
        for key in band_keys(entry.signature):
            have = self._buckets.get(key)
            if have == article_id:
                del self._buckets[key]
            elif isinstance(have, list):
                if article_id in have:
                    have.remove(article_id)
                if len(have) == 1:
                    self._buckets[key] = have[0]

    def expire(self, before: datetime) -> int:
        """Drop entries of stories begun before `before`: they take no more members."""
        old = [a for a, e in self._entries.items() if e.story_at < before]
        for article_id in old:
            self.remove(article_id)
        return len(old)

    def get(self, article_id: str) -> StoryEntry | None:
        return self._entries.get(article_id)

    def candidates(self, sig: Signature, keys: list[int] | None = None) -> list[Candidate]:
        """Entries sharing at least one band with `sig`, with their estimated similarity."""
        found: dict[str, None] = {}
        for key in keys or band_keys(sig):
            have = self._buckets.get(key)
            if have is None:
                continue
            for article_id in [have] if isinstance(have, str) else have:
                found[article_id] = None
        out = []
        for article_id in found:
            entry = self._entries[article_id]
            out.append(Candidate(article_id, entry.story_id, similarity(sig, entry.signature),
                                 entry.story_at))
        return out


class StoryStore(Protocol):
    def story_entries(self, since: datetime, limit: int) -> list[tuple[str, str, datetime, bytes]]: ...
    def story_entries_added(self, since: datetime, limit: int) -> list[tuple[str, str, datetime, bytes]]: ...
    def expire_stories(self, before: datetime) -> int: ...


class StoryStage:
    """The pipeline's story step: the index, loaded from the store at start and kept in step
    with it (entries are written by `Store.record` in the article's transaction)."""

    EXPIRE_EVERY = timedelta(minutes=10)
    # Shared database: entries other instances wrote are read again this far back, so one
    # committed a little late, or stamped by a clock a little behind ours, is not skipped.
    SYNC_OVERLAP = timedelta(seconds=5)

    def __init__(self, config: StoriesConfig, store: StoryStore, now: datetime, shared: bool = False):
        self.config = config
        self.index = StoryIndex(config.max_articles)
        self._store = store
        self._expired_at = now
        self._shared = shared
        self._synced_at = now
        if config.enabled:
            self._load(now)

    def _load(self, now: datetime) -> None:
        rows = self._store.story_entries(now - self.config.window, self.config.max_articles)
        self._index_rows(rows)
        self._synced_at = now

    def _index_rows(self, rows: Iterable[tuple[str, str, datetime, bytes]]) -> None:
        self.index.load(StoryEntry(a, s, at, sig) for a, s, at, raw in rows
                        if (sig := from_bytes(raw)) is not None)

    def _sync(self, now: datetime) -> None:
        """Several instances on one database: index what the others added since we last looked
        (before deciding, so a copy another instance already alerted on joins its story)."""
        if not self._shared:
            return
        rows = self._store.story_entries_added(self._synced_at - self.SYNC_OVERLAP, self.config.max_articles)
        self._synced_at = now
        index = self.index
        self._index_rows(r for r in rows if (e := index.get(r[0])) is None or e.story_id != r[1])

    def configure(self, config: StoriesConfig, now: datetime) -> None:
        """A reloaded config: a new bound applies at once; stories switched on load their index."""
        was_enabled, self.config = self.config.enabled, config
        self.index.max_articles = config.max_articles
        if config.enabled and not was_enabled:
            self._load(now)

    def place(self, article: Article, identity: Identity, now: datetime,
              matched: bool = True) -> tuple[StoryDecision, Signature | None]:
        """The story `article` belongs to, and its signature (None if not indexed).

        Only articles that matched a rule are looked up and indexed: one no rule wants
        has alerted nothing, so a copy of it has no alert to be spared (and the index
        stays small). It is its own story (or stays in its story, if an update).
        """
        self._expire(now)
        known = identity.known if identity.action == "update" else None
        own = known.story_id or known.id if known else article.id
        if not self.config.enabled:
            return StoryDecision(own, "disabled"), None
        if not matched:
            return StoryDecision(own, "no-match"), None
        self._sync(now)
        sig = signature(story_text(article.title, article.body or article.summary))
        if known is not None:  # an edit stays in its story, whatever its new text
            entry = self.index.get(known.id)
            if entry is None:  # its story is closed: the new text is not indexed
                return StoryDecision(known.story_id or known.id, "update"), None
            return StoryDecision(entry.story_id, "update", story_at=entry.story_at), sig
        found = self.index.candidates(sig) if sig is not None else []
        return decide_story(article.id, sig, found, self.config.threshold, now - self.config.window), sig

    def added(self, article_id: str, story: StoryDecision, sig: Signature | None, now: datetime) -> None:
        """After the store committed the article: index it for the next ones."""
        if sig is not None and self.config.enabled:
            self.index.add(StoryEntry(article_id, story.story_id, story.story_at or now, sig))

    def _expire(self, now: datetime) -> None:
        if now - self._expired_at < self.EXPIRE_EVERY:
            return
        self._expired_at = now
        cutoff = now - self.config.window
        self.index.expire(cutoff)
        self._store.expire_stories(cutoff)
