"""One line per event, with a level; secrets never reach a log line."""

from __future__ import annotations

import logging
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


def setup_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s",
                                    "%Y-%m-%dT%H:%M:%SZ"))
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
