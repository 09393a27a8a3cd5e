"""TOML files -> `Config`: includes, relative paths, and one-line errors."""

from __future__ import annotations

import difflib
import glob
import os
import re
import stat
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from monitor.gcpause import paused_gc
from monitor.settings.alerts import resolve_alert_paths
from monitor.settings.errors import ConfigError, ConfigProblem, dotted, where
from monitor.settings.models import Config
from monitor.settings.secrets import read_target_files

LIST_SECTIONS = ("folders", "feeds", "rules", "places")
TABLE_SECTIONS = ("targets",)
# Keys holding paths, resolved against the folder of the file that sets them.
_PATH_KEYS = {"folders": ("path",)}
Origins = dict[str, tuple[Path, str]]  # "rules[7]" -> (the file that set it, "rules[2]")
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_config(path: str | Path) -> Config:
    """Read and shape-check the config (no other room is imported).

    On error the `ConfigError` carries `partial`: the config without the
    entries in error, so `monitor.validate` can still check the rest in the
    same pass.
    """
    # Parsing and validating allocate many containers and free none: a config of
    # 100,000 rules would otherwise set off collections that walk it all again.
    with paused_gc():
        return _load_config(path)


def _load_config(path: str | Path) -> Config:
    main = Path(path).expanduser()
    data = _read_toml(main)
    # Where each entry was set, for messages. The main file's own list entries are
    # left out (`where` falls back to the main file): 100,000 rules would cost 0.3 s.
    origins: Origins = {}
    _resolve_paths(data, main.parent.resolve())
    read_target_files(data, main)
    if isinstance(data.get("targets"), dict):
        origins.update({f"targets.{name}": (main, f"targets.{name}") for name in data["targets"]})
    early: list[ConfigProblem] = []  # found before validation; the rest is still checked
    for pattern in data.get("include", []) if isinstance(data.get("include"), list) else []:
        if not isinstance(pattern, str):
            continue
        for extra in sorted(glob.glob(str(main.parent / pattern))):
            try:
                early += _merge(data, Path(extra), origins)
            except ConfigError as exc:  # unreadable: that drop-in is left out, the others are read
                early += exc.problems
    if isinstance(data.get("state_dir"), str):
        if (why := state_dir_problem(data["state_dir"])) is not None:
            early.append(ConfigProblem(main, "state_dir", why))
            del data["state_dir"]
        else:
            data["state_dir"] = str((main.parent / Path(data["state_dir"]).expanduser()).resolve())
    data["source_file"] = str(main.resolve())
    data["origins"] = origins
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = early + [_problem(err, main, origins) for err in exc.errors()]
        partial, unchecked = _without_errors(data, exc)
        raise ConfigError(problems, partial=partial, unchecked_targets=unchecked) from None
    if early:
        raise ConfigError(early, partial=config)
    return config


def state_dir_problem(value: str) -> str | None:
    """Why `value` cannot be a state dir (`state_dir`, `--state-dir`): a URL is not a folder."""
    if "://" not in value:
        return None
    scheme = value.split("://")[0][:20]  # never the rest: it may hold a password
    return (f'"{scheme}://..." is not a folder: newsmon keeps its state in SQLite files in a folder '
            "(for a shared PostgreSQL database set [state] url instead); give a path such as "
            "/var/lib/newsmon")


def _without_errors(data: dict[str, Any], exc: ValidationError) -> tuple[Config | None, frozenset[str]]:
    """The config minus every list entry, target or top-level key in error (or None).

    Entries keep their origin, so later problems still name the right file and
    index. Also returns the target names dropped (`"*"`: all of [targets]), whose
    references are not checked again.
    """
    bad_entries: dict[str, set[int]] = {}
    bad_keys: set[str] = set()
    dropped: set[str] = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        if not loc:
            return None, frozenset()
        head = str(loc[0])
        if head in LIST_SECTIONS and len(loc) >= 2 and isinstance(loc[1], int):
            bad_entries.setdefault(head, set()).add(loc[1])
        elif head == "targets" and len(loc) >= 2 and isinstance(loc[1], str):
            dropped.add(loc[1])
        else:
            bad_keys.add(head)
            if head == "targets":
                dropped.add("*")
    pruned = {k: v for k, v in data.items() if k not in bad_keys}
    origins: Origins = {
        k: v for k, v in data.get("origins", {}).items() if not k.startswith(tuple(bad_entries))}
    for section, bad in bad_entries.items():
        kept = [(i, e) for i, e in enumerate(data.get(section) or ()) if i not in bad]
        pruned[section] = [e for _, e in kept]
        for new, (old, _) in enumerate(kept):
            if f"{section}[{old}]" in data.get("origins", {}):
                origins[f"{section}[{new}]"] = data["origins"][f"{section}[{old}]"]
            elif new != old:  # a main-file entry, renumbered: still named by its place in the file
                origins[f"{section}[{new}]"] = (Path(data["source_file"]), f"{section}[{old}]")
    if isinstance(pruned.get("targets"), dict):
        pruned["targets"] = {k: v for k, v in pruned["targets"].items() if k not in dropped}
    pruned["origins"] = origins
    try:
        return Config.model_validate(pruned), frozenset(dropped)
    except ValidationError:
        return None, frozenset()


