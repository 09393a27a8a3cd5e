"""The ASGI app: routes, templates, the guard. `create_app(console, web_config)`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from monitor.redact import mask_url
from monitor.settings.web import WebConfig
from monitor.web.console import Console
from monitor.web.security import SESSION_COOKIE, SESSION_HOURS, CsrfError, Guard, GuardMiddleware, safe_next

HERE = Path(__file__).resolve().parent
Handler = Callable[[Request], Awaitable[Response]]


def _when(value: datetime | str | None) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        value = parsed
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"], default=True), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["when"] = _when
    env.filters["mask"] = mask_url
    return env


class Pages:
    """Rendering and form helpers shared by the views."""

    def __init__(self, console: Console, guard: Guard):
        self.console = console
        self.guard = guard
        self.env = _environment()

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.update(request=request, csrf=self.guard.csrf_token(request), nav=request.url.path,
                       login=self.guard.login_required, config=self.console.config)
        return HTMLResponse(self.env.get_template(template).render(**context), status_code=status)

    async def form(self, request: Request) -> FormData:
        """The request's form, after the CSRF check (raises CsrfError)."""
        form = await request.form()
        self.guard.check_csrf(request, form)
        return form


def create_app(console: Console, web: WebConfig, guard: Guard | None = None) -> Starlette:
    from monitor.web import views_alerts, views_rules, views_sources, views_targets

    guard = guard or Guard(web)
    pages = Pages(console, guard)
    routes: list[Route | Mount] = [
        Route("/", lambda request: RedirectResponse("/rules", status_code=303)),
        Route("/login", _login(pages), methods=["GET", "POST"]),
        Route("/logout", _logout(pages), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    for module in (views_rules, views_sources, views_alerts, views_targets):
        routes.extend(module.routes(pages))

    async def csrf_failed(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(str(exc), status_code=403)

    app = Starlette(routes=routes, exception_handlers={CsrfError: csrf_failed})
    app.add_middleware(GuardMiddleware, guard=guard)
    return app


def _login(pages: Pages) -> Handler:
    async def login(request: Request) -> Response:
        guard = pages.guard
        next_page = safe_next(request.query_params.get("next", "/"))
        if request.method == "GET":
            return pages.render(request, "login.html", next_page=next_page, error="")
        form = await pages.form(request)
        if guard.throttled():
            return pages.render(request, "login.html", 429, next_page=next_page,
                                error="Too many failed attempts; wait a minute.")
        secret = str(form.get("secret", ""))
        if guard.password_ok(secret) or guard.token_ok(secret):
            response = RedirectResponse(safe_next(str(form.get("next", "/"))), status_code=303)
            response.set_cookie(SESSION_COOKIE, guard.new_session(), max_age=SESSION_HOURS * 3600,
                                httponly=True, samesite="strict", secure=request.url.scheme == "https")
            return response
        guard.failed_login()
        return pages.render(request, "login.html", 401, next_page=next_page,
                            error="Wrong password or token.")

    return login


def _logout(pages: Pages) -> Handler:
    async def logout(request: Request) -> Response:
        await pages.form(request)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    return logout
