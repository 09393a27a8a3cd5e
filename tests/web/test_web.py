"""The web console through the ASGI test client: pages, the rule editor, kept text, the daemon hook."""

from __future__ import annotations

import html
import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.app import App
from monitor.article import RawItem, normalise
from monitor.settings import ConfigError, load_config
from monitor.store.articles import prune_texts
from monitor.validate import load_valid
from monitor.web.security import CSP
from tests.web.webenv import (
    HOSTILE,
    Env,
    main_toml,
    no_inline_code,
)

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
    no_inline_code(page.text)


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
    no_inline_code(html)


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
    assert lines == [f'{dropin}: rules[0].query: rule "bad": query column 11: missing `)` for this `(`']
    # The very line `newsmon check` prints once that rule is in its drop-in.
    dropin.parent.mkdir()
    dropin.write_text('[[rules]]\nname = "bad"\nquery = "flood AND ("\nnotify = ["chat"]\n')
    env.main.write_text('include = ["rules.d/*.toml"]\n' + env.main.read_text())
    with pytest.raises(ConfigError) as err:
        load_valid(env.main)
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
    no_inline_code(page.text)


def test_editor_keeps_tag_targets_of_a_rule(env: Env) -> None:
    env.client.post("/rules/save", data={"csrf": env.csrf(), "name": "tagged", "query": "x",
                                         "notify": ["chat", "tag:desk"]})
    page = env.client.get("/rules/edit?name=tagged").text
    assert 'value="tag:desk" checked' in page and 'value="chat" checked' in page


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


# -- the daemon serves it -----------------------------------------------------

def test_app_start_serves_the_console_and_stop_closes_it(tmp_path: Path) -> None:
    import httpx

    from tests.conftest import free_port

    port = free_port()
    main = tmp_path / "newsmon.toml"
    main.write_text(main_toml("json://127.0.0.1:9/hook").replace("127.0.0.1:8787", f"127.0.0.1:{port}"))
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
        main.write_text(main_toml("json://127.0.0.1:9/hook").replace("127.0.0.1:8787", f"127.0.0.1:{port}"))
        app = App(load_config(main), echo_alerts=False)
        app.start()
        try:
            assert app.web is None and app._started
            assert "web console not started" in caplog.text
        finally:
            app.stop()


def test_preview_says_indexing_while_the_index_is_first_built(env: Env) -> None:
    env.article("a1", "Flood one")
    index = env.console.index
    form = {"csrf": env.csrf("/outbox"), "name": "n", "query": "flood"}
    with index._lock:  # what the first build holds, in its own thread
        got = env.client.post("/rules/preview", data=form)
        assert "Indexing the kept articles for back-testing: 0 of 1 so far" in got.text
        assert 'hx-trigger="load delay:1s"' in got.text  # it asks again by itself
    again = env.client.post("/rules/preview", data=form)
    assert 'id="match-count">1</span>' in again.text and index.ready
