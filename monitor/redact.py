"""Secrets out of anything a person reads: logs, errors, `check` output."""

from __future__ import annotations

import re

_SECRET_QUERY = re.compile(r"(?i)([?&](?:pass|password|token|key|apikey|secret|auth|sig)[^=&]*=)[^&]+")
_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)([^@/]+)@")
# Path segments that look like tokens (Slack/Telegram/Discord webhooks).
_TOKEN_SEGMENT = re.compile(r"/([A-Za-z0-9_:\-]{20,})")


def mask_url(url: str) -> str:
    """Hide credentials and tokens: `mailto://user:pw@host` -> `mailto://***@host`."""
    masked = _USERINFO.sub(r"\1***@", url.strip())
    masked = _SECRET_QUERY.sub(r"\1***", masked)
    return _TOKEN_SEGMENT.sub("/***", masked)
