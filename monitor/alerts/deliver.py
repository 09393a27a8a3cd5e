"""The only module that imports apprise: send one message to one target.

Apprise reports success as a bool per service and logs the reason; we wrap
it in `DeliveryResult` so the outbox can decide retry vs dead-letter without
knowing Apprise. Apprise's own in-process retry (`?retry=`) is forced off:
the outbox owns retries, so they survive a restart.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import apprise

from monitor.alerts import alertlog  # noqa: F401  (registers the alertlog:// schema)

log = logging.getLogger(__name__)

_SECRET_QUERY = re.compile(r"(?i)([?&](?:pass|password|token|key|apikey|secret|auth|sig)[^=&]*=)[^&]+")
_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)([^@/]+)@")
_HTTP_STATUS = re.compile(r"\b([1-5]\d\d)\b")


@dataclass(frozen=True)
class ServiceResult:
    service: str  # the plugin's name, e.g. "JSON", "E-Mail"
    url: str  # masked
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    permanent: bool = False  # a retry cannot help (4xx, bad URL)
    reason: str = ""
    services: tuple[ServiceResult, ...] = field(default_factory=tuple)


def mask_url(url: str) -> str:
    """Hide credentials and tokens: `mailto://user:pw@host` -> `mailto://***@host`."""
    masked = _USERINFO.sub(r"\1***@", url.strip())
    masked = _SECRET_QUERY.sub(r"\1***", masked)
    # Path segments that look like tokens (Slack/Telegram/Discord style).
    return re.sub(r"/([A-Za-z0-9_:\-]{20,})", "/***", masked)


def check_url(url: str) -> str | None:
    """None if Apprise can build a service from `url`, else why not."""
    if not isinstance(url, str) or "://" not in url:
        return "not an Apprise URL (expected SCHEMA://...)"
    try:
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    except Exception as exc:  # Apprise raises for some malformed URLs
        return f"Apprise cannot use this URL ({type(exc).__name__})"
    if plugin is None:
        schema = url.split("://", 1)[0]
        return f"Apprise does not recognise this URL (schema {schema!r} unknown or arguments invalid)"
    return None


class Sender:
    """One cached Apprise object per target.

    Caching keeps plugin instances, and with them Apprise's per-instance
    throttle (`request_rate_per_sec`, 5.5 s between two emails): a target's
    lane waits for its own service, never for another target's.
    """

    def __init__(self, targets: dict[str, Sequence[str]]):
        self._targets = {name: tuple(urls) for name, urls in targets.items()}
        self._cache: dict[str, apprise.Apprise] = {}
        self._lock = threading.Lock()

    def _apprise_for(self, target: str) -> apprise.Apprise:
        with self._lock:
            obj = self._cache.get(target)
            if obj is None:
                obj = apprise.Apprise()
                for url in self._targets[target]:
                    obj.add(_without_apprise_retry(url))
                self._cache[target] = obj
            return obj

    def send(self, target: str, title: str, body: str, body_format: str = "text",
             notify_type: str = "info") -> DeliveryResult:
        if target not in self._targets:
            return DeliveryResult(False, permanent=True, reason=f"target {target!r} is not configured")
        obj = self._apprise_for(target)
        if len(obj) == 0:
            return DeliveryResult(False, permanent=True, reason="no usable Apprise URL in this target")
        messages: list[str] = []

        def _collect(entry: Any, plugin: Any = None) -> None:
            text = getattr(entry, "message", None) or str(entry)
            messages.append(str(text))

        try:
            result = obj.notify(body=body, title=title, body_format=body_format,
                                notify_type=notify_type, log_callback=_collect)
        except Exception as exc:
            return DeliveryResult(False, reason=f"apprise raised {type(exc).__name__}: {exc}")
        services = tuple(
            ServiceResult(str(getattr(r, "name", "?")), mask_url(str(getattr(r, "url", ""))), bool(r))
            for r in result
        )
        if bool(result):
            return DeliveryResult(True, services=services)
        reason = _failure_reason(messages)
        return DeliveryResult(False, permanent=_is_permanent(reason), reason=reason, services=services)


def _without_apprise_retry(url: str) -> str:
    sep = "&" if "?" in url else "?"
    return url if "retry=" in url else f"{url}{sep}retry=0"


def _failure_reason(messages: list[str]) -> str:
    for text in reversed(messages):
        if "fail" in text.lower() or "error" in text.lower():
            return mask_url(text)[:300]
    return mask_url(messages[-1])[:300] if messages else "delivery failed"


def _is_permanent(reason: str) -> bool:
    """4xx except 408/429 cannot be fixed by retrying the same request."""
    for code in _HTTP_STATUS.findall(reason):
        status = int(code)
        if 400 <= status < 500 and status not in (408, 425, 429):
            return True
    return False
