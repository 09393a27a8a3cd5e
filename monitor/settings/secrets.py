"""Secrets kept out of the config: `[targets] NAME_file = "FILE"` reads target NAME's
Apprise URLs (one per line) from FILE.

A relative FILE is looked up in `$CREDENTIALS_DIRECTORY` first (systemd's
`LoadCredential=`), then next to the config file naming it. The URLs read are
secrets: errors name the file, never its content.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from monitor.settings.errors import ConfigError

SUFFIX = "_file"


def secret_path(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / path).is_file():
        return Path(credentials) / path
    return base / path


def read_target_files(data: dict[str, Any], file: Path) -> None:
    """Replace each `NAME_file` key of `[targets]` in `data` (read from `file`) by NAME's URLs."""
    targets = data.get("targets")
    if not isinstance(targets, dict):
        return
    for key in [k for k in targets if isinstance(k, str) and k.endswith(SUFFIX)]:
        name, value, where = key[: -len(SUFFIX)], targets[key], f"targets.{key}"
        if not name or not isinstance(value, str) or not value.strip():
            raise ConfigError.single(file, where, 'expected a file name, e.g. hook_file = "hook.url"')
        if name in targets:
            raise ConfigError.single(file, where, f'target "{name}" is also set directly; keep one of them')
        path = secret_path(value.strip(), file.parent)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise ConfigError.single(file, where, f"cannot read {path}: {reason} (a relative name is read "
                                     "from $CREDENTIALS_DIRECTORY, set by LoadCredential=, or next "
                                     "to the config file)") from None
        lines = (line.strip() for line in text.splitlines())
        urls = [line for line in lines if line and not line.startswith("#")]
        if not urls:
            raise ConfigError.single(file, where, f"{path} holds no Apprise URL (one per line)")
        del targets[key]
        targets[name] = urls
