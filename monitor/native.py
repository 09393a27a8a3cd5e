"""Which build of the place matcher's hot modules runs: compiled or pure Python.

setup.py compiles MODULES with mypyc when it can and writes a manifest
(`_native.json`: each source's sha256 at build time) beside them. A compiled
module shadows its `.py`, and compiled modules call each other directly, so
one edited source would leave stale compiled code running. So it is all or
nothing: unless every source still matches the manifest (and NEWSMON_PURE is
unset), a finder placed first on `sys.meta_path` loads all of them from their
`.py` files. The decision is a pure function (`decide`); `install` is the
edge that reads the files, and runs once, when `monitor` is imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent
MANIFEST = PACKAGE_DIR / "_native.json"
# What setup.py compiles (paths from the project root; setup.py reads this list).
SOURCES = (
    "monitor/text.py",
    "monitor/geo/tokens.py",
    "monitor/geo/mention.py",
    "monitor/geo/lists.py",
    "monitor/geo/surfaces.py",
    "monitor/geo/cues.py",
    "monitor/geo/context.py",
    "monitor/geo/qualifiers.py",
    "monitor/geo/namesakes.py",
    "monitor/geo/evidence.py",
    "monitor/geo/mentions.py",
    "monitor/geo/resolve.py",
    "monitor/geo/rolls.py",
    "monitor/geo/areas.py",
    "monitor/geo/gazetteer.py",
    "monitor/geo/rulebook.py",
    "monitor/match/places.py",
)
MODULES = {path[: -len(".py")].replace("/", "."): path for path in SOURCES}


@dataclass(frozen=True)
class NativeState:
    compiled: bool
    reason: str

    def describe(self) -> str:
        """`compiled (why)` or `pure Python (why)`: what --version, the log and bench say."""
        return f"{'compiled' if self.compiled else 'pure Python'} ({self.reason})"


def decide(manifest: Mapping[str, str] | None, current: Mapping[str, str | None],
           pure_asked: bool) -> NativeState:
    """Whether the compiled modules may run, from the build's manifest (None: no
    build), the sources' hashes now (None: missing) and NEWSMON_PURE."""
    if pure_asked:
        return NativeState(False, "NEWSMON_PURE is set")
    if manifest is None:
        return NativeState(False, "not compiled at install (no C compiler, mypyc failed, "
                                  "or NEWSMON_PURE was set); pure Python works the same, only slower")
    if set(manifest) != set(SOURCES):
        return NativeState(False, "compiled for another version's module list; reinstall to compile again")
    changed = [path for path in SOURCES if current.get(path) != manifest[path]]
    if changed:
        return NativeState(False, f"{changed[0]} changed since it was compiled "
                                  f"({len(changed)} of {len(SOURCES)}); reinstall "
                                  "(pip install -e .) to compile again")
    return NativeState(True, f"{len(SOURCES)} modules compiled with mypyc")


class _PureFinder:
    """Finds MODULES as their `.py` sources, ahead of any compiled module."""

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        rel = MODULES.get(name)
        if rel is None:
            return None
        return importlib.util.spec_from_file_location(name, PACKAGE_DIR.parent / rel)


_state: NativeState | None = None


def _read_manifest() -> dict[str, str] | None:
    try:
        data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _hash(rel: str) -> str | None:
    try:
        return hashlib.sha256((PACKAGE_DIR.parent / rel).read_bytes()).hexdigest()
    except OSError:
        return None


def install() -> NativeState:
    """Decide once per process; without a go-ahead, load every module pure."""
    global _state
    if _state is None:
        pure = bool(os.environ.get("NEWSMON_PURE"))
        manifest = None if pure else _read_manifest()
        current = {rel: _hash(rel) for rel in SOURCES} if manifest is not None else {}
        _state = decide(manifest, current, pure)
        if not _state.compiled:
            sys.meta_path.insert(0, _PureFinder())
    return _state


def state() -> NativeState:
    """What runs, checked against the modules actually loaded."""
    chosen = install()
    if chosen.compiled:
        import monitor.geo.resolve as probe

        if (probe.__file__ or "").endswith(".py"):  # manifest without its modules
            return NativeState(False, "the manifest is there but the compiled modules are not; reinstall")
    return chosen
