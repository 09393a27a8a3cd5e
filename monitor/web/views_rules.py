"""Rules: the list with hit counts, the editor with its live back-test, save and delete."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.match.types import Evidence
from monitor.store.articles import StoredArticle
from monitor.web import backtest, ruleform
from monitor.web.highlight import Snippet, reasons, segments, snippets, spans_in
from monitor.web.ruleform import RuleForm

SHOW = 30


def routes(pages: Any) -> list[Route]:
    console = pages.console

    async def rule_list(request: Request) -> Response:
        # The back-test index is built when the console is first used, not at daemon start:
        # building it competes with the pipeline for the CPU.
        console.index.warm()
        config = console.config
        hits = await asyncio.to_thread(console.hit_counts)
        origins = ruleform.rule_origins(config) if config.source_file else {}
        rows = [{"rule": r, "hits": hits.get(r.name, [0, 0]), "file": origins.get(r.name),
                 "owned": ruleform.is_console_file(origins[r.name]) if r.name in origins else False}
                for r in config.rules]
        return pages.render(request, "rules.html", rows=rows, kept=console.store.articles.count())

    async def edit(request: Request) -> Response:
        console.index.warm()
        config = console.config
        name = request.query_params.get("name", "")
        rule = ruleform.find(config, name)
        if name and rule is None:
            return pages.render(request, "error.html", 404, message=f'No rule named "{name}".')
        form = RuleForm.of(rule)
        return _editor(request, form, rule, [])

    def _editor(request: Request, form: RuleForm, saved: Any, problems: list[str],
                status: int = 200) -> Response:
        config = console.config
        path = ruleform.origin(config, form.original) if form.original else None
        if path is not None and config.source_file is not None:
            path = path.relative_to(config.source_file.parent) if path.is_relative_to(
                config.source_file.parent) else path
        # Targets to tick: the configured ones, and a `tag:` the rule names (kept on save).
        targets = [*sorted(config.targets), *(n for n in form.notify if n not in config.targets)]
        return pages.render(request, "rule_edit.html", status, form=form, saved=saved, problems=problems,
                            origin=path, owned=ruleform.owned(config, form.original), targets=targets,
                            kept=console.store.articles.count())

    def _form(form: Any) -> RuleForm:
        return RuleForm.parse(form, [str(v) for v in form.getlist("notify")])

    async def preview(request: Request) -> Response:
        form = _form(await pages.form(request))
        config = console.config
        rule, problems = await asyncio.to_thread(ruleform.check, config, form, console.compile)
        if rule is None:
            return pages.render(request, "_preview.html", problems=problems, outcome=None)
        if console.index.building:
            return pages.render(request, "_preview.html", problems=[], outcome=None,
                                indexing=len(console.index), kept=console.store.articles.count())
        saved = ruleform.find(config, form.original)
        changed = saved is not None and saved != rule

        def run() -> backtest.Outcome:
            before = console.compile(saved) if saved is not None and changed else None
            return backtest.run(console.index, console.compile(rule), before, SHOW)

        outcome = await asyncio.to_thread(run)
        return pages.render(request, "_preview.html", problems=[], outcome=outcome, changed=changed,
                            hits=[hit_view(h.stored, h.evidence) for h in outcome.hits],
                            removed=[hit_view(s, ()) for s in outcome.removed], form=form)

    async def save(request: Request) -> Response:
        form = _form(await pages.form(request))
        config = console.config
        rule, problems = await asyncio.to_thread(ruleform.check, config, form, console.compile)
        if rule is None:
            return _editor(request, form, ruleform.find(config, form.original), problems, 400)
        written = await asyncio.to_thread(ruleform.save, config, form, console.accept)
        if written.config is None:
            return _editor(request, form, ruleform.find(config, form.original), list(written.problems),
                           400)
        return RedirectResponse(f"/rules?saved={written.path.name}", status_code=303)

    async def delete(request: Request) -> Response:
        form = await pages.form(request)
        name = str(form.get("name", ""))
        written = await asyncio.to_thread(ruleform.delete, console.config, name, console.accept)
        if written.config is None:
            return pages.render(request, "error.html", 400, message="; ".join(written.problems))
        return RedirectResponse(f"/rules?deleted={written.path.name}", status_code=303)

    return [
        Route("/rules", rule_list),
        Route("/rules/edit", edit),
        Route("/rules/preview", preview, methods=["POST"]),
        Route("/rules/save", save, methods=["POST"]),
        Route("/rules/delete", delete, methods=["POST"]),
    ]


def hit_view(stored: StoredArticle, evidence: tuple[Evidence, ...]) -> dict[str, Any]:
    """One article of a back-test, ready for the template: marked title, snippets, reasons."""
    article = stored.article
    title = article.title or article.summary[:120] or article.body[:120] or article.id
    title_spans = spans_in(evidence, "title", len(article.title)) if article.title else []
    parts = []
    for field in ("summary", "body"):
        text = article.field_text(field)
        spans = spans_in(evidence, field, len(text))
        if spans:
            parts.extend(snippets(text, field, spans))
    if not parts:
        lead = " ".join((article.summary or article.body).split())
        if lead:
            parts = [Snippet("summary", ((lead[:240] + ("…" if len(lead) > 240 else ""), False),))]
    return {
        "stored": stored,
        "title": segments(title, title_spans),
        "snippets": parts[:3],
        "reasons": reasons(evidence),
        "url": article.url if article.url.startswith(("https://", "http://")) else "",
    }
