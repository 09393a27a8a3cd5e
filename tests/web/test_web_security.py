"""The web console's guard: CSRF, sign-in, Host, headers, escaping, labels, no secrets."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from monitor.settings import ConfigError, load_config
from monitor.web.app import create_app
from monitor.web.security import Guard
from tests.web.webenv import (
    BASE,
    CSRF_IN_PAGE,
    Env,
    alert,
)

# -- CSRF and sign-in -----------------------------------------------------------

@pytest.mark.parametrize("path", ["/rules/preview", "/rules/save", "/rules/delete", "/sources/discover",
                                  "/sources/add", "/sources/import", "/outbox/1/retry", "/outbox/1/discard",
                                  "/targets/chat/test", "/logout"])
def test_every_form_needs_the_csrf_token(env: Env, path: str) -> None:
    env.csrf()  # the browser has its CSRF cookie
    assert env.client.post(path, data={"name": "x", "query": "x"}).status_code == 403
    assert env.client.post(path, data={"csrf": "0" * 64, "name": "x", "query": "x"}).status_code == 403
    other = TestClient(env.client.app, base_url=BASE)
    stolen = CSRF_IN_PAGE.search(other.get("/rules").text)
    assert stolen is not None  # a token made for another browser's cookie does not pass
    assert env.client.post(path, data={"csrf": stolen.group(1), "name": "x", "query": "x"}).status_code == 403
    assert not (env.dir / "rules.d").exists()


def test_htmx_requests_send_the_token_as_a_header(env: Env) -> None:
    token = env.csrf()
    got = env.client.post("/rules/preview", data={"name": "x", "query": "flood"},
                          headers={"x-csrf-token": token, "hx-request": "true"})
    assert got.status_code == 200 and "Back-test" in got.text


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
    env.store.enqueue([alert("d1", "Dead one")], now)
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
