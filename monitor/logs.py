"""One line per event, with a level; secrets never reach a log line."""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from monitor.redact import mask_text


class _Formatter(logging.Formatter):
    converter = time.gmtime  # type: ignore[assignment]  # UTC timestamps

    def format(self, record: logging.LogRecord) -> str:
        # Secrets in any URL (an exception's text too) are masked and control/bidi
        # characters from file names or feed titles removed, in this one place.
        line = mask_text(super().format(record))
        # One event, one line: fold tracebacks and multi-line messages.
        return line.replace("\n", " | ")


# syslog priorities: with "<N>" in front of each line, the journal files the line at
# that priority, so `journalctl -p warning` shows warnings and errors only.
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


def syslog_priority(levelno: int) -> int:
    return next((p for lvl, p in sorted(_PRIORITY.items(), reverse=True) if levelno >= lvl), 7)


class _JsonFormatter(_Formatter):
    """One JSON object per line for log shippers; the message is the text line's."""

    def __init__(self) -> None:
        super().__init__("%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        return json.dumps({"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                           + f".{int(record.msecs):03d}Z", "level": record.levelname.lower(),
                           "logger": record.name, "message": message}, ensure_ascii=False)


class _JournalFormatter(logging.Formatter):
    """Prefix `<N>`; the journal stamps the time itself."""

    def __init__(self, inner: logging.Formatter):
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return f"<{syslog_priority(record.levelno)}>{self._inner.format(record)}"


def stderr_is_journal() -> bool:
    """systemd sets $JOURNAL_STREAM to the "device:inode" of the stream it connected;
    it counts only while stderr still is that stream (not redirected by a wrapper)."""
    dev, _, inode = os.environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        st = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError):
        return False
    return dev.isdigit() and inode.isdigit() and (st.st_dev, st.st_ino) == (int(dev), int(inode))


def make_formatter(fmt: str = "text", journal: bool | None = None) -> logging.Formatter:
    journal = stderr_is_journal() if journal is None else journal
    if fmt == "json":
        inner: logging.Formatter = _JsonFormatter()
    elif journal:
        inner = _Formatter("%(levelname)-7s %(name)s: %(message)s")
    else:
        inner = _Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    return _JournalFormatter(inner) if journal else inner


def setup_logging(level: str = "info", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(make_formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Apprise logs each failure itself; our lanes log it once, with the target's
    # name. Its records still reach our per-call capture (deliver.py).
    apprise_log = logging.getLogger("apprise")
    apprise_log.setLevel(logging.INFO)
    apprise_log.propagate = False
    for noisy in ("apscheduler", "watchdog", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
