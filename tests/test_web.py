"""The web console through Starlette's ASGI test client, on a real App, state file and config files."""

from __future__ import annotations

import html
import re
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from monitor.app import App
from monitor.article import RawItem, normalise
from monitor.settings import ConfigError, load_config
from monitor.store.articles import prune_texts
from monitor.store.base import DeliveryLogEntry, NewAlert
from monitor.web.app import create_app
from monitor.web.console import Console
from monitor.web.security import CSP, Guard

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "feeds"))
from feedserver import FeedServer, feed_route, fixture, send

BASE = "http://127.0.0.1:8787"
HOSTILE = "Flood warning <script>alert('x')</script> <img src=x onerror=alert(1)> \u202eevil\u202c"


def _main_toml(target_url: str, web: str = "", extra: str = "") -> str:
    return textwrap.dedent(f"""\
        state_dir = "state"

        [[rules]]
        name = "floods"
        query = "flood OR floods"
        notify = ["chat"]

        [targets]
        chat = ["{target_url}"]

        [web]
        listen = "127.0.0.1:8787"
        {web}
        """) + extra


class Env:
    def __init__(self, tmp_path: Path, target_url: str = "json://127.0.0.1:9/hook?token=s3cr3tvalue",
                 web: str = "", extra: str = ""):
        self.dir = tmp_path
        self.main = tmp_path / "newsmon.toml"
        self.main.write_text(_main_toml(target_url, web, extra), encoding="utf-8")
        self.app = App(load_config(self.main), echo_alerts=False)
        self.app.open()
        assert self.app.store is not None
        self.store = self.app.store
        self.console = Console.for_app(self.app)
        self.client = TestClient(create_app(self.console, self.app.config.web), base_url=BASE)

    def article(self, key: str, title: str, body: str = "", rules: tuple[str, ...] = (),
                when: datetime | None = None, alerts: tuple[NewAlert, ...] = ()) -> Any:
        now = when or datetime.now(UTC)
        art = normalise(RawItem(source="wire", key=key, title=title, body=body,
                                url=f"https://news.example/{key}"), now)
        assert self.store.record(art, list(alerts), now, rules=list(rules))
        return art

    def csrf(self, path: str = "/rules") -> str:
        page = self.client.get(path)
        found = re.search(r'X-CSRF-Token": "([0-9a-f]{64})"', page.text)
        assert found, page.text[:500]
        return found.group(1)

    def close(self) -> None:
        self.client.close()
        self.app.stop()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    yield e
    e.close()


