"""The only module that imports apprise: send one message to one target.

A target is one or more services (Apprise URLs, or the services of Apprise
config files selected by `tag:NAME`). Each service gets the body in the
format it prefers (HTML for email, Markdown for Slack, text for webhooks),
so the sender asks a `render(format, max_chars)` callback per service.

Apprise reports success as a bool per service and logs the reason; we wrap
it in `DeliveryResult` so the outbox can decide retry vs dead-letter without
knowing Apprise. Apprise's own in-process retry (`?retry=`) is forced off and
its in-plugin throttle sleep (`request_rate_per_sec`) is taken over by the
lane's per-target rate limit: the outbox owns retries and pacing, so both
survive a restart and neither blocks a thread silently.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apprise
from apprise.decorators.base import CustomNotifyPlugin

from monitor.alerts import alertlog  # noqa: F401  (registers the alertlog:// schema)
from monitor.redact import mask_text, mask_url
from monitor.settings.alerts import is_config_file

log = logging.getLogger(__name__)

# "error=404", "HTTP 403", "status: 410": a status the service answered (not a port or an IP byte).
_HTTP_STATUS = re.compile(r"(?i)\b(?:error|status|code|http)\s*[=:]?\s*([1-5]\d\d)\b")
KEY_HEADER = "X-Newsmon-Key"  # the idempotency key, on every service that takes custom headers

# render(format, max_chars) -> (title, body)
Render = Callable[[str, int], tuple[str, str]]


@dataclass(frozen=True)
class ServiceResult:
    service: str  # the plugin's name, e.g. "JSON", "E-Mail"
    url: str  # masked
    ok: bool
    reason: str = ""
    format: str = ""


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    permanent: bool = False  # a retry cannot help (4xx, bad URL)
    reason: str = ""
    services: tuple[ServiceResult, ...] = field(default_factory=tuple)
    title: str = ""  # what was sent (first service's rendering), for the notification log


def check_url(url: str) -> str | None:
    """None if Apprise can build a service (or read a config file) from `url`, else why not."""
    if isinstance(url, str) and is_config_file(url):
        path = Path(url.removeprefix("file://")).expanduser()
        if not path.is_file():
            return "Apprise config file not found"
        cfg = apprise.AppriseConfig()
        cfg.add(str(path))
        if not cfg.services():
            return "Apprise config file holds no usable service"
        return None
    if not isinstance(url, str) or "://" not in url:
        return "not an Apprise URL (expected SCHEMA://...) or config file (.yml/.yaml/.txt)"
    try:
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    except Exception as exc:  # Apprise raises for some malformed URLs
        return f"Apprise cannot use this URL ({type(exc).__name__})"
    if plugin is None:
        schema = url.split("://", 1)[0]
        return f"Apprise does not recognise this URL (schema {schema!r} unknown or arguments invalid)"
    return None


@dataclass
class Service:
    """One Apprise service of a target, wrapped in its own Apprise object."""

    obj: apprise.Apprise
    plugin: Any
    name: str
    url: str  # masked
    formats: tuple[str, ...]
    min_gap: float  # what the plugin would have slept between two sends
    body_maxlen: int
    title_maxlen: int


def _service(plugin: Any) -> Service:
    obj = apprise.Apprise()
    obj.add(plugin)
    formats = _formats(plugin)
    # A custom plugin (`alertlog://`, a user's @notify function) is a local call: Apprise's
    # default 5.5 s between two calls paces nothing real, so it writes at once.
    local = isinstance(plugin, CustomNotifyPlugin)
    gap = 0.0 if local else float(getattr(plugin, "request_rate_per_sec", 0) or 0)
    # Our lane paces the target instead (see Sender.min_interval); Apprise must not sleep.
    plugin.request_rate_per_sec = 0
    return Service(obj, plugin, str(getattr(plugin, "service_name", type(plugin).__name__)),
                   mask_url(str(plugin.url(privacy=True))), formats, gap,
                   int(getattr(plugin, "body_maxlen", 32768) or 32768),
                   int(getattr(plugin, "title_maxlen", 250) or 0))


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _formats(plugin: Any) -> tuple[str, ...]:
    """The plugin's formats, the one the URL asks for (`?format=markdown`) first."""
    formats = [str(getattr(f, "value", f)) for f in _as_tuple(getattr(plugin, "notify_format", "text"))]
    resolve = getattr(plugin, "resolve_format", None)
    if callable(resolve):
        try:
            chosen = str(getattr(resolve(None), "value", ""))
        except Exception:  # an older or odd plugin: keep its declared order
            chosen = ""
        if chosen in formats:
            formats.remove(chosen)
            formats.insert(0, chosen)
    return tuple(formats)


