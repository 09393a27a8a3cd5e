"""Writing drop-in files the console owns, with the whole config loaded back as the judge.

The files stay the source of truth: a change is written to a drop-in beside
the main config (never to the user's main file, except one `include` line at
its top when it has no `include` key), then the whole config is loaded; on
any error every file is put back and the `newsmon check` lines are returned.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.settings import Config, ConfigError
from monitor.sources.opml import add_include_line, includes_dropins
from monitor.validate import load_valid

CONSOLE_MARK = "# Written by the newsmon web console."
RULES_GLOB = "rules.d/*.toml"


@dataclass(frozen=True)
class Written:
    config: Config | None  # the config loaded back, None when refused
    path: Path
    problems: tuple[str, ...] = ()


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.").lower()[:80] or "rule"


def main_file(config: Config) -> Path:
    if config.source_file is None:
        raise ValueError("this config was not loaded from a file; the console cannot save it")
    return Path(config.source_file)


def is_console_file(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as fh:
            return fh.readline().startswith(CONSOLE_MARK)
    except OSError:
        return False


def rule_origins(config: Config) -> dict[str, Path]:
    """rule name -> the file that defines it (main file or a drop-in)."""
    main = main_file(config)
    files = [main]
    import glob

    for pattern in config.include:
        files.extend(Path(p) for p in sorted(glob.glob(str(main.parent / pattern))))
    out: dict[str, Path] = {}
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        for rule in data.get("rules", []) if isinstance(data.get("rules"), list) else []:
            if isinstance(rule, dict) and isinstance(rule.get("name"), str):
                out.setdefault(rule["name"], path)
    return out


def toml_value(value: Any) -> str:
    """A TOML value for the JSON-like data of a config model (inline tables for tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_string(value: str) -> str:
    # TOML basic string: escape quote, backslash and every control character (\\uXXXX,
    # never a surrogate pair, which TOML refuses; other characters are written as they are).
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def table_toml(section: str, entries: Sequence[Mapping[str, Any]], note: str = "") -> str:
    lines = [CONSOLE_MARK + (f" {note}" if note else ""),
             "# Edit it by hand if you like; the console reads it back.", ""]
    for entry in entries:
        lines.append(f"[[{section}]]")
        lines.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in entry.items())
        lines.append("")
    return "\n".join(lines)


def write_checked(config: Config, path: Path, text: str | None, glob_pattern: str,
                  remove: Path | None = None, accept: Callable[[Config], None] | None = None) -> Written:
    """Write `text` to `path` (None deletes it), optionally delete `remove`, load the
    config back and `accept` it (the daemon's reload); put every file back on error."""
    main = main_file(config)
    before: dict[Path, str | None] = {}
    for p in (path, remove, main):
        if p is not None and p not in before:
            before[p] = p.read_text(encoding="utf-8") if p.exists() else None
    main_text = before[main] or ""
    new_main: str | None = None
    if text is not None and not includes_dropins(config.include, main, path):
        if "include" in tomllib.loads(main_text):
            return Written(None, path, (f'{main}: include: does not cover {path.name}; add "{glob_pattern}" '
                                        "to it so the console's files are read",))
        new_main = add_include_line(main_text, glob_pattern).replace(
            "`newsmon feeds import`", "the newsmon web console", 1)
    try:
        if text is None:
            path.unlink(missing_ok=True)
        else:
            _atomic_write(path, text)
        if remove is not None and remove != path:
            remove.unlink(missing_ok=True)
        if new_main is not None:
            _atomic_write(main, new_main)
        loaded = load_valid(main)  # every check but places (the reload compiles those)
        if accept is not None:
            accept(loaded)
    except ConfigError as exc:
        _restore(before)
        return Written(None, path, tuple(str(p) for p in exc.problems))
    except OSError as exc:
        _restore(before)
        return Written(None, path, (f"{path}: cannot write: {exc.strerror}",))
    return Written(loaded, path)


def _restore(before: Mapping[Path, str | None]) -> None:
    for p, old in before.items():
        if old is None:
            p.unlink(missing_ok=True)
        else:
            _atomic_write(p, old)


def _atomic_write(path: Path, text: str) -> None:
    # A half-written file must never be what a reload (or a SIGHUP) reads.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
