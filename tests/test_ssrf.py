"""The SSRF guard: with it on, no address form of loopback (nor a redirect to it) is fetched."""

from __future__ import annotations

import asyncio
import ipaddress
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.settings.feeds import FetchConfig
from monitor.sources import ssrf
from monitor.sources.fetch import Fetcher, FetchResult

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "feeds"))
from feedserver import FeedServer, feed_route, fixture, redirect_route


@pytest.fixture
def canary() -> Iterator[FeedServer]:
    srv = FeedServer()
    srv.start()
    srv.routes.update({p: feed_route(fixture("rss20.xml")) for p in ("/a", "/after-redirect")})
    yield srv
    srv.stop()


def fetch(url: str, allow_private: bool = False) -> FetchResult:
    async def go() -> FetchResult:
        f = Fetcher(FetchConfig.model_validate({"timeout": "5s"}))
        try:
            return await f.fetch(url, allow_private=allow_private)
        finally:
            await f.aclose()

    return asyncio.run(go())


FORMS = [
    "http://127.0.0.1:{port}/a",
    "http://2130706433:{port}/a",
    "http://0x7f000001:{port}/a",
    "http://127.1:{port}/a",
    "http://0177.0.0.1:{port}/a",
    "http://[::ffff:127.0.0.1]:{port}/a",
    "http://[::1]:{port}/a",
    "http://localhost:{port}/a",
    "http://LocalHost:{port}/a",
    "http://0.0.0.0:{port}/a",
    "http://[::]:{port}/a",
]


@pytest.mark.parametrize("form", FORMS)
def test_loopback_forms_are_refused_and_canary_sees_nothing(canary: FeedServer, form: str) -> None:
    result = fetch(form.format(port=canary.port))
    assert result.outcome == "error"
    # Refused by the guard, or (0177.0.0.1) rejected by the URL parser: never connected.
    assert "refused to connect" in result.error or "invalid URL" in result.error, result.error
    assert canary.hits == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/", "data:,hi"])
def test_non_http_schemes_are_refused(url: str) -> None:
    result = fetch(url, allow_private=True)
    assert result.outcome == "error" and result.kind in ("refused", "permanent")
    assert "not allowed" in result.error or "invalid URL" in result.error


def test_allow_private_fetches_loopback(canary: FeedServer) -> None:
    result = fetch(canary.url("/a"), allow_private=True)
    assert result.outcome == "ok" and canary.paths() == ["/a"]


def test_redirect_to_loopback_is_refused(canary: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # A "public" server: 127.0.0.2 is let through by a patched policy, 127.0.0.1 stays guarded.
    original = ssrf.address_problem
    monkeypatch.setattr(ssrf, "address_problem", lambda ip: None if str(ip) == "127.0.0.2" else original(ip))
    public = FeedServer()
    public.routes["/redir"] = redirect_route(canary.url("/after-redirect"))
    public.routes["/redir-name"] = redirect_route(f"http://localhost:{canary.port}/after-redirect")
    import http.server
    import threading

    # Serve the "public" server on 127.0.0.2.
    public.start()
    public.stop()
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), _handler(public))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        for path in ("/redir", "/redir-name"):
            result = fetch(f"http://127.0.0.2:{server.server_address[1]}{path}")
            assert result.outcome == "error" and result.kind == "refused", result.error
            assert "loopback" in result.error
        assert canary.hits == []
        assert [h.path for h in public.hits] == ["/redir", "/redir-name"]
    finally:
        server.shutdown()
        server.server_close()


def _handler(fs: FeedServer) -> type:
    import http.server

    from feedserver import Hit

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fs.hits.append(Hit(self.path, dict(self.headers.items())))
            fs.routes[self.path](self)

        def log_message(self, *args: object) -> None:
            pass

    return H


def test_connection_is_pinned_to_the_checked_address(
    canary: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "feeds.test" does not resolve for real: the request can only succeed by connecting to the
    # address the guard resolved and checked, while keeping the name in the Host header.
    async def fake_resolve(host: str, port: int) -> list[ssrf.IPAddress]:
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(ssrf, "resolve", fake_resolve)
    result = fetch(f"http://feeds.test:{canary.port}/a", allow_private=True)
    assert result.outcome == "ok"
    assert canary.hits[0].headers["host"] == f"feeds.test:{canary.port}"


def test_rebinding_name_with_a_private_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fake_resolve(host: str, port: int) -> list[ssrf.IPAddress]:
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.5")]

    monkeypatch.setattr(ssrf, "resolve", fake_resolve)
    result = fetch("http://rebind.test/feed")
    assert result.kind == "refused" and "10.0.0.5" in result.error and "private" in result.error


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("239.1.1.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("255.255.255.255", "private"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::7f00:1", "loopback"),
        ("2002:7f00:1::1", "loopback"),
    ],
)
def test_guarded_addresses(address: str, reason: str) -> None:
    assert ssrf.address_problem(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "100.128.0.1"])
def test_public_addresses_pass(address: str) -> None:
    assert ssrf.address_problem(ipaddress.ip_address(address)) is None