# Far above any real config (10,000 rules is about 1 MB), far below trouble.
MAX_CONFIG_BYTES = 16 * 1024 * 1024
_FAST_TOML_MIN = 32_768  # small files: tomllib is fast enough and the reference


def _fast_toml(text: str) -> dict[str, Any] | None:
    """rtoml (Rust) parses 10,000 rules in 0.03 s where tomllib takes 0.27 s; on any
    error (or without rtoml) tomllib parses again, and its message is the one shown."""
    if len(text) < _FAST_TOML_MIN:
        return None
    try:
        import rtoml
    except ImportError:
        return None
    try:
        got = rtoml.loads(text)
    except Exception:
        return None
    return got if isinstance(got, dict) else None


def _read_toml(path: Path) -> dict[str, Any]:
    raw = _read_capped(path)
    try:
        text = raw.decode("utf-8")
        fast = _fast_toml(text)
        return fast if fast is not None else tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError.single(path, "", "not UTF-8 text; save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        pos = _TOML_POS.search(message)
        where = f"line {pos.group(1)}, column {pos.group(2)}" if pos else ""
        message = _TOML_POS.sub("", message).strip()
        raise ConfigError.single(path, where, f"invalid TOML: {message}") from None


def _read_capped(path: Path) -> bytes:
    """The bytes of a regular file under the size cap (never /dev/zero, a FIFO or a folder)."""
    try:
        with path.open("rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
                raise ConfigError.single(path, "", f"{kind}; a config file must be a regular TOML file")
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError.single(path, "", "no such config file (pass --config FILE)") from None
    except IsADirectoryError:
        raise ConfigError.single(path, "", "a folder; a config file must be a regular TOML file") from None
    except OSError as exc:
        raise ConfigError.single(path, "", f"cannot read: {exc.strerror}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError.single(path, "", f"larger than {MAX_CONFIG_BYTES // 1024**2} MiB; "
                                 "split it into drop-in files or check that it is the right file")
    return raw


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    for section, keys in _PATH_KEYS.items():
        entries = data.get(section)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            for key in keys:
                if isinstance(entry, dict) and isinstance(entry.get(key), str):
                    entry[key] = str((base / Path(entry[key]).expanduser()).resolve())
    resolve_alert_paths(data, base)


def _merge(data: dict[str, Any], extra_path: Path, origins: Origins) -> list[ConfigProblem]:
    """Drop-in files may add list sections and targets, nothing else; a key in
    error is left out (and returned as a problem), the rest is merged."""
    extra = _read_toml(extra_path)
    _resolve_paths(extra, extra_path.parent.resolve())
    problems: list[ConfigProblem] = []
    read_target_files(extra, extra_path)
    for key, value in extra.items():
        if key in LIST_SECTIONS:
            current = data.setdefault(key, [])
            if not isinstance(value, list):
                problems.append(ConfigProblem(extra_path, key, f"expected [[{key}]] tables"))
            elif isinstance(current, list):  # else the main file's own error is reported
                for i, entry in enumerate(value):
                    origins[f"{key}[{len(current)}]"] = (extra_path, f"{key}[{i}]")
                    current.append(entry)
        elif key in TABLE_SECTIONS:
            table = data.setdefault(key, {})
            if not isinstance(value, dict):
                problems.append(ConfigProblem(extra_path, key, f"expected a [{key}] table"))
                continue
            for name, entry in value.items():
                if name in table:
                    file = origins.get(f"{key}.{name}", ("another file",))[0]
                    problems.append(ConfigProblem(extra_path, f"{key}.{name}", f"already defined in {file}"))
                elif isinstance(table, dict):
                    table[name] = entry
                    origins[f"{key}.{name}"] = (extra_path, f"{key}.{name}")
        else:
            allowed = ", ".join(LIST_SECTIONS + TABLE_SECTIONS)
            problems.append(ConfigProblem(extra_path, key,
                                          f"not allowed in a drop-in file (allowed: {allowed})"))
    return problems


def _problem(err: Any, main: Path, origins: Origins) -> ConfigProblem:
    loc = tuple(err["loc"])
    file, path = where(origins, main, dotted(loc))
    return ConfigProblem(file, path, _message(err, loc))


def _message(err: Any, loc: tuple[Any, ...]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _fields_at(Config, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f'; did you mean "{close[0]}"?' if close else (
            f" (known keys: {', '.join(sorted(known))})" if known else ""
        )
        return f"unknown key{hint}"
    if kind == "missing":
        return "required key is missing"
    message = str(err["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if kind in {"string_type", "int_type", "float_type", "bool_type", "list_type", "tuple_type", "dict_type"}:
        message += f" (got {type(err.get('input')).__name__} {err.get('input')!r:.60})"
    return message


def _fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """The keys a config table at `loc` accepts, for "did you mean"."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [name for name, f in current.model_fields.items() if not f.exclude]
    return []


def _unwrap(annotation: Any) -> Any:
    """tuple[X, ...] / list[X] / X | None / dict[str, X] -> X."""
    for _ in range(4):
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None) and a is not Ellipsis]
        if origin in (tuple, list, set, frozenset, dict) and args:
            annotation = args[-1]
        elif origin in (typing.Union, types.UnionType) and args:
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else args[0]
        else:
            break
    return annotation
