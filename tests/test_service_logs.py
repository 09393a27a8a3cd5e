"""Log lines for the journal (`<N>` priorities when stderr is the journal) and for shippers (JSON)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import newsmon_cmd


def _run_once(tmp_path: Path, *extra: str, journal: str | None = None) -> list[str]:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "empty.txt").write_bytes(b"")  # skipped with a WARNING
    config = tmp_path / "c.toml"
    config.write_text(f'[[folders]]\npath = "{folder}"\n')
    err_path = tmp_path / "stderr.log"
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)
    with err_path.open("w") as err:
        if journal == "match":
            st = os.fstat(err.fileno())
            env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
        elif journal:
            env["JOURNAL_STREAM"] = journal
        subprocess.run(newsmon_cmd("run", "--once", "--config", str(config), "--state-dir",
                                   str(tmp_path / "s"), *extra), stderr=err, env=env, timeout=60, check=True)
    return err_path.read_text().splitlines()


def test_journal_stream_gets_syslog_priorities(tmp_path: Path) -> None:
    lines = _run_once(tmp_path, journal="match")
    assert lines and all(line[:3] in ("<6>", "<4>", "<3>", "<7>") for line in lines), lines
    warning = next(line for line in lines if "empty.txt" in line)
    assert warning.startswith("<4>WARNING")
    assert any(line.startswith("<6>INFO") for line in lines)


def test_no_prefix_when_stderr_is_not_the_journal_stream(tmp_path: Path) -> None:
    # Inherited from a parent whose stderr was the journal; ours is a file now.
    lines = _run_once(tmp_path, journal="1:1")
    assert lines and not any(line.startswith("<") for line in lines), lines
    assert any("WARNING" in line and "empty.txt" in line for line in lines)


def test_json_log_format_is_one_object_per_line(tmp_path: Path) -> None:
    lines = _run_once(tmp_path, "--log-format", "json")
    events = [json.loads(line) for line in lines]
    assert {"ts", "level", "logger", "message"} <= set(events[0])
    skipped = next(e for e in events if "empty.txt" in e["message"])
    assert skipped["level"] == "warning" and skipped["ts"].endswith("Z")
