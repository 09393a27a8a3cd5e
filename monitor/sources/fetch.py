"""The feed HTTP client: limits, conditional GET, politeness and the SSRF guard.

`Fetcher.fetch()` never raises for anything a server or a URL can do: it
returns a `FetchResult` whose `outcome` is "ok", "not_modified" or "error"
with one plain-language `error`. Redirects are followed here, one hop at a
time, so every hop goes through the guarded connection (ssrf.py) and user
headers/credentials never travel to another host.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.utils
import zlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import httpcore
import httpx

from monitor import __version__
from monitor.settings.feeds import FetchConfig
from monitor.sources.ssrf import AddressRefused, GuardedBackend, url_problem

PROJECT_URL = "https://github.com/newsmon/newsmon"
DEFAULT_USER_AGENT = f"newsmon/{__version__} (+{PROJECT_URL})"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.7, */*;q=0.5"
)
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT_REDIRECTS = {301, 308}
_PERMANENT_STATUS = {404: "not found", 410: "gone"}
_CHUNK = 64 * 1024

Outcome = Literal["ok", "not_modified", "error"]
ErrorKind = Literal["", "transient", "permanent", "refused"]


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # the URL finally answered (after redirects)
    outcome: Outcome
    status: int = 0  # HTTP status of the last response, 0 when none came
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None  # seconds the server asked us to wait
    moved_to: str | None = None  # target of a permanent redirect: fix the config
    error: str = ""
    kind: ErrorKind = ""

    @property
    def ok(self) -> bool:
        return self.outcome != "error"


class FetchError(Exception):
    def __init__(self, message: str, kind: ErrorKind = "transient", status: int = 0) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.status = status


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx transport whose connections go through the SSRF-checking backend."""

    def __init__(self, allow_private: bool, max_connections: int) -> None:
        super().__init__(trust_env=False)
        # httpx has no public hook for the network backend; build the pool ourselves.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(allow_private),
        )


class Decoder:
    """Content-Encoding decoding that never inflates past `limit` bytes (gzip bombs)."""

    def __init__(self, encoding: str, limit: int) -> None:
        encoding = encoding.strip().lower()
        self.limit = limit
        self.size = 0
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
            self._deflate_probe = True
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding[:40]!r}", "permanent")
        self._encoding = encoding
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            out = data
        else:
            if self._encoding == "deflate" and getattr(self, "_deflate_probe", False):
                # "deflate" is zlib-wrapped by the RFC and raw by some servers.
                self._deflate_probe = False
                if data and (data[0] & 0x0F) != 8:
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                # max_length bounds each call (0 would mean "no bound", so never pass it).
                out = self._z.decompress(data, self.limit - self.size + 1)
                while self._z.unconsumed_tail and self.size + len(out) <= self.limit:
                    budget = self.limit - self.size - len(out) + 1
                    out += self._z.decompress(self._z.unconsumed_tail, budget)
            except zlib.error as exc:
                raise FetchError(f"corrupt {self._encoding} body: {exc}") from None
        return self._counted(out)

    def flush(self) -> bytes:
        if self._z is None:
            return b""
        try:
            out = self._z.flush()
        except zlib.error as exc:
            raise FetchError(f"corrupt {self._encoding} body: {exc}") from None
        return self._counted(out)

    def _counted(self, out: bytes) -> bytes:
        """Count decoded bytes; past the limit the body is cut off, never inflated further."""
        self.size += len(out)
        if self.size > self.limit:
            raise FetchError(f"body larger than {self.limit} bytes after decompression; cut off")
        return out


def parse_retry_after(value: str | None, date_header: str | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 7 * 86400))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    now = datetime.now(UTC)
    if date_header:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            now = email.utils.parsedate_to_datetime(date_header)
    if when.tzinfo is None or now.tzinfo is None:
        return None
    return max(0.0, min((when - now).total_seconds(), 7 * 86400))


async def _drain(response: httpx.Response, limit: int = 64 * 1024) -> None:
    """Read what is left of a small body, so the connection can be reused (not for big ones)."""
    if response.is_stream_consumed or response.is_closed:
        return
    seen = 0
    try:
        async for chunk in response.aiter_raw(16 * 1024):
            seen += len(chunk)
            if seen > limit:
                return
    except (httpx.HTTPError, httpx.StreamError):
        return


