"""Targets: each with its URLs masked, the rules that notify it, and a test send."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.redact import mask_url


def routes(pages: Any) -> list[Route]:
    console = pages.console

    def rows() -> list[dict[str, Any]]:
        config = console.config
        return [{"name": name, "urls": [mask_url(u) for u in urls],
                 "rules": [r.name for r in config.rules if name in r.notify]}
                for name, urls in sorted(config.targets.items())]

    async def targets(request: Request) -> Response:
        return pages.render(request, "targets.html", rows=rows())

    async def test(request: Request) -> Response:
        from monitor.commands.send_test import send_test_alert

        await pages.form(request)
        name = request.path_params["name"]
        config = console.config
        if name not in config.targets:
            return pages.render(request, "error.html", 404, message=f'No target named "{name}".')
        result = await asyncio.to_thread(send_test_alert, config, name)
        services = [{"service": s.service, "url": mask_url(s.url), "format": s.format, "ok": s.ok,
                     "reason": s.reason} for s in result.services]
        return pages.render(request, "_test_result.html", name=name, ok=result.ok, services=services,
                            reason=result.reason)

    return [Route("/targets", targets), Route("/targets/{name:str}/test", test, methods=["POST"])]
