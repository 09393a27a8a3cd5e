"""The folder source: finished files in seed folders -> `RawItem`s for the pipeline.

`FolderWatcher` (folders.py) says when a file is ready; this reads it, decides from
its remembered stamp (size, mtime, content hash in `source_state`) whether it is new,
changed or unchanged, and hands changed files over again under the same key. Bad
files (binary, empty, a directory named like an article, a link out of the folder)
are warned about once and remembered, so an unchanged bad file is quiet at the next
start while a fixed one is read again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from monitor.settings.folders import FolderConfig
from monitor.sources.base import Sink
from monitor.sources.files import SkipFile, load_file, parse_items, shown
from monitor.sources.folders import FolderWatcher, file_key
from monitor.store.base import SourceStateStore

log = logging.getLogger("monitor.folders")

STATE_PREFIX = "file:"
Verdict = Literal["new", "changed", "unchanged", "still-skipped"]


def state_key(folder: FolderConfig, key: str) -> str:
    return f"{STATE_PREFIX}{folder.source_name}:{key}"


@dataclass(frozen=True, slots=True)
class Stamp:
    size: int
    mtime_ns: int
    digest: str = ""  # sha256 of the bytes; "" when only stat() was taken


def judge(stamp: Stamp, remembered: Mapping[str, Any] | None) -> Verdict:
    """Pure: is the file new, changed or the same as what was handed over (or skipped)?

    Same size and mtime: unchanged without reading it. Otherwise the content hash
    decides (a `touch`ed or copied-back file is not news), once `stamp.digest` is known.
    """
    if not remembered:
        return "new"
    same_stat = remembered.get("size") == stamp.size and remembered.get("mtime_ns") == stamp.mtime_ns
    same_bytes = bool(stamp.digest) and remembered.get("digest") == stamp.digest
    if same_stat or same_bytes:
        return "still-skipped" if remembered.get("skipped") else "unchanged"
    return "changed"


def link_target(folder: FolderConfig, path: Path) -> Path:
    """The file to read for `path` under the folder's `follow_symlinks` policy, or SkipFile."""
    try:
        if not (path.is_symlink() or any(p.is_symlink() for p in _parents_inside(folder, path))):
            return path
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # ELOOP, a dangling link
        why = "a symbolic link loop" if "loop" in str(exc).lower() else "a broken symbolic link"
        raise SkipFile(f"{why}; remove or fix the link") from None
    policy = folder.follow_symlinks
    if policy == "never":
        raise SkipFile(f'a symbolic link (to {shown(target)}), and follow_symlinks = "never" '
                       "for this folder")
    if policy == "inside" and not target.is_relative_to(folder.path.resolve()):
        raise SkipFile(f"a symbolic link to {shown(target)}, outside the folder: not followed "
                       '(set follow_symlinks = "any" for this folder to allow it)')
    return target


def _parents_inside(folder: FolderConfig, path: Path) -> Iterable[Path]:
    for parent in path.parents:
        if parent == folder.path or folder.path not in parent.parents:
            return
        yield parent


