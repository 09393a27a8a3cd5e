"""The feed HTTP client against a real server on 127.0.0.1: limits, conditional GET, politeness."""

from __future__ import annotations

import asyncio
import gzip
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.settings.feeds import FetchConfig
from monitor.sources.fetch import (
    DEFAULT_USER_AGENT,
    Decoder,
    Fetcher,
    FetchError,
    FetchResult,
    parse_retry_after,
)

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "feeds"))
from feedserver import (
    FeedServer,
    big_route,
    feed_route,
    fixture,
    gzip_bomb_route,
    gzip_route,
    redirect_route,
    send,
    status_route,
    trickle_route,
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    yield srv
    srv.stop()


def fetch(url: str, config: FetchConfig | None = None, **kw: Any) -> FetchResult:
    config = config or FetchConfig.model_validate(
        {"allow_private": True, "timeout": "5s", "max_bytes": 1_000_000}
    )

    async def go() -> FetchResult:
        f = Fetcher(config)
        try:
            return await f.fetch(url, allow_private=kw.pop("allow_private", True), **kw)
        finally:
            await f.aclose()

    return asyncio.run(go())


def test_ok_sends_user_agent_and_conditional_get_gives_304(server: FeedServer) -> None:
    server.routes["/f"] = feed_route(fixture("rss20.xml"))
    first = fetch(server.url("/f"))
    assert first.outcome == "ok" and first.status == 200
    assert first.body == fixture("rss20.xml")
    assert first.etag and first.last_modified
    assert server.hits[0].headers["user-agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("newsmon/") and "(+http" in DEFAULT_USER_AGENT
    second = fetch(server.url("/f"), etag=first.etag, last_modified=first.last_modified)
    assert second.outcome == "not_modified" and second.status == 304 and second.body == b""
    assert server.hits[1].headers["if-none-match"] == first.etag
    assert server.hits[1].headers["if-modified-since"] == first.last_modified


def test_gzip_body_is_decoded(server: FeedServer) -> None:
    server.routes["/gz"] = gzip_route(fixture("atom.xml"))
    result = fetch(server.url("/gz"))
    assert result.outcome == "ok" and result.body == fixture("atom.xml")


def test_slow_trickle_is_cut_at_the_total_timeout(server: FeedServer) -> None:
    server.routes["/slow"] = trickle_route(seconds=20, every=0.1)
    started = time.monotonic()
    result = fetch(server.url("/slow"), FetchConfig.model_validate({"allow_private": True, "timeout": "1s"}))
    elapsed = time.monotonic() - started
    assert result.outcome == "error" and "timed out after 1s in total" in result.error
    assert elapsed < 3


def test_oversized_body_is_cut_off(server: FeedServer) -> None:
    server.routes["/big"] = big_route(5_000_000)
    result = fetch(server.url("/big"))
    assert result.outcome == "error" and "larger than 1000000 bytes" in result.error


def test_gzip_bomb_is_cut_off_without_inflating(server: FeedServer) -> None:
    server.routes["/bomb"] = gzip_bomb_route(64 * 1024 * 1024)
    result = fetch(server.url("/bomb"))
    assert result.outcome == "error" and "after decompression" in result.error


def test_decoder_never_inflates_past_the_limit() -> None:
    bomb = gzip.compress(b"\0" * 20_000_000, 9)
    decoder = Decoder("gzip", 100_000)
    with pytest.raises(FetchError, match="after decompression"):
        decoder.feed(bomb)  # one call: the bound must hold inside it
    assert decoder.size <= 100_001
    raw_deflate = zlib.compressobj(wbits=-15)
    data = raw_deflate.compress(b"hello world") + raw_deflate.flush()
    assert Decoder("deflate", 100).feed(data) == b"hello world"
    assert Decoder("deflate", 100).feed(zlib.compress(b"zlib wrapped")) == b"zlib wrapped"
    with pytest.raises(FetchError, match="unsupported Content-Encoding"):
        Decoder("br", 100)


def test_redirect_loop_and_too_many_redirects(server: FeedServer) -> None:
    server.routes["/l1"] = redirect_route("/l2")
    server.routes["/l2"] = redirect_route("/l1")
    loop = fetch(server.url("/l1"))
    assert loop.outcome == "error" and "redirect loop" in loop.error
    for i in range(10):
        server.routes[f"/r{i}"] = redirect_route(f"/r{i + 1}")
    chain = fetch(server.url("/r0"))
    assert chain.outcome == "error" and "more than 5 redirects" in chain.error


def test_permanent_redirect_reports_the_new_location(server: FeedServer) -> None:
    server.routes["/old"] = redirect_route("/new", 301)
    server.routes["/new"] = feed_route(fixture("rss20.xml"))
    result = fetch(server.url("/old"))
    assert result.outcome == "ok" and result.moved_to == server.url("/new")
    assert result.url == server.url("/new")


def test_error_statuses(server: FeedServer) -> None:
    server.routes["/500"] = status_route(500)
    server.routes["/gone"] = status_route(410)
    server.routes["/busy"] = status_route(429, {"Retry-After": "120"})
    server.routes["/down"] = status_route(503, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    r500 = fetch(server.url("/500"))
    assert (r500.outcome, r500.status, r500.kind, r500.error) == ("error", 500, "transient", "HTTP 500")
    gone = fetch(server.url("/gone"))
    assert gone.kind == "permanent" and "410 (gone)" in gone.error
    missing = fetch(server.url("/nothing-here"))
    assert missing.kind == "permanent" and "404 (not found)" in missing.error
    busy = fetch(server.url("/busy"))
    assert busy.status == 429 and busy.retry_after == 120
    down = fetch(server.url("/down"))
    assert down.status == 503 and down.retry_after is not None and down.retry_after > 86400


def test_headers_and_credentials_stay_on_the_configured_origin(server: FeedServer) -> None:
    other = FeedServer().start()
    try:
        other.routes["/feed"] = feed_route(fixture("rss20.xml"))
        server.routes["/auth"] = redirect_route(other.url("/feed"))
        result = fetch(server.url("/auth"), headers={"X-Token": "s3cret"}, auth=("u", "pw"))
        assert result.outcome == "ok"
        assert server.hits[0].headers["x-token"] == "s3cret"
        assert server.hits[0].headers["authorization"].startswith("Basic ")
        assert "x-token" not in other.hits[0].headers and "authorization" not in other.hits[0].headers
    finally:
        other.stop()


def test_connection_refused_and_garbage_url() -> None:
    from conftest import free_port

    refused = fetch(f"http://127.0.0.1:{free_port()}/feed")
    assert refused.outcome == "error" and refused.kind == "transient" and refused.error
    bad = fetch("http://exa mple.com:99999999/")
    assert bad.outcome == "error" and bad.error


def test_garbage_response_is_an_error_not_a_crash(server: FeedServer) -> None:
    def garbage(h: Any) -> None:
        h.wfile.write(b"\x00\xff\xfe garbage that is not HTTP\r\n\r\n")
        h.close_connection = True

    server.routes["/garbage"] = garbage
    result = fetch(server.url("/garbage"))
    assert result.outcome == "error" and result.kind == "transient"


def test_per_host_concurrency_limit(server: FeedServer) -> None:
    import threading

    active, peak = [0], [0]
    lock = threading.Lock()

    def slow(h: Any) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.15)
        with lock:
            active[0] -= 1
        send(h, 200, fixture("rss20.xml"))

    server.routes["/s"] = slow
    config = FetchConfig.model_validate({"allow_private": True, "per_host": 2, "concurrency": 10})

    async def go() -> None:
        f = Fetcher(config)
        results = await asyncio.gather(*(f.fetch(server.url("/s"), allow_private=True) for _ in range(6)))
        await f.aclose()
        assert all(r.outcome == "ok" for r in results)

    asyncio.run(go())
    assert peak[0] == 2


def test_retry_after_parsing() -> None:
    assert parse_retry_after("30") == 30
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", "Wed, 21 Oct 2015 07:28:00 GMT") == 10
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 08:00:00 GMT") == 0


def test_cookies_set_by_a_hop_go_back_to_that_host(server: FeedServer) -> None:
    # A cookie wall: set a cookie, redirect; the next request must carry it (as httpx's client did).
    server.routes["/wall"] = lambda h: send(
        h, 302, b"", "text/plain", {"Location": "/feed", "Set-Cookie": "consent=yes; Path=/"}
    )
    server.routes["/feed"] = feed_route(fixture("rss20.xml"))
    result = fetch(server.url("/wall"))
    assert result.outcome == "ok"
    assert "cookie" not in server.hits[0].headers
    assert server.hits[1].headers.get("cookie") == "consent=yes"
