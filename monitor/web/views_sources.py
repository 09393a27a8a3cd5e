"""Sources: feeds and folders with their health; add a feed (with discovery); OPML in and out."""

from __future__ import annotations

import asyncio
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.settings import Config
from monitor.sources.opml import DROPIN_GLOB, OpmlError, OpmlFeed, export_opml, parse_opml, plan_import
from monitor.web.dropins import Written, is_console_file, main_file, table_toml, write_checked

FEEDS_FILE = "feeds.d/web-feeds.toml"
MAX_UPLOAD = 5 * 1024 * 1024


def feeds_dropin(config: Config) -> Path:
    return main_file(config).parent / FEEDS_FILE


def add_feeds(config: Config, feeds: list[OpmlFeed], accept: Any) -> Written:
    """Append feeds to the console's feeds drop-in, load the config back and reload."""
    path = feeds_dropin(config)
    entries: list[dict[str, Any]] = []
    if path.exists():
        if not is_console_file(path):
            return Written(None, path, (f"{path}: not written by the console; move it away or rename it",))
        try:
            entries = list(tomllib.loads(path.read_text(encoding="utf-8")).get("feeds", []))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            return Written(None, path, (f"{path}: cannot read: {exc}",))
    for feed in feeds:
        entry: dict[str, Any] = {"name": feed.name, "url": feed.url}
        if feed.tags:
            entry["tags"] = list(feed.tags)
        entries.append(entry)
    return write_checked(config, path, table_toml("feeds", entries, "Feeds."), DROPIN_GLOB, accept=accept)


def source_rows(config: Config, store: Any, now: Any) -> dict[str, Any]:
    from monitor.commands.status import feed_rows  # the pure row builder behind `newsmon status`
    from monitor.sources.feeds import STATE_PREFIX, state_key

    states = store.sources.all(STATE_PREFIX)
    feeds = feed_rows(config, states)
    per_day = store.articles.per_source(now - timedelta(days=7))
    for row in feeds:
        row["per_day"] = per_day.get(row["name"], 0) / 7
        row["url"] = next((f.url for f in config.feeds if f.name == row["name"]), "")
        # Backing off after failures (or as the server asked): the poll waits until then.
        held = (states.get(state_key(row["name"])) or {}).get("hold_until")
        row["backoff"] = held if held and row["failures"] else None
    skipped = store.sources.all("skipped:")
    folders = []
    for folder in config.folders:
        mine = [v for k, v in skipped.items() if k.startswith(f"skipped:{folder.source_name}:")]
        folders.append({"folder": folder, "exists": Path(folder.path).is_dir(), "skipped": len(mine),
                        "reasons": [str(v.get("reason", "")) for v in mine][:5],
                        "per_day": per_day.get(folder.source_name, 0) / 7})
    return {"feeds": feeds, "folders": folders}


def routes(pages: Any) -> list[Route]:
    console = pages.console

    async def sources(request: Request, found: list[Any] | None = None, problems: tuple[str, ...] = (),
                      status: int = 200) -> Response:
        rows = await asyncio.to_thread(source_rows, console.config, console.store, console.clock())
        return pages.render(request, "sources.html", status, **rows, found=found, problems=problems,
                            dropin=FEEDS_FILE)

    async def show(request: Request) -> Response:
        return await sources(request)

    async def discover(request: Request) -> Response:
        from monitor.web.discover import discover as find_feeds

        form = await pages.form(request)
        url = str(form.get("url", "")).strip()
        found, problem = await find_feeds(url, console.config.fetch)
        return pages.render(request, "_discover.html", found=found, problem=problem, url=url)

    async def add(request: Request) -> Response:
        form = await pages.form(request)
        url = str(form.get("url", "")).strip()
        name = " ".join(str(form.get("name", "")).split()) or url
        config = console.config
        if any(f.url == url for f in config.feeds):
            return await sources(request, problems=(f"{url}: already configured",), status=400)
        written = await asyncio.to_thread(add_feeds, config, [OpmlFeed(name, url)], console.accept)
        if written.config is None:
            return await sources(request, problems=written.problems, status=400)
        return RedirectResponse("/sources?added=1", status_code=303)

    async def opml_export(request: Request) -> Response:
        text = export_opml((f.name, f.url, f.tags) for f in console.config.feeds)
        return Response(text, media_type="text/x-opml; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="newsmon-feeds.opml"'})

    async def opml_import(request: Request) -> Response:
        form = await pages.form(request)
        upload = form.get("opml")
        if upload is None or isinstance(upload, str):
            return await sources(request, problems=("choose an OPML file to import",), status=400)
        data = await upload.read(MAX_UPLOAD + 1)
        try:
            if len(data) > MAX_UPLOAD:
                raise OpmlError(f"file is larger than {MAX_UPLOAD} bytes")
            found = parse_opml(data)
        except OpmlError as exc:
            return await sources(request, problems=(f"{upload.filename}: {exc}",), status=400)
        config = console.config
        plan = plan_import(found, (f.url for f in config.feeds), (f.name for f in config.feeds))
        if not plan.added:
            return await sources(request, problems=(f"{upload.filename}: nothing new to add "
                                                    f"({len(found)} feed(s), all skipped)",), status=400)
        written = await asyncio.to_thread(add_feeds, config, list(plan.added), console.accept)
        if written.config is None:
            return await sources(request, problems=written.problems, status=400)
        return RedirectResponse(f"/sources?added={len(plan.added)}", status_code=303)

    return [
        Route("/sources", show),
        Route("/sources/discover", discover, methods=["POST"]),
        Route("/sources/add", add, methods=["POST"]),
        Route("/sources/opml", opml_export),
        Route("/sources/import", opml_import, methods=["POST"]),
    ]
