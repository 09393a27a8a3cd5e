"""`alertlog://`: a built-in Apprise target that needs no account or server.

Each alert is appended to a readable log file (in the state dir unless the
URL names a path: `alertlog:///var/log/newsmon/alerts.log`) and printed to
the terminal, so the embedded default config shows alerts at once.
"""

from __future__ import annotations

import os
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apprise.decorators import notify

_lock = threading.Lock()
_default_path: Path | None = None
_echo = True


def configure(default_path: Path | None, echo: bool = True) -> None:
    global _default_path, _echo
    _default_path = default_path
    _echo = echo


def _log_path(meta: dict[str, Any]) -> Path | None:
    """`alertlog:///var/log/a.log` -> /var/log/a.log (Apprise reads `var` as the host),
    `alertlog://localhost/var/log/a.log` likewise; `alertlog://` -> the default."""
    host = str(meta.get("host") or "").strip()
    path = str(meta.get("fullpath") or "").strip()
    if host and host != "localhost":
        path = f"/{host}{path}"
    return Path(path) if path not in ("", "/") else _default_path


@notify(on="alertlog", name="newsmon alert log")
def _write(body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
    path = _log_path(meta)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = f"=== {stamp} [{notify_type}] {title}\n{body.rstrip()}\n\n"
    with _lock:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # 0600: alert text is for the service user only (like the database).
            with open(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a",
                      encoding="utf-8") as fh:
                fh.write(entry)
        if _echo:
            sys.stdout.write(entry)
            sys.stdout.flush()
    return True