def _no_inline_code(html: str) -> None:
    """Nothing the CSP would block, and nothing an attacker could have put there: every real
    tag is checked (escaped text such as `&lt;img onerror=...&gt;` is text, not a tag)."""
    found: list[str] = []

    class Check(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            names = {k.lower(): v or "" for k, v in attrs}
            active = ("script", "img", "iframe", "object", "embed")
            if tag in active and (tag != "script" or "src" not in names):
                found.append(f"<{tag}>")
            found.extend(f"{tag}[{k}]" for k in names if k.startswith("on") or k == "style")
            found.extend(f"{tag}[{k}]" for k, v in names.items()
                         if k in ("href", "src", "action") and v.strip().lower().startswith("javascript:"))

    Check().feed(html)
    assert not found, found


# -- every page -------------------------------------------------------------

@pytest.mark.parametrize("path", ["/rules", "/rules/edit", "/rules/edit?name=floods", "/sources",
                                  "/alerts", "/outbox", "/targets", "/login"])
def test_every_page_renders_with_strict_headers(env: Env, path: str) -> None:
    env.article("a1", HOSTILE, "The river flood came at night.", rules=("floods",))
    page = env.client.get(path)
    assert page.status_code == 200, page.text[:300]
    assert page.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert '<html lang="en">' in page.text and 'name="viewport"' in page.text
    _no_inline_code(page.text)


def test_static_htmx_is_vendored_with_its_licence(env: Env) -> None:
    js = env.client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "Zero-Clause BSD" in js.text[:400] and "htmx" in js.text
    assert env.client.get("/static/console.css").status_code == 200


def test_unknown_host_header_is_refused(env: Env) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 must not reach the console."""
    page = env.client.get("/rules", headers={"host": "evil.example:8787"})
    assert page.status_code == 421
    assert env.client.get("/rules", headers={"host": "localhost:8787"}).status_code == 200


# -- rules: list, live back-test, save ----------------------------------------

def test_rule_list_shows_hit_counts_for_24h_and_7d(env: Env) -> None:
    now = datetime.now(UTC)
    env.article("a1", "Flood one", rules=("floods",), when=now - timedelta(hours=2))
    env.article("a2", "Flood two", rules=("floods",), when=now - timedelta(days=3))
    env.article("a3", "Flood three", rules=("floods",), when=now - timedelta(days=9))
    page = env.client.get("/rules")
    row = re.search(r"floods</a></td>.*?</tr>", page.text, re.S)
    assert row is not None
    assert re.findall(r'class="num">(\d+)</td>', row.group(0)) == ["1", "2"]


def test_preview_marks_matches_escapes_hostile_text_and_gives_the_reason(env: Env) -> None:
    env.article("a1", HOSTILE, "The river flood came at night.", rules=("floods",))
    env.article("a2", "Dry summer", "No rain at all.")
    got = env.client.post("/rules/preview", data={
        "csrf": env.csrf(), "original": "floods", "name": "floods", "query": "flood AND river",
        "notify": "chat"})
    assert got.status_code == 200
    html = got.text
    assert 'id="match-count">1</span> of 2' in html
    assert "<mark>Flood</mark> warning &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
    assert "\u202e" not in html  # bidi overrides were removed when the article was normalised
    assert "The <mark>river</mark> <mark>flood</mark> came" in html
    assert "Matched: word “Flood” in title" in html
    _no_inline_code(html)


def test_preview_diff_against_the_saved_rule(env: Env) -> None:
    env.article("a1", "Flood in the valley", rules=("floods",))
    env.article("a2", "Floods and storms", rules=("floods",))
    env.article("a3", "Storm warning")
    got = env.client.post("/rules/preview", data={
        "csrf": env.csrf(), "original": "floods", "name": "floods", "query": "flood OR storm"})
    assert 'id="match-count">2</span>' in got.text
    assert "+1 article</span>, <span class=\"minus\">−1</span>" in got.text  # +storm warning, -floods
    assert "No longer matched" in got.text and "Floods and storms" in got.text


def test_preview_errors_are_the_one_line_check_errors(env: Env) -> None:
    got = env.client.post("/rules/preview", data={
        "csrf": env.csrf(), "original": "", "name": "bad", "query": "flood AND (", "notify": "chat"})
    lines = [html.unescape(x) for x in re.findall(r"<li><code>(.*?)</code></li>", got.text)]
    dropin = env.dir / "rules.d" / "web-bad.toml"
    assert lines == [f'{dropin}: rules[0]: rule "bad": query column 11: missing `)` for this `(`']
    # The very line `newsmon check` prints once that rule is in its drop-in.
    dropin.parent.mkdir()
    dropin.write_text('[[rules]]\nname = "bad"\nquery = "flood AND ("\nnotify = ["chat"]\n')
    env.main.write_text('include = ["rules.d/*.toml"]\n' + env.main.read_text())
    with pytest.raises(ConfigError) as err:
        load_config(env.main)
    assert str(err.value) == lines[0]
    dropin.unlink()
    got = env.client.post("/rules/preview", data={
        "csrf": env.csrf(), "original": "", "name": "x", "query": "flood", "notify": "nobody"})
    assert "notify names target &#34;nobody&#34;, which is not in [targets]" in got.text
    got = env.client.post("/rules/preview", data={
        "csrf": env.csrf(), "original": "", "name": "floods", "query": "flood"})
    assert "two rules are named &#34;floods&#34;" in got.text


def test_save_new_rule_writes_a_dropin_adds_include_and_reloads(env: Env) -> None:
    main_before = env.main.read_text()
    saved = env.client.post("/rules/save", data={
        "csrf": env.csrf(), "original": "", "name": "Storm watch", "query": 'storm AND "red warning"',
        "places": "", "within": "", "notify": "chat"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/rules?saved=web-storm-watch.toml"
    dropin = env.dir / "rules.d" / "web-storm-watch.toml"
    data = tomllib.loads(dropin.read_text())
    assert data["rules"] == [{"name": "Storm watch", "query": 'storm AND "red warning"', "notify": ["chat"]}]
    added = 'include = ["rules.d/*.toml"]  # added by the newsmon web console\n'
    assert env.main.read_text() == added + main_before
    assert [r.name for r in env.app.config.rules] == ["floods", "Storm watch"]  # the App reloaded
    assert [r.name for r in load_config(env.main).rules] == ["floods", "Storm watch"]
    # Edit it again: the same file is rewritten, nothing else is written.
    again = env.client.post("/rules/save", data={
        "csrf": env.csrf(), "original": "Storm watch", "name": "Storm watch", "query": "storm",
        "notify": "chat"}, follow_redirects=False)
    assert again.status_code == 303
    assert tomllib.loads(dropin.read_text())["rules"][0]["query"] == "storm"
    assert sorted(p.name for p in (env.dir / "rules.d").iterdir()) == ["web-storm-watch.toml"]
    listing = env.client.get("/rules?saved=web-storm-watch.toml")
    assert "Saved to web-storm-watch.toml; the daemon reloaded." in listing.text


def test_save_keeps_the_rules_other_settings_and_tricky_strings(env: Env) -> None:
    env.client.post("/rules/save", data={"csrf": env.csrf(), "name": "q", "query": 'a "b\\c" OR x',
                                         "notify": "chat"})
    path = env.dir / "rules.d" / "web-q.toml"
    text = path.read_text().replace('notify = ["chat"]', 'notify = ["chat"]\nmax_per_hour = 3')
    path.write_text(text)
    env.app.reload(load_config(env.main))
    env.client.post("/rules/save", data={"csrf": env.csrf(), "original": "q", "name": "q",
                                         "query": 'tab\tand "quote"', "notify": "chat"})
    rule = tomllib.loads(path.read_text())["rules"][0]
    assert rule["max_per_hour"] == 3 and rule["query"] == 'tab\tand "quote"'


def test_hand_written_rule_is_never_rewritten_but_can_be_copied(env: Env) -> None:
    before = env.main.read_text()
    refused = env.client.post("/rules/save", data={
        "csrf": env.csrf(), "original": "floods", "name": "floods", "query": "flood", "notify": "chat"})
    assert refused.status_code == 400
    line = f"{env.main}: rules: &#34;floods&#34; is defined in a file the console does not rewrite"
    assert line in refused.text
    assert env.main.read_text() == before and not (env.dir / "rules.d").exists()
    copied = env.client.post("/rules/save", data={
        "csrf": env.csrf(), "original": "floods", "name": "floods-2", "query": "flood", "notify": "chat"},
        follow_redirects=False)
    assert copied.status_code == 303
    assert [r.name for r in env.app.config.rules] == ["floods", "floods-2"]


def test_a_save_that_does_not_load_is_undone(env: Env) -> None:
    """The main file's include misses rules.d: nothing is written, the line to change is named."""
    env.main.write_text('include = ["other/*.toml"]\n' + env.main.read_text())
    env.app.reload(load_config(env.main))
    got = env.client.post("/rules/save", data={"csrf": env.csrf(), "name": "n", "query": "x",
                                               "notify": "chat"})
    assert got.status_code == 400
    assert f'{env.main}: include: does not cover web-n.toml; add &#34;rules.d/*.toml&#34;' in got.text
    assert not (env.dir / "rules.d" / "web-n.toml").exists()


def test_a_reload_failure_puts_the_files_back(env: Env) -> None:
    def refuse(_config: Any) -> None:
        raise ConfigError.single(env.main, "rules[1]", "refused by the daemon")

    env.console.reload = refuse
    got = env.client.post("/rules/save", data={"csrf": env.csrf(), "name": "n", "query": "x",
                                               "notify": "chat"})
    assert got.status_code == 400 and "refused by the daemon" in got.text
    assert not (env.dir / "rules.d" / "web-n.toml").exists()
    assert not env.main.read_text().startswith("include")


def test_delete_a_console_rule(env: Env) -> None:
    env.client.post("/rules/save", data={"csrf": env.csrf(), "name": "temp", "query": "x", "notify": "chat"})
    assert "temp" in [r.name for r in env.app.config.rules]
    gone = env.client.post("/rules/delete", data={"csrf": env.csrf(), "name": "temp"}, follow_redirects=False)
    assert gone.status_code == 303 and not (env.dir / "rules.d" / "web-temp.toml").exists()
    assert [r.name for r in env.app.config.rules] == ["floods"]
    refused = env.client.post("/rules/delete", data={"csrf": env.csrf(), "name": "floods"})
    assert refused.status_code == 400 and "was not written by the console" in refused.text


def test_hostile_rule_names_and_queries_are_escaped(env: Env) -> None:
    env.client.post("/rules/save", data={"csrf": env.csrf(), "name": "<b onmouseover=x>", "query": "\"<i>\"",
                                         "notify": "chat"})
    page = env.client.get("/rules")
    assert "&lt;b onmouseover=x&gt;" in page.text
    _no_inline_code(page.text)


# -- CSRF and sign-in -----------------------------------------------------------

@pytest.mark.parametrize("path", ["/rules/preview", "/rules/save", "/rules/delete", "/sources/discover",
                                  "/sources/add", "/sources/import", "/outbox/1/retry", "/outbox/1/discard",
                                  "/targets/chat/test", "/logout"])
def test_every_form_needs_the_csrf_token(env: Env, path: str) -> None:
    env.csrf()  # the browser has its CSRF cookie
    assert env.client.post(path, data={"name": "x", "query": "x"}).status_code == 403
    assert env.client.post(path, data={"csrf": "0" * 64, "name": "x", "query": "x"}).status_code == 403
    other = TestClient(env.client.app, base_url=BASE)
    stolen = re.search(r'X-CSRF-Token": "([0-9a-f]{64})"', other.get("/rules").text)
    assert stolen is not None  # a token made for another browser's cookie does not pass
    assert env.client.post(path, data={"csrf": stolen.group(1), "name": "x", "query": "x"}).status_code == 403
    assert not (env.dir / "rules.d").exists()


def test_htmx_requests_send_the_token_as_a_header(env: Env) -> None:
    token = env.csrf()
    got = env.client.post("/rules/preview", data={"name": "x", "query": "flood"},
                          headers={"x-csrf-token": token, "hx-request": "true"})
    assert got.status_code == 200 and "Back-test" in got.text


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Env]:
    from argon2 import PasswordHasher

    hashed = PasswordHasher().hash("correct horse battery")
    e = Env(tmp_path, web=f'password_hash = "{hashed}"\ntoken = "{"t" * 32}"')
    yield e
    e.close()