class Fetcher:
    """One per poller; use from a single asyncio event loop.

    Requests go straight to the (guarded, pooled) transport, not through
    `httpx.AsyncClient`: we follow redirects and build headers ourselves, and the
    client's per-request work (URL/header merging, cookie-jar shims on every
    response) was a third of the poller's CPU. Cookies are still kept, per
    transport, as the client did, but only touched when a server sets one.
    """

    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        self.user_agent = config.user_agent or DEFAULT_USER_AGENT
        self._transports: dict[bool, GuardedTransport] = {}
        self._cookies: dict[bool, httpx.Cookies] = {}
        self._timeout = httpx.Timeout(
            config.timeout.total_seconds(), connect=config.connect_timeout.total_seconds()
        ).as_dict()
        self._per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(config.per_host)
        )
        self._all = asyncio.Semaphore(config.concurrency)

    def _transport(self, allow_private: bool) -> GuardedTransport:
        if allow_private not in self._transports:
            self._transports[allow_private] = GuardedTransport(allow_private, self.config.concurrency)
            self._cookies[allow_private] = httpx.Cookies()
        return self._transports[allow_private]

    async def aclose(self) -> None:
        for transport in self._transports.values():
            await transport.aclose()
        self._transports.clear()

    async def _send(
        self, transport: GuardedTransport, cookies: httpx.Cookies, request: httpx.Request
    ) -> httpx.Response:
        """What AsyncClient.send(stream=True) did for us, minus its per-request overhead."""
        if cookies.jar:  # an empty jar (the usual case) adds nothing
            cookies.set_cookie_header(request)
        response = await transport.handle_async_request(request)
        response.request = request
        if "set-cookie" in response.headers:
            cookies.extract_cookies(response)
        return response

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        allow_private: bool = False,
    ) -> FetchResult:
        total = self.config.timeout.total_seconds()
        state: dict[str, str | int | None] = {"url": url, "status": 0, "moved_to": None}
        try:
            async with asyncio.timeout(total):
                return await self._fetch(url, etag, last_modified, headers or {}, auth, allow_private, state)
        except TimeoutError:
            error, kind = f"timed out after {total:g}s in total", "transient"
        except FetchError as exc:
            error, kind = str(exc), exc.kind
            state["status"] = exc.status or state["status"]
        except AddressRefused as exc:
            error, kind = str(exc), "refused"
        except httpx.ConnectTimeout:
            error, kind = "connect timed out", "transient"
        except httpx.TimeoutException:
            error, kind = "server stopped sending (read timeout)", "transient"
        except httpx.InvalidURL as exc:
            error, kind = f"invalid URL: {exc}", "permanent"
        except httpx.HTTPError as exc:
            error, kind = f"{type(exc).__name__}: {exc}"[:300], "transient"
        return FetchResult(
            url=str(state["url"]),
            outcome="error",
            status=int(state["status"] or 0),
            moved_to=state["moved_to"] if isinstance(state["moved_to"], str) else None,
            error=error,
            kind=kind,  # type: ignore[arg-type]
        )

    async def _fetch(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        extra: Mapping[str, str],
        auth: tuple[str, str] | None,
        allow_private: bool,
        state: dict[str, str | int | None],
    ) -> FetchResult:
        transport = self._transport(allow_private)
        cookies = self._cookies[allow_private]
        current = httpx.URL(url)
        origin = (current.scheme, current.host, current.port)
        seen: set[str] = set()
        moved_to: str | None = None
        for _hop in range(self.config.max_redirects + 1):
            problem = url_problem(current.scheme)
            if problem:
                raise FetchError(problem, "refused")
            if not current.host:
                raise FetchError("URL has no host", "permanent")
            seen.add(str(current))
            state["url"] = str(current)
            headers = {
                "User-Agent": self.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": "gzip, deflate",
            }
            if (current.scheme, current.host, current.port) == origin:
                # The user's headers and credentials go only to the configured origin.
                headers.update(extra)
                if auth:
                    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
                    headers["Authorization"] = f"Basic {token}"
                if etag:
                    headers["If-None-Match"] = etag
                if last_modified:
                    headers["If-Modified-Since"] = last_modified
            request = httpx.Request("GET", current, headers=headers, extensions={"timeout": self._timeout})
            # Per-host slot first: waiting for a busy host must not hold a global slot.
            async with self._per_host[current.host], self._all:
                response = await self._send(transport, cookies, request)
                try:
                    state["status"] = response.status_code
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(
                                f"HTTP {response.status_code} without a Location",
                                status=response.status_code,
                            )
                        target = current.join(location)
                        if response.status_code in _PERMANENT_REDIRECTS and moved_to is None and _hop == 0:
                            moved_to = str(target)
                            state["moved_to"] = moved_to
                        if str(target) in seen:
                            raise FetchError(f"redirect loop at {target}", status=response.status_code)
                        current = target
                        continue
                    return await self._finish(response, str(current), moved_to)
                finally:
                    await _drain(response)
                    await response.aclose()
        raise FetchError(f"more than {self.config.max_redirects} redirects", status=int(state["status"] or 0))

    async def _finish(self, response: httpx.Response, url: str, moved_to: str | None) -> FetchResult:
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        if status == 304:
            return FetchResult(
                url,
                "not_modified",
                status,
                headers=headers,
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
                moved_to=moved_to,
            )
        if status in (429, 503):
            wait = parse_retry_after(headers.get("retry-after"), headers.get("date"))
            return FetchResult(
                url,
                "error",
                status,
                retry_after=wait,
                moved_to=moved_to,
                kind="transient",
                error=f"HTTP {status} ({'too many requests' if status == 429 else 'unavailable'})"
                + (f"; server asks to wait {wait:g}s" if wait is not None else ""),
            )
        if status in _PERMANENT_STATUS:
            return FetchResult(
                url,
                "error",
                status,
                moved_to=moved_to,
                kind="permanent",
                error=f"HTTP {status} ({_PERMANENT_STATUS[status]}): check the feed URL",
            )
        if status != 200:
            kind: ErrorKind = "permanent" if status in (401, 403) else "transient"
            return FetchResult(url, "error", status, moved_to=moved_to, kind=kind, error=f"HTTP {status}")
        declared = headers.get("content-length", "")
        if (
            declared.isdigit()
            and int(declared) > self.config.max_bytes
            and not headers.get("content-encoding")
        ):
            raise FetchError(
                f"body of {declared} bytes is larger than {self.config.max_bytes}", status=status
            )
        decoder = Decoder(headers.get("content-encoding", ""), self.config.max_bytes)
        parts: list[bytes] = []
        raw = 0
        async for chunk in response.aiter_raw(_CHUNK):
            raw += len(chunk)
            if raw > self.config.max_bytes:
                raise FetchError(f"body larger than {self.config.max_bytes} bytes; cut off", status=status)
            parts.append(decoder.feed(chunk))
        parts.append(decoder.flush())
        return FetchResult(
            url,
            "ok",
            status,
            body=b"".join(parts),
            headers=headers,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            moved_to=moved_to,
        )
