"""Shared by the web console's tests: a real App, state file and config files behind a test client."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from monitor.app import App
from monitor.article import RawItem, normalise
from monitor.settings import load_config
from monitor.store.base import NewAlert
from monitor.web.app import create_app
from monitor.web.console import Console

BASE = "http://127.0.0.1:8787"
HOSTILE = "Flood warning <script>alert('x')</script> <img src=x onerror=alert(1)> \u202eevil\u202c"
CSRF_IN_PAGE = re.compile(r'X-CSRF-Token": "([0-9a-f]{64})"')


def main_toml(target_url: str, web: str = "", extra: str = "") -> str:
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
        self.main.write_text(main_toml(target_url, web, extra), encoding="utf-8")
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
        found = CSRF_IN_PAGE.search(page.text)
        assert found, page.text[:500]
        return found.group(1)

    def close(self) -> None:
        self.client.close()
        self.app.stop()


def make_env(tmp_path: Path) -> Iterator[Env]:
    """The `env` fixture of each web test module: `env = pytest.fixture(make_env, name="env")`."""
    e = Env(tmp_path)
    yield e
    e.close()


def make_locked(tmp_path: Path) -> Iterator[Env]:
    """A console that needs a sign-in: password "correct horse battery" or token "t" * 32."""
    from argon2 import PasswordHasher

    hashed = PasswordHasher().hash("correct horse battery")
    e = Env(tmp_path, web=f'password_hash = "{hashed}"\ntoken = "{"t" * 32}"')
    yield e
    e.close()


def no_inline_code(html: str) -> None:
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


def alert(key: str, title: str, rules: tuple[str, ...] = ("floods",), article_id: str | None = None
          ) -> NewAlert:
    return NewAlert(target="chat", key=key, title=title, body=f"{title}\nbody <b>x</b>", rules=rules,
                    article_id=article_id, reason="immediate")