class FolderSource:
    """Seed folders as a `monitor.sources.base.Source`."""

    def __init__(self, folders: Sequence[FolderConfig], state: SourceStateStore, sink: Sink):
        self.folders = list(folders)
        self._state = state
        self._sink = sink
        self._lock = threading.Lock()  # watchdog, settle and start-up scan threads read files
        self._watcher = FolderWatcher(self.folders, self.handle)
        self._scan_thread: threading.Thread | None = None
        self._closed = threading.Event()

    # -- Source
    def is_watching(self) -> bool:
        """True while watchdog's observer thread runs (readiness)."""
        return self._watcher.is_running()

    def run_once(self) -> None:
        self._scan(settle_recent=False)

    def _scan(self, settle_recent: bool) -> None:
        """Every file already there. With `settle_recent` (a running daemon), a file written
        within its folder's settle time may still be being written: it settles first."""
        for folder in self.folders:
            remembered = self._state.all(f"{STATE_PREFIX}{folder.source_name}:")
            recent = time.time() - folder.settle.total_seconds()
            for path in self._watcher.scan_folder(folder):
                if self._closed.is_set():
                    return  # stopping: the rest is found again at the next start
                if settle_recent and _mtime(path) > recent:
                    self._watcher.changed(folder, path)
                else:
                    self.handle(folder, path, remembered)

    def start(self, scheduler: Any = None) -> None:
        # Watch first, then scan: a file dropped in between is seen twice, never missed.
        # The scan runs in its own thread: a big backlog must not hold up start-up.
        self._watcher.start()
        self._scan_thread = threading.Thread(target=self._scan_logged, name="folder-scan", daemon=True)
        self._scan_thread.start()

    def close(self) -> None:
        self._closed.set()
        self._watcher.stop()
        if self._scan_thread is not None:
            self._scan_thread.join(timeout=10)

    def _scan_logged(self) -> None:
        try:
            self._scan(settle_recent=True)
        except Exception:
            log.exception("scanning the seed folders failed; files are read as they change")

    # -- one file (any of the threads above)
    def handle(self, folder: FolderConfig, path: Path,
               remembered: Mapping[str, dict[str, Any]] | None = None) -> None:
        try:
            with self._lock:
                self._handle(folder, path, remembered)
        except Exception:  # the state store failing: this runs in watchdog's thread, keep it alive
            log.exception("could not handle %s; it is read again at the next start", shown(path))

    def _handle(self, folder: FolderConfig, path: Path,
                remembered: Mapping[str, dict[str, Any]] | None) -> None:
        key = file_key(folder, path)
        skey = state_key(folder, key)
        before = remembered.get(skey) if remembered is not None else self._state.get(skey)
        try:
            self._read(folder, path, key, skey, before)
        except SkipFile as skip:
            self._skipped(path, skey, skip.reason, before)

    def _read(self, folder: FolderConfig, path: Path, key: str, skey: str,
              before: dict[str, Any] | None) -> None:
        target = link_target(folder, path)
        try:
            st = target.stat()
        except OSError as exc:
            raise SkipFile(f"cannot read: {exc.strerror}") from None
        if judge(Stamp(st.st_size, st.st_mtime_ns), before) in ("unchanged", "still-skipped"):
            log.debug("unchanged since last read: %s", shown(path))
            return
        loaded = load_file(target, folder.max_bytes)
        stamp = Stamp(loaded.size, loaded.mtime_ns, loaded.digest)
        verdict = judge(stamp, before)
        if verdict in ("unchanged", "still-skipped"):  # same bytes, new mtime: remember the new stamp
            self._state.put(skey, {**(before or {}), "size": stamp.size, "mtime_ns": stamp.mtime_ns})
            return
        try:
            items = parse_items(path, loaded, folder.source_name, key=key, tags=folder.tags)
        except SkipFile:
            raise
        except Exception as exc:  # a parser bug must not give a traceback at every start
            log.debug("parsing %s failed", shown(path), exc_info=True)
            raise SkipFile(f"could not be read ({type(exc).__name__}: {str(exc)[:200]})") from None
        if shown(path) != str(path):
            log.warning("file name of %s is not valid UTF-8; read it under that escaped name",
                        shown(path))
        if verdict == "changed":
            log.info("file changed since it was read: %s; handing it over again", shown(path))
        self._sink(items, True, lambda ok: self._remember(skey, stamp) if ok else None)

    def _remember(self, skey: str, stamp: Stamp, skipped: str = "") -> None:
        value: dict[str, Any] = {"size": stamp.size, "mtime_ns": stamp.mtime_ns, "digest": stamp.digest}
        if skipped:
            value["skipped"] = skipped
        self._state.put(skey, value)

    def _skipped(self, path: Path, skey: str, reason: str, before: dict[str, Any] | None) -> None:
        stamp = _lstamp(path)
        if (before and before.get("skipped") == reason and stamp is not None
                and judge(stamp, before) != "changed"):
            return  # told once already
        log.warning("skipped file %s: %s", shown(path), reason)
        if stamp is not None:
            self._remember(skey, stamp, reason)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _lstamp(path: Path) -> Stamp | None:
    """The stamp of a skipped file: its target's, or the link's own if it cannot be followed."""
    for stat in (os.stat, os.lstat):
        try:
            st = stat(path)
        except OSError:
            continue
        return Stamp(st.st_size, st.st_mtime_ns)
    return None
