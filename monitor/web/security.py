"""Who may use the console, and that each form came from the console itself.

- Host check: on loopback, the Host header must name the listen address or a
  loopback name, so a web page elsewhere cannot reach the console by DNS rebinding.
- Login: with `password_hash` (argon2) or `token` set, every page but the login
  and static files needs a session cookie (or `Authorization: Bearer TOKEN`).
  Sessions are HMAC-signed with a secret made at start, so a restart signs
  everyone out and nothing secret is stored in the browser.
- CSRF: a random cookie per browser and, in every form and htmx request, the
  HMAC of it (signed double-submit); an unsafe request without it is refused.
- Headers: a strict Content-Security-Policy (scripts and styles from this
  origin only: no inline script, no eval) and no framing, sniffing or referrer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from monitor.settings.web import WebConfig, is_loopback, split_listen

SESSION_COOKIE = "newsmon_session"
CSRF_COOKIE = "newsmon_csrf"
SESSION_HOURS = 12
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
_OPEN_PATHS = ("/login", "/static/")
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class CsrfError(Exception):
    pass


class Guard:
    """Secrets of one server run, and the checks that use them."""

    def __init__(self, web: WebConfig, secret: bytes | None = None):
        self.web = web
        self._secret = secret or secrets.token_bytes(32)
        self._failures: list[float] = []
        self._lock = threading.Lock()
        host, port = split_listen(web.listen) if web.listen else ("127.0.0.1", 8787)
        self.hosts = {f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")}
        self.hosts.add(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
        self.loopback = is_loopback(host)

    @property
    def login_required(self) -> bool:
        return bool(self.web.password_hash or self.web.token)

    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    # -- sessions ------------------------------------------------------
    def new_session(self, now: float | None = None) -> str:
        expires = int((now or time.time()) + SESSION_HOURS * 3600)
        body = f"{expires}.{secrets.token_hex(8)}"
        return f"{body}.{self._sign('session:' + body)}"

    def session_ok(self, value: str, now: float | None = None) -> bool:
        body, _, mac = value.rpartition(".")
        expires = body.partition(".")[0]
        if not body or not expires.isdigit() or not hmac.compare_digest(mac, self._sign("session:" + body)):
            return False
        return int(expires) > (now or time.time())

    def authorised(self, request: Request) -> bool:
        if not self.login_required:
            return True
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and self.token_ok(auth[7:].strip()):
            return True
        return self.session_ok(request.cookies.get(SESSION_COOKIE, ""))

    def token_ok(self, value: str) -> bool:
        return bool(self.web.token) and hmac.compare_digest(value.encode(), self.web.token.encode())

    def password_ok(self, value: str) -> bool:
        if not self.web.password_hash or not value:
            return False
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return bool(PasswordHasher().verify(self.web.password_hash, value))
        except (VerificationError, InvalidHashError):
            return False

    def throttled(self, now: float | None = None) -> bool:
        """More than 5 failed logins in the last minute: wait (slows down guessing)."""
        now = now or time.time()
        with self._lock:
            self._failures = [t for t in self._failures if now - t < 60]
            return len(self._failures) >= 5

    def failed_login(self, now: float | None = None) -> None:
        with self._lock:
            self._failures.append(now or time.time())

    # -- CSRF ----------------------------------------------------------
    def csrf_token(self, request: Request) -> str:
        seed = request.cookies.get(CSRF_COOKIE) or request.state.csrf_seed
        return self._sign("csrf:" + seed)

    def check_csrf(self, request: Request, form: FormData | None) -> None:
        seed = request.cookies.get(CSRF_COOKIE, "")
        sent = request.headers.get("x-csrf-token") or (str(form.get("csrf", "")) if form else "")
        if not seed or not sent or not hmac.compare_digest(sent, self._sign("csrf:" + seed)):
            raise CsrfError("this form has expired or did not come from the console; reload the page")

    def host_ok(self, request: Request) -> bool:
        """On loopback, only the listen address or a loopback name (DNS rebinding). A console
        open to the network needs a sign-in, which a rebinding page cannot have, and is reached
        by names the config does not know (a proxy, the machine's own names)."""
        if self.login_required and not self.loopback:
            return True
        return request.headers.get("host", "") in self.hosts


Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


class GuardMiddleware:
    """Host check, login, the CSRF cookie and the security headers on every response."""

    def __init__(self, app: ASGIApp, guard: Guard):
        self.app = app
        self.guard = guard

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        guard = self.guard
        seed = request.cookies.get(CSRF_COOKIE)
        new_seed = None if seed else secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_seed"] = seed or new_seed
        response: Response | None = None
        path = request.url.path
        if not guard.host_ok(request):
            response = PlainTextResponse("unknown Host header: open the console at the address it listens "
                                         "on", status_code=421)
        elif not any(path.startswith(p) for p in _OPEN_PATHS) and not guard.authorised(request):
            if request.method in _SAFE_METHODS and "hx-request" not in request.headers:
                response = RedirectResponse("/login?next=" + quote(_local(path)), status_code=303)
            else:
                response = PlainTextResponse("sign in first", status_code=401)

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.extend([
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ])
                if not path.startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                if new_seed:
                    headers.append((b"set-cookie", f"{CSRF_COOKIE}={new_seed}; Path=/; HttpOnly; "
                                                   f"SameSite=Strict".encode()))
            await send(message)

        if response is not None:
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _local(path: str) -> str:
    """Only a local path as a post-login target (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


def safe_next(value: str) -> str:
    return _local(value) if value and "\\" not in value else "/"
