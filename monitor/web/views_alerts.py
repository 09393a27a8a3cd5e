"""Alerts (history with search and filters, one alert in full) and the outbox (retry, discard)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.store.articles import discard, retry_now

log = logging.getLogger(__name__)
WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30), "all": None}


def services(detail: str) -> list[dict[str, Any]]:
    """A delivery attempt's per-service results (the notification log's JSON detail)."""
    try:
        data = json.loads(detail)
    except ValueError:
        return [{"service": "", "ok": False, "reason": detail[:300]}]
    found = data.get("services") if isinstance(data, dict) else None
    if not found:
        return [{"service": "", "ok": False, "reason": str(data.get("reason", ""))[:300]}] if isinstance(
            data, dict) and data.get("reason") else []
    return [s for s in found if isinstance(s, dict)]


def routes(pages: Any) -> list[Route]:
    console = pages.console

    async def alerts(request: Request) -> Response:
        q = request.query_params
        window = q.get("when", "7d") if q.get("when", "7d") in WINDOWS else "7d"
        span = WINDOWS[window]
        since = console.clock() - span if span else None
        rows = await asyncio.to_thread(console.store.articles.alerts, q.get("q", "").strip()[:200],
                                       q.get("rule", ""), q.get("target", ""), since)
        config = console.config
        targets = sorted(set(config.targets) | set(console.store.articles.targets_of_alerts()))
        return pages.render(request, "alerts.html", rows=rows, q=q.get("q", ""), rule=q.get("rule", ""),
                            target=q.get("target", ""), when=window, windows=list(WINDOWS),
                            rules=[r.name for r in config.rules], targets=targets)

    async def alert(request: Request) -> Response:
        row_id = int(request.path_params["row_id"])
        found = await asyncio.to_thread(_alert_detail, console, row_id)
        if found is None:
            return pages.render(request, "error.html", 404, message=f"No alert {row_id}.")
        return pages.render(request, "alert.html", **found)

    async def outbox(request: Request) -> Response:
        rows = await asyncio.to_thread(_outbox_rows, console.store)
        return pages.render(request, "outbox.html", **rows)

    async def act(request: Request) -> Response:
        form = await pages.form(request)
        row_id = int(request.path_params["row_id"])
        action = request.path_params["action"]
        if action == "retry":
            target = await asyncio.to_thread(retry_now, console.store, row_id, console.clock())
            if target is not None:
                console.wake([target])
                log.info("alert %d re-queued from the web console", row_id)
            done = target is not None
        else:
            done = await asyncio.to_thread(discard, console.store, row_id)
            if done:
                log.info("alert %d discarded from the web console", row_id)
        if not done:
            return pages.render(request, "error.html", 409,
                                message=f"Alert {row_id} cannot be {action}ed now (sent or gone).")
        back = str(form.get("back", "/outbox"))
        return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/outbox",
                                status_code=303)

    return [
        Route("/alerts", alerts),
        Route("/alerts/{row_id:int}", alert),
        Route("/outbox", outbox),
        Route("/outbox/{row_id:int}/{action:str}", act, methods=["POST"]),
    ]


def _outbox_rows(store: Any) -> dict[str, Any]:
    pending = store.rows("pending", limit=500)
    return {"queued": [r for r in pending if not r.attempts], "retrying": [r for r in pending if r.attempts],
            "held": store.rows("held", limit=500), "dead": store.rows("dead", limit=500)}


def _alert_detail(console: Any, row_id: int) -> dict[str, Any] | None:
    from monitor.web.views_rules import hit_view

    found = console.store.articles.alert(row_id)
    if found is None:
        return None
    attempts = [dict(a, services=services(a["detail"])) for a in found.pop("attempts_log")]
    kept = console.store.articles.by_id(found["article_id"]) if found["article_id"] else None
    matches = []
    if kept is not None:
        # The evidence as the current rules see the kept text (what was sent is the alert body).
        from monitor.app import compile_matcher

        wanted = [r for r in console.config.rules if r.name in found["rules"]]
        if wanted:
            matcher = compile_matcher(console.config.model_copy(update={"rules": tuple(wanted)}),
                                      console.state_dir)
            for match in matcher.match(kept.article):
                matches.append({"rule": match.rule, "hit": hit_view(kept, match.evidence)})
    members: list[Any] = []
    stories = getattr(console.store, "story_members", None)  # when the store tracks stories
    if stories is not None and found["article_id"]:
        try:
            members = list(stories(found["article_id"]))
        except Exception:  # another part's interface: the page shows the rest without it
            log.exception("story members of alert %d could not be read", row_id)
    return {"alert": found, "attempts": attempts, "kept": kept, "matches": matches, "members": members}
