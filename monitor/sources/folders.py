"""Seed folders: watch with watchdog, settle half-written files, scan on start-up.

A file is ready when it is renamed into the folder or closed after writing
(no settling delay: this is the fast path), or, for writers we cannot see
close, once its size and mtime have not changed for `settle`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from monitor.settings.folders import FolderConfig
from monitor.sources.files import SUPPORTED, shown

log = logging.getLogger(__name__)

# Editors' and downloaders' temporary names: never articles.
_TEMP_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp", ".swx", "~")


def is_candidate(path: Path) -> bool:
    name = path.name
    return not (name.startswith(".") or name.endswith(_TEMP_SUFFIXES))


def file_key(folder: FolderConfig, path: Path) -> str:
    """A file's identity in its folder: its path relative to the folder (a name that is
    not UTF-8 with \\xNN escapes, so it can be stored and logged)."""
    try:
        return shown(path.relative_to(folder.path).as_posix())
    except ValueError:
        return shown(path.name)


@dataclass
class _Pending:
    folder: FolderConfig
    size: int
    mtime: float
    since: float  # monotonic time of the last observed change


OnReady = Callable[[FolderConfig, Path], None]


class FolderWatcher:
    """Calls `on_ready(folder, path)` once per finished file (from watchdog/settle threads)."""

    def __init__(self, folders: Sequence[FolderConfig], on_ready: OnReady,
                 monotonic: Callable[[], float] = time.monotonic):
        self.folders = list(folders)
        self._on_ready = on_ready
        self._monotonic = monotonic
        self._pending: dict[Path, _Pending] = {}
        self._lock = threading.Lock()
        self._observer: Observer | None = None  # type: ignore[valid-type]
        self._stop = threading.Event()
        self._settler: threading.Thread | None = None

    def scan(self) -> Iterator[tuple[FolderConfig, Path]]:
        """Every file already in the folders (start-up; files dropped while down)."""
        for folder in self.folders:
            for path in self.scan_folder(folder):
                yield folder, path

    def scan_folder(self, folder: FolderConfig) -> Iterator[Path]:
        if not folder.path.is_dir():
            log.warning("folder %s does not exist or is not a directory; create it or fix "
                        "[[folders]] path", folder.path)
            return
        entries = folder.path.rglob("*") if folder.recursive else folder.path.iterdir()
        for path in sorted(entries):
            if is_candidate(path) and not (folder.recursive and path.is_dir() and not path.is_symlink()):
                yield path

    def start(self) -> None:
        observer = Observer()
        for folder in self.folders:
            if folder.path.is_dir():
                observer.schedule(_Handler(self, folder), str(folder.path), recursive=folder.recursive)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._settler = threading.Thread(target=self._settle_loop, name="settle", daemon=True)
        self._settler.start()

    def is_running(self) -> bool:
        return self._observer is not None and self._observer.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._settler is not None:
            self._settler.join(timeout=5)

    # -- events (watchdog thread) -------------------------------------
    def ready(self, folder: FolderConfig, path: Path) -> None:
        with self._lock:
            self._pending.pop(path, None)
        self._on_ready(folder, path)

    def changed(self, folder: FolderConfig, path: Path) -> None:
        try:
            st = path.stat()
        except OSError:
            with self._lock:
                self._pending.pop(path, None)
            if path.is_symlink():  # a link loop or a dangling link: the reader warns about it
                self._on_ready(folder, path)
            return
        with self._lock:
            self._pending[path] = _Pending(folder, st.st_size, st.st_mtime, self._monotonic())

    def _settle_loop(self) -> None:
        # Look often enough that "size stable over the whole settle window" is seen at
        # several points of the window, not judged from one look at its end.
        shortest = min((f.settle.total_seconds() for f in self.folders), default=1.0)
        while not self._stop.wait(min(0.2, max(0.02, shortest / 5))):
            self.settle_once()

    def settle_once(self) -> None:
        """Hand over files whose size and mtime held still for `settle`."""
        now = self._monotonic()
        due: list[tuple[FolderConfig, Path]] = []
        with self._lock:
            for path, p in list(self._pending.items()):
                try:
                    st = path.stat()
                except OSError:
                    del self._pending[path]
                    continue
                if (st.st_size, st.st_mtime) != (p.size, p.mtime):
                    p.size, p.mtime, p.since = st.st_size, st.st_mtime, now
                elif now - p.since >= p.folder.settle.total_seconds():
                    del self._pending[path]
                    due.append((p.folder, path))
        for folder, path in due:
            self._on_ready(folder, path)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher, folder: FolderConfig):
        self.watcher = watcher
        self.folder = folder

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            self._directory(event)
            return
        if isinstance(event, FileMovedEvent):
            path = Path(_str(event.dest_path))
            if is_candidate(path) and _inside(self.folder, path):
                self.watcher.ready(self.folder, path)
            return
        path = Path(_str(event.src_path))
        if not is_candidate(path):
            return
        if isinstance(event, FileClosedEvent):
            self.watcher.ready(self.folder, path)
        elif isinstance(event, FileCreatedEvent | FileModifiedEvent):
            self.watcher.changed(self.folder, path)

    def _directory(self, event: FileSystemEvent) -> None:
        """A directory named like an article (`x.txt`) gets its warning while running too."""
        if self.folder.recursive or not isinstance(event, DirCreatedEvent | DirMovedEvent):
            return
        path = Path(_str(event.dest_path if isinstance(event, DirMovedEvent) else event.src_path))
        if path.parent == self.folder.path and is_candidate(path) and path.suffix.lower() in SUPPORTED:
            self.watcher.ready(self.folder, path)


def _inside(folder: FolderConfig, path: Path) -> bool:
    parent = path.parent
    return parent == folder.path or (folder.recursive and folder.path in parent.parents)


def _str(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