class Sender:
    """The services of every target, built once and cached.

    Keeping plugin instances keeps their sessions; a target's lane waits for
    its own services, never for another target's.
    """

    def __init__(self, targets: Mapping[str, Sequence[str]]):
        self._targets = {name: tuple(urls) for name, urls in targets.items()}
        self._cache: dict[str, list[Service]] = {}
        self._lock = threading.Lock()

    def knows(self, target: str) -> bool:
        return target in self._targets or target.startswith("tag:")

    def services(self, target: str) -> list[Service]:
        with self._lock:
            found = self._cache.get(target)
            if found is None:
                found = [_service(p) for p in self._plugins(target)]
                self._cache[target] = found
            return found

    def _plugins(self, target: str) -> list[Any]:
        if target.startswith("tag:"):
            # Services of every config file listed under any target, filtered by tag.
            tag = target[4:]
            files = [u for urls in self._targets.values() for u in urls if is_config_file(u)]
            return [s for s in _config_servers(files) if tag in getattr(s, "tags", set())]
        plugins: list[Any] = []
        for url in self._targets.get(target, ()):
            if is_config_file(url):
                plugins.extend(_config_servers([url]))
                continue
            plugin = apprise.Apprise.instantiate(_without_apprise_retry(url), suppress_exceptions=True)
            if plugin is not None:
                plugins.append(plugin)
        return plugins

    def min_interval(self, target: str) -> float:
        """The gap the target's slowest service needs between two messages (seconds)."""
        return max((s.min_gap for s in self.services(target)), default=0.0)

    def send(self, target: str, title: str, body: str, body_format: str = "text",
             notify_type: str = "info", key: str = "", skip: frozenset[str] = frozenset()) -> DeliveryResult:
        """A message that is the same for every service (Apprise converts the format)."""
        return self.send_rendered(target, lambda _fmt, _n: (title, body), notify_type, key,
                                  fixed_format=body_format, skip=skip)

    def send_rendered(self, target: str, render: Render, notify_type: str = "info", key: str = "",
                      fixed_format: str | None = None, skip: frozenset[str] = frozenset()
                      ) -> DeliveryResult:
        """Render per service and send; services whose masked URL is in `skip` already
        have this message (an earlier attempt reached them) and count as delivered."""
        if not self.knows(target):
            return DeliveryResult(False, permanent=True, reason=f"target {target!r} is not configured")
        services = self.services(target)
        if not services:
            return DeliveryResult(False, permanent=True, reason="no usable Apprise service in this target")
        results: list[ServiceResult] = []
        first_title = ""
        for svc in services:
            from monitor.alerts.render import target_format

            fmt = fixed_format or target_format(svc.formats)
            if svc.url in skip:
                results.append(ServiceResult(svc.name, svc.url, True, "already delivered", fmt))
                continue
            title, body = render(fmt, svc.body_maxlen)
            if fmt == "html" and svc.title_maxlen > 0 and fixed_format is None:
                # A title field of its own (an e-mail subject, Matrix) is plain text that
                # the plugin escapes itself; only a title blended into the body stays escaped.
                title = html.unescape(title)
            first_title = first_title or title
            results.append(_notify(svc, title, body, fmt, notify_type, key))
        failed = [r for r in results if not r.ok]
        if not failed:
            return DeliveryResult(True, services=tuple(results), title=first_title)
        reason = "; ".join(f"{r.service}: {r.reason}" for r in failed)
        permanent = all(_is_permanent(r.reason) for r in failed)
        return DeliveryResult(False, permanent=permanent, reason=reason[:1000], services=tuple(results),
                              title=first_title)


def _notify(svc: Service, title: str, body: str, fmt: str, notify_type: str, key: str) -> ServiceResult:
    headers = getattr(svc.plugin, "headers", None)
    if key and isinstance(headers, dict):
        headers[KEY_HEADER] = key  # the same key on every re-send of this alert
    messages: list[str] = []

    def _collect(entry: Any, plugin: Any = None) -> None:
        messages.append(str(getattr(entry, "message", None) or entry))

    try:
        result = svc.obj.notify(body=body, title=title, body_format=fmt, notify_type=notify_type,
                                log_callback=_collect)
    except Exception as exc:
        return ServiceResult(svc.name, svc.url, False,
                             mask_text(f"apprise raised {type(exc).__name__}: {exc}")[:300], fmt)
    if bool(result):
        return ServiceResult(svc.name, svc.url, True, "", fmt)
    return ServiceResult(svc.name, svc.url, False, _failure_reason(messages), fmt)


def _config_servers(files: Sequence[str]) -> list[Any]:
    cfg = apprise.AppriseConfig()
    for f in files:
        cfg.add(str(Path(f.removeprefix("file://")).expanduser()))
    return list(cfg.services())


def _without_apprise_retry(url: str) -> str:
    sep = "&" if "?" in url else "?"
    return url if "retry=" in url else f"{url}{sep}retry=0"


def _failure_reason(messages: list[str]) -> str:
    for text in reversed(messages):
        if "fail" in text.lower() or "error" in text.lower():
            return mask_text(text)[:300]
    return mask_text(messages[-1])[:300] if messages else "delivery failed"


def _is_permanent(reason: str) -> bool:
    """4xx except 408/425/429 cannot be fixed by retrying the same request."""
    for code in _HTTP_STATUS.findall(reason):
        status = int(code)
        if 400 <= status < 500 and status not in (408, 425, 429):
            return True
    return False