def test_sign_in_with_password_then_pages_open(locked: Env) -> None:
    client = locked.client
    first = client.get("/alerts", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login?next=/alerts"
    assert client.post("/rules/preview", data={}).status_code == 401
    token = locked.csrf("/login")
    wrong = client.post("/login", data={"csrf": token, "secret": "guess", "next": "/alerts"})
    assert wrong.status_code == 401 and "Wrong password or token." in wrong.text
    right = client.post("/login", data={"csrf": token, "secret": "correct horse battery", "next": "/alerts"},
                        follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/alerts"
    assert client.get("/alerts").status_code == 200
    client.post("/logout", data={"csrf": locked.csrf("/rules")})
    assert client.get("/alerts", follow_redirects=False).status_code == 303


def test_bearer_token_and_forged_sessions(locked: Env) -> None:
    client = locked.client
    assert client.get("/rules", headers={"authorization": "Bearer " + "t" * 32}).status_code == 200
    wrong = client.get("/rules", headers={"authorization": "Bearer nope"}, follow_redirects=False)
    assert wrong.status_code == 303
    forged = f"{int(datetime.now(UTC).timestamp()) + 3600}.abcd.{'0' * 64}"
    client.cookies.set("newsmon_session", forged)
    assert client.get("/rules", follow_redirects=False).status_code == 303


def test_login_is_throttled_and_next_cannot_leave_the_site(locked: Env) -> None:
    client = locked.client
    token = locked.csrf("/login")
    for _ in range(5):
        client.post("/login", data={"csrf": token, "secret": "nope"})
    assert client.post("/login", data={"csrf": token, "secret": "correct horse battery"}).status_code == 429
    guard = Guard(locked.app.config.web)
    assert guard.session_ok(guard.new_session())
    assert not guard.session_ok(guard.new_session(now=1))  # expired
    fresh = TestClient(create_app(locked.console, locked.app.config.web), base_url=BASE)
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', fresh.get("/login").text).group(1)  # type: ignore[union-attr]
    out = fresh.post("/login", data={"csrf": token, "secret": "t" * 32, "next": "//evil.example/"},
                     follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/"


def test_non_loopback_listen_needs_a_password_or_token(tmp_path: Path) -> None:
    path = tmp_path / "n.toml"
    path.write_text('[web]\nlisten = "0.0.0.0:8787"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (f"{path}: web: listen '0.0.0.0:8787' is reachable from other machines: set "
                              "`password_hash` or `token`, or listen on 127.0.0.1")
    path.write_text('[web]\nlisten = "0.0.0.0:8787"\npassword_hash = "hunter2"\n')
    with pytest.raises(ConfigError, match="expected an argon2 hash"):
        load_config(path)
    path.write_text('[web]\nlisten = "0.0.0.0:8787"\ntoken = "' + "x" * 30 + '"\n')
    assert load_config(path).web.token


# -- kept article text ------------------------------------------------------

def test_article_text_is_kept_then_pruned(env: Env) -> None:
    now = datetime.now(UTC)
    env.article("old", "Flood long ago", when=now - timedelta(days=20))
    env.article("new", "Flood today", when=now)
    assert env.store.articles.count() == 2
    assert env.store.articles.by_id(normalise(RawItem("wire", "new", title="x"), now).id) is not None
    env.app.prune()  # keep_articles defaults to 14 days
    assert [s.article.title for s in env.store.articles.after(0)] == ["Flood today"]
    assert env.store.is_seen(normalise(RawItem("wire", "old", title="x"), now).id)  # still seen
    assert prune_texts(env.store, now + timedelta(seconds=1)) == 1


def test_keep_articles_zero_keeps_no_text(tmp_path: Path) -> None:
    e = Env(tmp_path, web='keep_articles = "0"')
    try:
        e.article("a", "Flood")
        assert e.store.articles.count() == 0
    finally:
        e.close()


# -- sources ----------------------------------------------------------------

@pytest.fixture
def site() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    page = (b'<html><head><title>Local news</title>'
            b'<link rel="alternate" type="application/rss+xml" title="Top &amp; stories" href="/rss.xml">'
            b'<link rel="alternate" type="application/atom+xml" href="atom.xml">'
            b'<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
            b'<link rel="stylesheet" href="/s.css"></head><body>hi</body></html>')
    srv.routes["/news"] = lambda h: send(h, 200, page, "text/html; charset=utf-8")
    srv.routes["/rss.xml"] = feed_route(fixture("rss20.xml"))
    yield srv
    srv.stop()


def test_discover_feeds_on_a_page_and_add_one(tmp_path: Path, site: FeedServer) -> None:
    e = Env(tmp_path, extra="\n[fetch]\nallow_private = true\n")
    try:
        found = e.client.post("/sources/discover", data={"csrf": e.csrf(), "url": site.url("/news")})
        assert found.status_code == 200
        assert site.url("/rss.xml") in found.text and site.url("/atom.xml") in found.text
        assert "javascript:" not in found.text and 'value="Top &amp; stories"' in found.text
        direct = e.client.post("/sources/discover", data={"csrf": e.csrf(), "url": site.url("/rss.xml")})
        assert site.url("/rss.xml") in direct.text
        added = e.client.post("/sources/add", data={"csrf": e.csrf(), "url": site.url("/rss.xml"),
                                                    "name": "Local news"}, follow_redirects=False)
        assert added.status_code == 303
        assert [(f.name, f.url) for f in e.app.config.feeds] == [("Local news", site.url("/rss.xml"))]
        assert (tmp_path / "feeds.d" / "web-feeds.toml").exists()
        again = e.client.post("/sources/add", data={"csrf": e.csrf(), "url": site.url("/rss.xml"),
                                                    "name": "dup"})
        assert again.status_code == 400 and "already configured" in again.text
        page = e.client.get("/sources")
        assert "Local news" in page.text and "never" in page.text
    finally:
        e.close()


def test_discovery_refuses_private_addresses_by_default(env: Env, site: FeedServer) -> None:
    found = env.client.post("/sources/discover", data={"csrf": env.csrf(), "url": site.url("/news")})
    assert "could not fetch" in found.text and not site.hits
    bad = env.client.post("/sources/discover", data={"csrf": env.csrf(), "url": "file:///etc/passwd"})
    assert "give an http:// or https:// address" in bad.text


def test_opml_import_and_export(env: Env) -> None:
    opml = fixture("reader-export.opml")
    got = env.client.post("/sources/import", data={"csrf": env.csrf()},
                          files={"opml": ("reader.opml", opml, "text/x-opml")}, follow_redirects=False)
    assert got.status_code == 303, got.text[:500]
    names = [f.name for f in env.app.config.feeds]
    assert names
    exported = env.client.get("/sources/opml")
    assert exported.headers["content-type"].startswith("text/x-opml")
    for feed in env.app.config.feeds:
        assert feed.url.replace("&", "&amp;") in exported.text
    broken = env.client.post("/sources/import", data={"csrf": env.csrf()},
                             files={"opml": ("x.opml", b"<!DOCTYPE x [<!ENTITY a 'b'>]><opml/>", "text/xml")})
    assert broken.status_code == 400 and "x.opml: DOCTYPE/ENTITY declarations are not accepted" in broken.text


def test_sources_show_feed_health_from_the_state(env: Env) -> None:
    from monitor.sources.feeds import state_key

    env.main.write_text(env.main.read_text() + '\n[[feeds]]\nname = "wire"\nurl = "https://wire.example/rss?key=abcdefghijklmnopqrstuvwxyz"\n')
    env.app.reload(load_config(env.main))
    env.store.sources.put(state_key("wire"), {
        "url": "https://wire.example/rss?key=abcdefghijklmnopqrstuvwxyz",
        "last_attempt": "2026-01-01T00:00:00+00:00",
        "failures": 3, "health": "failing", "last_error": "HTTP 503 <b>down</b>", "last_status": 503})
    page = env.client.get("/sources")
    assert "failing" in page.text and "HTTP 503 &lt;b&gt;down&lt;/b&gt;" in page.text
    assert "abcdefghijklmnopqrstuvwxyz" not in page.text  # the key is masked


# -- alerts, outbox, targets ----------------------------------------------------

def _alert(key: str, title: str, rules: tuple[str, ...] = ("floods",), article_id: str | None = None
           ) -> NewAlert:
    return NewAlert(target="chat", key=key, title=title, body=f"{title}\nbody <b>x</b>", rules=rules,
                    article_id=article_id, reason="immediate")


def test_alerts_history_filters_and_detail(env: Env) -> None:
    now = datetime.now(UTC)
    art = normalise(RawItem(source="wire", key="k1", title=HOSTILE, body="River flood."), now)
    env.store.record(art, [_alert("a1", "Flood alert <script>", article_id=art.id)], now, rules=["floods"])
    env.store.enqueue([_alert("a2", "Other thing 50%_off", rules=("other",))], now - timedelta(days=10))
    rows = env.store.rows(None)
    first = next(r for r in rows if r.key == "a1")
    env.store.mark_retry(first.id, "HTTP 500", now, now, DeliveryLogEntry(
        first, now, False, first.title, '{"services": [{"service": "JSON", "url": "json://x", '
        '"format": "text", "ok": false, "reason": "HTTP 500 <i>"}]}'))
    page = env.client.get("/alerts")
    assert "Flood alert &lt;script&gt;" in page.text and "Other thing" not in page.text  # 7 days by default
    assert "Other thing" in env.client.get("/alerts?when=all").text
    assert "Other thing" not in env.client.get("/alerts?when=all&rule=floods").text
    assert "Flood alert" not in env.client.get("/alerts?when=all&q=50%25_").text
    assert "Other thing" in env.client.get("/alerts?when=all&q=50%25_").text
    assert "Flood alert" not in env.client.get("/alerts?when=all&target=nope").text
    detail = env.client.get(f"/alerts/{first.id}")
    assert detail.status_code == 200
    assert "HTTP 500 &lt;i&gt;" in detail.text and "<mark>flood</mark>" in detail.text.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in detail.text
    _no_inline_code(detail.text)
    assert env.client.get("/alerts/99999").status_code == 404


def test_outbox_retry_and_discard(env: Env) -> None:
    now = datetime.now(UTC)
    env.store.enqueue([_alert("d1", "Dead one"), _alert("d2", "Dead two")], now)
    dead = env.store.rows("pending")
    for row in dead:
        env.store.mark_dead(row.id, "HTTP 404", now)
    page = env.client.get("/outbox")
    assert "Dead one" in page.text and "HTTP 404" in page.text
    token = env.csrf("/outbox")
    retried = env.client.post(f"/outbox/{dead[0].id}/retry", data={"csrf": token}, follow_redirects=False)
    assert retried.status_code == 303
    row = env.store.get(dead[0].id)
    assert row is not None and row.state == "pending" and row.attempts == 0
    assert env.client.post(f"/outbox/{dead[1].id}/discard", data={"csrf": token},
                           follow_redirects=False).status_code == 303
    assert env.store.get(dead[1].id) is None
    assert env.client.post(f"/outbox/{dead[1].id}/discard", data={"csrf": token}).status_code == 409


def test_targets_masked_and_a_test_send_reaches_a_real_endpoint(tmp_path: Path, endpoint: Any) -> None:
    e = Env(tmp_path, target_url=endpoint.url + "?token=topsecretvalue123")
    try:
        page = e.client.get("/targets")
        assert "topsecretvalue123" not in page.text and "token=***" in page.text
        got = e.client.post("/targets/chat/test", data={"csrf": e.csrf("/targets")})
        assert got.status_code == 200 and "chat: sent" in got.text, got.text
        assert "topsecretvalue123" not in got.text
        assert endpoint.wait_for(1)[0]["title"] == "newsmon test alert"
        assert e.client.post("/targets/nope/test", data={"csrf": e.csrf("/targets")}).status_code == 404
    finally:
        e.close()


def test_no_secret_anywhere(locked: Env) -> None:
    client = locked.client
    client.headers["authorization"] = "Bearer " + "t" * 32
    for path in ["/rules", "/rules/edit?name=floods", "/sources", "/alerts", "/outbox", "/targets"]:
        text = client.get(path).text
        assert "s3cr3tvalue" not in text and "t" * 32 not in text and "$argon2" not in text


# -- the daemon serves it -----------------------------------------------------

def test_app_start_serves_the_console_and_stop_closes_it(tmp_path: Path) -> None:
    import httpx

    from tests.conftest import free_port

    port = free_port()
    main = tmp_path / "newsmon.toml"
    main.write_text(_main_toml("json://127.0.0.1:9/hook").replace("127.0.0.1:8787", f"127.0.0.1:{port}"))
    app = App(load_config(main), echo_alerts=False)
    app.start()
    try:
        assert app.web is not None
        got = httpx.get(f"http://127.0.0.1:{port}/rules", timeout=10)
        assert got.status_code == 200 and "floods" in got.text
    finally:
        app.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/rules", timeout=2)


def test_a_taken_port_leaves_the_daemon_running(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        main = tmp_path / "newsmon.toml"
        main.write_text(_main_toml("json://127.0.0.1:9/hook").replace("127.0.0.1:8787", f"127.0.0.1:{port}"))
        app = App(load_config(main), echo_alerts=False)
        app.start()
        try:
            assert app.web is None and app._started
            assert "web console not started" in caplog.text
        finally:
            app.stop()


def test_a_network_console_with_sign_in_answers_any_host_name(tmp_path: Path) -> None:
    e = Env(tmp_path, web=f'token = "{"t" * 32}"')
    try:
        e.client.close()
        web = e.app.config.web.model_copy(update={"listen": "0.0.0.0:8787"})
        client = TestClient(create_app(e.console, web), base_url="http://newsmon.lan:8787")
        assert client.get("/rules", follow_redirects=False).status_code == 303  # sign in first
        got = client.get("/rules", headers={"authorization": "Bearer " + "t" * 32})
        assert got.status_code == 200
    finally:
        e.close()


@pytest.mark.parametrize("path", ["/rules/edit?name=floods", "/sources", "/alerts", "/outbox", "/targets",
                                  "/login"])
def test_every_field_has_a_label_and_every_button_a_name(env: Env, path: str) -> None:
    now = datetime.now(UTC)
    env.store.enqueue([_alert("d1", "Dead one")], now)
    env.store.mark_dead(env.store.rows("pending")[0].id, "HTTP 404", now)
    fields: list[tuple[str, dict[str, str]]] = []
    labels: set[str] = set()
    buttons: list[str] = []

    class Collect(HTMLParser):
        in_button = False
        in_label = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            names = {k: v or "" for k, v in attrs}
            if tag in ("input", "select", "textarea") and names.get("type") not in ("hidden", "submit"):
                fields.append((tag, names | ({"implicit-label": "1"} if self.in_label else {})))
            if tag == "label":
                self.in_label = True
            if tag == "label" and names.get("for"):
                labels.add(names["for"])
            if tag == "button":
                self.in_button = True
                buttons.append(names.get("aria-label", ""))

        def handle_data(self, data: str) -> None:
            if self.in_button and data.strip():
                buttons[-1] += data.strip()

        def handle_endtag(self, tag: str) -> None:
            if tag == "button":
                self.in_button = False
            if tag == "label":
                self.in_label = False

    page = env.client.get(path).text
    Collect().feed(page)
    assert fields or path in ("/outbox", "/targets")
    for tag, attrs in fields:
        named = attrs.get("id") in labels or attrs.get("aria-label") or attrs.get("implicit-label")
        assert named, f"{tag} {attrs} has no label"
    assert buttons and all(buttons), buttons
    assert 'href="#main">Skip to content</a>' in page


def test_editor_keeps_tag_targets_of_a_rule(env: Env) -> None:
    env.client.post("/rules/save", data={"csrf": env.csrf(), "name": "tagged", "query": "x",
                                         "notify": ["chat", "tag:desk"]})
    page = env.client.get("/rules/edit?name=tagged").text
    assert 'value="tag:desk" checked' in page and 'value="chat" checked' in page
