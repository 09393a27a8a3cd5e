"""Real watchdog events on a temp folder: rename, close, slow writers, start-up scan."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from monitor.settings.folders import FolderConfig
from monitor.sources.files import read_article_file
from monitor.sources.folders import FolderWatcher


class Collector:
    def __init__(self) -> None:
        self.seen: list[tuple[Path, str]] = []
        self.cond = threading.Condition()

    def __call__(self, folder: FolderConfig, path: Path) -> None:
        # Read at once, as the pipeline does: a half-written file would show here.
        text = path.read_text() if path.exists() else ""
        with self.cond:
            self.seen.append((path, text))
            self.cond.notify_all()

    def wait(self, n: int, timeout: float = 10) -> list[tuple[Path, str]]:
        with self.cond:
            self.cond.wait_for(lambda: len(self.seen) >= n, timeout)
            return list(self.seen)


def _watch(tmp_path: Path, settle: str = "0.5s") -> tuple[FolderWatcher, Collector, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    got = Collector()
    watcher = FolderWatcher([FolderConfig(path=folder, settle=settle)], got)  # type: ignore[arg-type]
    watcher.start()
    return watcher, got, folder


def test_rename_into_folder_is_ready_at_once_and_temp_names_are_ignored(tmp_path: Path) -> None:
    watcher, got, folder = _watch(tmp_path, settle="30s")
    try:
        tmp = folder / ".draft.tmp"
        tmp.write_text("Title\n\nBody\n")
        t0 = time.monotonic()
        os.rename(tmp, folder / "a.txt")
        seen = got.wait(1)
        assert [p.name for p, _ in seen] == ["a.txt"]
        assert time.monotonic() - t0 < 2  # no 30 s settle: a rename is final
    finally:
        watcher.stop()


def test_file_written_slowly_in_chunks_is_read_once_whole(tmp_path: Path) -> None:
    watcher, got, folder = _watch(tmp_path)
    try:
        chunks = ["Slow title\n\n"] + [f"paragraph {i} of a slow writer.\n" for i in range(8)]
        with open(folder / "slow.txt", "w") as fh:
            for chunk in chunks:
                fh.write(chunk)
                fh.flush()
                time.sleep(0.15)
        seen = got.wait(1)
        time.sleep(1.0)  # anything read twice would show up by now
        seen = got.seen
        assert len(seen) == 1
        assert seen[0][1] == "".join(chunks)
    finally:
        watcher.stop()


def test_settle_catches_writers_without_close_events(tmp_path: Path) -> None:
    # A file that appears through a hard link has no close-after-write event.
    watcher, got, folder = _watch(tmp_path, settle="0.3s")
    try:
        outside = tmp_path / "outside.txt"
        outside.write_text("Linked title\n\nBody\n")
        os.link(outside, folder / "linked.txt")
        seen = got.wait(1, timeout=5)
        assert [p.name for p, _ in seen] == ["linked.txt"]
    finally:
        watcher.stop()


def test_scan_lists_existing_files_but_not_hidden_ones(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("A\n\nx")
    (folder / ".hidden.txt").write_text("H\n\nx")
    (folder / "b.part").write_text("partial")
    watcher = FolderWatcher([FolderConfig(path=folder)], lambda f, p: None)
    assert [p.name for _, p in watcher.scan()] == ["a.txt"]
    assert read_article_file(folder / "a.txt", "in").title == "A"
