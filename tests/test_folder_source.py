"""The folder source on real files, real watchdog events and a real SQLite state:
changed files are handed over again, unchanged ones are not, links out of the folder are
not followed, and every bad file gets one clear warning, remembered across starts."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from monitor.app import App
from monitor.article import RawItem
from monitor.pipeline import Result
from monitor.settings import load_config


class Spy:
    """Every RawItem that reaches `Pipeline.process` (the real one still runs)."""

    def __init__(self, app: App):
        assert app.pipeline is not None
        self.items: list[RawItem] = []
        self.cond = threading.Condition()
        real = app.pipeline.process

        def process(raw: RawItem, alert: bool = True) -> Result:
            with self.cond:
                self.items.append(raw)
                self.cond.notify_all()
            return real(raw, alert)

        app.pipeline.process = process  # type: ignore[method-assign]

    def wait(self, check: Callable[[list[RawItem]], bool], timeout: float = 10) -> list[RawItem]:
        with self.cond:
            self.cond.wait_for(lambda: check(self.items), timeout)
            return list(self.items)


def _app(tmp_path: Path, folder_extra: str = "", settle: str = "0.3s") -> App:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    config = tmp_path / "c.toml"
    config.write_text(f'[[folders]]\npath = "{folder}"\nsettle = "{settle}"\n{folder_extra}\n'
                      '[[rules]]\nname = "r"\nquery = "Izium"\nnotify = ["log"]\n\n'
                      '[targets]\nlog = ["alertlog://"]\n')
    app = App(load_config(config), state_dir=tmp_path / "state", echo_alerts=False)
    app.open()
    return app


def _once(tmp_path: Path, folder_extra: str = "") -> list[RawItem]:
    """One `run --once` over the folder, as a new process would do it; what was handed over."""
    app = _app(tmp_path, folder_extra)
    spy = Spy(app)
    try:
        app.run_once()
    finally:
        app.stop()
    return spy.items


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[App, Spy, Path]]:
    app = _app(tmp_path)
    spy = Spy(app)
    app.start()
    try:
        yield app, spy, tmp_path / "in"
    finally:
        app.stop()


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# -- changed files -------------------------------------------------------------------


def test_file_appended_after_its_first_close_is_handed_over_again_with_the_same_key(
    running: tuple[App, Spy, Path],
) -> None:
    spy, folder = running[1], running[2]
    with open(folder / "report.txt", "w") as fh:
        fh.write("Report\n\nFirst part.\n")
    first = spy.wait(lambda items: len(items) >= 1)
    assert first[0].body == "First part."
    with open(folder / "report.txt", "a") as fh:  # the writer comes back: a second close
        fh.write("Izium was shelled overnight.\n")
    items = spy.wait(lambda items: len(items) >= 2)
    assert len(items) == 2, "the appended text was never read"
    assert items[1].key == items[0].key == "report.txt"
    assert items[1].body == "First part.\nIzium was shelled overnight."


def test_unchanged_file_is_not_handed_over_at_start_a_changed_one_is(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("A title\n\nFirst text.\n")
    (folder / "b.txt").write_text("B title\n\nStays the same.\n")
    assert sorted(i.key for i in _once(tmp_path)) == ["a.txt", "b.txt"]
    assert _once(tmp_path) == []  # nothing changed: nothing read again

    (folder / "a.txt").write_text("A title\n\nFirst text, and an update about Izium.\n")
    st = (folder / "b.txt").stat()
    os.utime(folder / "b.txt", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # touched only
    again = _once(tmp_path)
    assert [(i.key, i.body) for i in again] == [("a.txt", "First text, and an update about Izium.")]
    assert _once(tmp_path) == []  # the touched file's new stamp was remembered


def test_settle_waits_until_the_size_is_stable_over_the_whole_window(tmp_path: Path) -> None:
    # Written through a hard link from outside: the folder sees one create event and no
    # modify or close events, so only settling can tell when the writer is done.
    app = _app(tmp_path, settle="0.5s")
    spy = Spy(app)
    app.start()
    try:
        outside = tmp_path / "writer.txt"
        outside.write_text("Slow title\n\n")
        os.link(outside, tmp_path / "in" / "slow.txt")
        with open(outside, "a") as fh:
            for i in range(8):
                time.sleep(0.2)
                fh.write(f"line {i}\n")
                fh.flush()
        items = spy.wait(lambda items: len(items) >= 1, timeout=5)
        time.sleep(1.0)
        assert [i.body for i in spy.items] == ["\n".join(f"line {i}" for i in range(8))]
        assert items
    finally:
        app.stop()


def test_file_still_being_written_at_start_up_settles_before_it_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    app = _app(tmp_path, settle="1s")
    spy = Spy(app)
    with open(folder / "growing.txt", "w") as fh:
        fh.write("Growing\n\npart 0\n")
        fh.flush()
        app.start()  # the writer is not done: the start-up scan must not take this as final
        try:
            for i in range(1, 4):
                time.sleep(0.2)
                fh.write(f"part {i}\n")
                fh.flush()
        except BaseException:
            app.stop()
            raise
    try:
        items = spy.wait(lambda items: len(items) >= 1)
        assert items[0].body == "part 0\npart 1\npart 2\npart 3"
    finally:
        app.stop()


# -- symlinks ------------------------------------------------------------------------


def test_symlink_out_of_the_folder_is_not_followed_and_is_warned_about_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret Izium\n\nroot:x:0:0\n")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.txt").symlink_to(secret)
    (folder / "real.txt").write_text("Inside\n\nText inside.\n")
    (folder / "alias.txt").symlink_to(folder / "real.txt")
    with caplog.at_level(logging.WARNING):
        items = _once(tmp_path)
    assert sorted(i.key for i in items) == ["alias.txt", "real.txt"]  # a link inside is fine
    [warning] = [w for w in _warnings(caplog) if "x.txt" in w]
    assert str(secret) in warning and "outside the folder" in warning and "follow_symlinks" in warning
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert _once(tmp_path) == []
    assert _warnings(caplog) == []  # remembered: no warning at every start


@pytest.mark.parametrize(("policy", "keys"), [("any", ["alias.txt", "real.txt", "x.txt"]),
                                               ("never", ["real.txt"])])
def test_follow_symlinks_option(tmp_path: Path, policy: str, keys: list[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (tmp_path / "shared.txt").write_text("Shared\n\nFrom the shared drive.\n")
    (folder / "x.txt").symlink_to(tmp_path / "shared.txt")
    (folder / "real.txt").write_text("Inside\n\nText inside.\n")
    (folder / "alias.txt").symlink_to(folder / "real.txt")
    items = _once(tmp_path, f'follow_symlinks = "{policy}"')
    assert sorted(i.key for i in items) == keys


def test_symlink_loop_and_directory_named_like_an_article_are_warned_about_while_running(
    running: tuple[App, Spy, Path], caplog: pytest.LogCaptureFixture
) -> None:
    folder = running[2]
    with caplog.at_level(logging.WARNING):
        (folder / "loop.txt").symlink_to(folder / "loop.txt")
        (folder / "folder.txt").mkdir()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(_warnings(caplog)) < 2:
            time.sleep(0.05)
    warnings = _warnings(caplog)
    assert any("loop.txt" in w and "symbolic link loop" in w for w in warnings), warnings
    assert any("folder.txt" in w and "not a regular file (a directory)" in w for w in warnings), warnings


# -- bad files: one warning, remembered -----------------------------------------------


@pytest.mark.parametrize(("name", "text", "reason"), [
    ("deep.json", "[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
    # Not foreseen by any parser check: the catch-all gives the same one warning.
    ("deep.md", "---\na: " + "[" * 100_000 + "\n---\nBody\n", "could not be read (RecursionError"),
])
def test_deeply_nested_input_gets_one_warning_and_no_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, text: str, reason: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / name).write_text(text)
    (folder / "good.txt").write_text("Good\n\nIzium.\n")
    with caplog.at_level(logging.WARNING):
        assert [i.key for i in _once(tmp_path)] == ["good.txt"]
    assert [r.exc_info for r in caplog.records if r.exc_info] == []
    [warning] = _warnings(caplog)
    assert name in warning and reason in warning
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        _once(tmp_path)
    assert _warnings(caplog) == []


def test_file_name_that_is_not_utf8_is_read_under_an_escaped_name_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"caf\xe9 Izium.txt"), "w") as fh:
        fh.write("Caf\u00e9 report about Izium\n\nBody.\n")
    with caplog.at_level(logging.WARNING):
        items = _once(tmp_path)
    assert [i.key for i in items] == ["caf\\xe9 Izium.txt"]
    assert [r.exc_info for r in caplog.records if r.exc_info] == []
    [warning] = _warnings(caplog)
    assert "caf\\xe9 Izium.txt" in warning and "not valid UTF-8" in warning
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert _once(tmp_path) == []
    assert _warnings(caplog) == []


def test_jsonl_batch_and_eml_dropped_into_a_running_daemon_reach_the_pipeline(
    running: tuple[App, Spy, Path], caplog: pytest.LogCaptureFixture
) -> None:
    spy, folder = running[1], running[2]
    tmp = folder / ".batch.tmp"
    tmp.write_text('{"id": "w-1", "title": "Izium wire one", "body": "x"}\n{broken\n'
                   '{"title": "Izium wire three", "body": "y"}\n')
    with caplog.at_level(logging.WARNING):
        os.rename(tmp, folder / "batch.jsonl")
        (folder / ".mail.tmp").write_text("From: desk@example.org\nSubject: Izium by mail\n"
                                          "Content-Type: text/plain\n\nMailed text.\n")
        os.rename(folder / ".mail.tmp", folder / "note.eml")
        items = spy.wait(lambda items: len(items) >= 3)
    assert sorted((i.key, i.title) for i in items) == [
        ("batch.jsonl#line3", "Izium wire three"), ("id:w-1", "Izium wire one"),
        ("note.eml", "Izium by mail")]
    assert any("batch.jsonl" in w and "line 2" in w for w in _warnings(caplog))
