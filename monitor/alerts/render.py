"""Alerts and digests -> (title, body) per format, with article text made harmless.

Article text is hostile. Every value a template prints passes through the
format's `finalize`: control and bidi-override characters go, chat mentions
(`@everyone`, `<!channel>`, `<@U1>`) get a zero-width space so they no
longer ping, Markdown specials are backslash-escaped and HTML is escaped
(autoescape). Pre-rendered pieces (the highlighted excerpt, links) are built
here from escaped parts and passed as `Markup`, the only thing printed raw.

Templates run in Jinja2's `SandboxedEnvironment`; user templates are compiled
and test-rendered when the config loads (`compile_user_templates`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from monitor.alerts.route import AlertItem, Excerpt
from monitor.redact import strip_unsafe
from monitor.settings.alerts import FORMATS

if TYPE_CHECKING:
    from monitor.settings.alerts import TemplatesConfig

TEMPLATE_DIR = Path(__file__).parent / "templates"
TITLE_CHARS = 250  # Apprise's usual title_maxlen
DEFAULT_MAX_CHARS = 32_768
FIELD_CHARS = {"title": 300, "source": 120, "place": 80, "rule": 120}
ZWSP = "\u200b"

# `@everyone`, `@here`, `@channel`, `@room`, `@name` not inside an e-mail address.
_AT_MENTION = re.compile(r"(?<![\w.+-])@(?=\w)")
# Slack `<!channel>`, `<!here|...>`, `<@U123>`, Discord `<@123>`, `<@&role>`, `<#chan>`.
_ANGLE_MENTION = re.compile(r"<(?=[!@#])")
# Characters that can open Markdown formatting, links, HTML or tables. `(`, `.`, `-`, `!`
# are left alone: without an unescaped `[` or a line start they format nothing.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~])")


class TemplateProblem(Exception):
    """A user template that cannot be used; the message names the template."""


# -- escaping -----------------------------------------------------------------


def clean(text: str) -> str:
    """Remove control/bidi characters and defuse chat mentions (every format)."""
    text = strip_unsafe(text)  # controls except tab and newline, bidi controls and marks
    text = _AT_MENTION.sub("@" + ZWSP, text)
    return _ANGLE_MENTION.sub("<" + ZWSP, text)


def clean_line(text: str, limit: int) -> str:
    """One line: whitespace collapsed, cleaned, capped with an ellipsis."""
    line = " ".join(clean(text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def escape_markdown(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", clean(text))


def safe_url(url: str) -> str:
    """The URL if it is plain http(s) with no whitespace or quotes, else ""."""
    url = clean(url).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    if any(c.isspace() or c in "\"'<>`\\" for c in url):
        return ""
    return url


def title_text(text: str, limit: int = TITLE_CHARS) -> str:
    """Titles are plain text everywhere (subjects, chat titles): no angle brackets at all."""
    return clean_line(text, limit).replace("<", "‹").replace(">", "›")


def title_for(text: str, fmt: str, limit: int = TITLE_CHARS) -> str:
    """A title escaped for `fmt` like a body, within `limit` characters once escaped.

    Services without a title field (Mattermost, Telegram...) get it blended into the
    body as a Markdown heading or an HTML tag, and Markdown services may render their
    title field too: `[click](http://evil)` must arrive as text, not as a live link.
    """
    plain = title_text(text, limit)
    escape = {"markdown": escape_markdown, "html": lambda s: html.escape(s, quote=True)}.get(fmt)
    if escape is None:
        return plain
    out = escape(plain)
    while len(out) > limit and plain:  # escaping grew it: shorten the text, not the escapes
        plain = plain[: max(0, len(plain) - (len(out) - limit) - 1)].rstrip() + "…"
        plain = "" if plain == "…" else plain
        out = escape(plain)
    return out


_FINALIZE: dict[str, Callable[[str], str]] = {
    "text": clean,
    "markdown": escape_markdown,
    "html": lambda s: html.escape(clean(s), quote=True),
}


def _finalizer(fmt: str) -> Callable[[Any], Any]:
    escape = _FINALIZE[fmt]

    def finalize(value: Any) -> Any:
        if isinstance(value, Markup):
            return value  # built here from escaped parts
        if value is None:
            return ""
        out = escape(str(value))
        return Markup(out) if fmt == "html" else out

    return finalize


def highlight(ex: Excerpt | None, fmt: str) -> Markup:
    """The excerpt with its spans marked, every piece escaped for `fmt`."""
    if ex is None:
        return Markup("")
    escape = _FINALIZE[fmt]
    on, off = {"text": ("«", "»"), "markdown": ("**", "**"), "html": ("<mark>", "</mark>")}[fmt]
    text = ex.text  # spans index this text
    pieces, pos = [], 0
    for a, b in ex.spans:
        pieces.append(escape(text[pos:a]))
        pieces.append(on + escape(text[a:b]) + off)
        pos = b
    pieces.append(escape(text[pos:]))
    body = "".join(pieces).replace("\r", " ").replace("\n", " ")
    return Markup(("… " if ex.cut_start else "") + body + (" …" if ex.cut_end else ""))


def link(url: str, label: str, fmt: str) -> Markup:
    url = safe_url(url)
    if not url:
        return Markup("")
    if fmt == "html":
        return Markup(f'<a href="{html.escape(url, quote=True)}">{html.escape(clean(label))}</a>')
    if fmt == "markdown":
        # Brackets would end the link early; safe_url already refused spaces and quotes.
        for ch, code in (("(", "%28"), (")", "%29"), ("[", "%5B"), ("]", "%5D")):
            url = url.replace(ch, code)
        return Markup(f"[{escape_markdown(label)}]({url})")
    return Markup(url)


# -- template context ---------------------------------------------------------


def local_time(when: datetime, tz: str) -> str:
    local = when.astimezone(ZoneInfo(tz))
    return local.strftime("%Y-%m-%d %H:%M %Z")


def item_context(item: AlertItem, fmt: str, tz: str | None = None) -> dict[str, Any]:
    zone = tz or item.tz
    return {
        "article": {
            "id": item.article_id,
            "title": clean_line(item.title, FIELD_CHARS["title"]),
            "source": clean_line(item.source, FIELD_CHARS["source"]),
            "url": safe_url(item.url),
            "published": local_time(item.published, zone),
            "published_iso": item.published.isoformat(),
        },
        "rules": [clean_line(r, FIELD_CHARS["rule"]) for r in item.rules],
        "places": [clean_line(p, FIELD_CHARS["place"]) for p in item.places],
        "also": [clean_line(a, FIELD_CHARS["source"]) for a in item.also],  # "also reported by"
        "follow_up": item.follow_up,  # the story was alerted before; listed for the other sources
        "priority": item.priority,
        "excerpt": highlight(item.excerpt, fmt),
        "link": link(item.url, item.title or item.url, fmt),
        "tz": zone,
    }


def digest_context(items: Sequence[AlertItem], fmt: str, tz: str, reason: str) -> dict[str, Any]:
    """Newest first, grouped by rule (an article naming two rules is listed under its first)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(items, key=lambda i: i.published, reverse=True):
        rule = item.rules[0] if item.rules else ""
        groups.setdefault(rule, []).append(item_context(item, fmt, tz))
    names = [clean_line(r, FIELD_CHARS["rule"]) for r in groups]
    return {
        "groups": [{"rule": n, "items": g} for n, g in zip(names, groups.values(), strict=True)],
        "rules": names,
        "count": len(items),
        "reason": reason,
        "tz": tz,
    }


# -- environments and templates -------------------------------------------------


@lru_cache(maxsize=8)
def environment(fmt: str) -> SandboxedEnvironment:
    """One sandbox per format; user templates compile in it too (`from_string`)."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=fmt == "html",
        finalize=_finalizer(fmt),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    return env


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    format: str  # "text" | "markdown" | "html"


class Renderer:
    """Default templates, optionally overridden by the user's (already validated)."""

    def __init__(self, templates: TemplatesConfig | None = None):
        self._user = compile_user_templates(templates) if templates else {}

    def alert(self, item: AlertItem, fmt: str, max_chars: int = DEFAULT_MAX_CHARS) -> Rendered:
        ctx = item_context(item, fmt)
        title = self._title(ctx, ctx["article"]["title"] or "(untitled)", fmt)
        body = self._body("alert", fmt, ctx)
        return Rendered(title, cap(body, fmt, max_chars), fmt)

    def digest(self, items: Sequence[AlertItem], fmt: str, tz: str, reason: str = "digest",
               max_chars: int = DEFAULT_MAX_CHARS, rules_if_empty: Sequence[str] = ()) -> Rendered:
        ctx = digest_context(items, fmt, tz, reason)
        rules = ", ".join(g["rule"] for g in ctx["groups"]) or ", ".join(rules_if_empty) or "no rules"
        noun = "article" if len(items) == 1 else "articles"
        if not ctx["rules"]:
            ctx["rules"] = [clean_line(r, FIELD_CHARS["rule"]) for r in rules_if_empty]
        title = self._title(ctx, f"newsmon {reason}: {len(items)} {noun} ({rules})", fmt, "digest_title")
        body = self._body("digest", fmt, ctx)
        if len(body) > max_chars and len(items) > 1:
            # Drop the oldest until it fits rather than cut through markup.
            keep = sorted(items, key=lambda i: i.published, reverse=True)
            while len(body) > max_chars and len(keep) > 1:
                keep = keep[: max(1, len(keep) * 3 // 4)]
                ctx = digest_context(keep, fmt, tz, reason) | {"count": len(items)}
                ctx["omitted"] = len(items) - len(keep)
                body = self._body("digest", fmt, ctx)
        return Rendered(title, cap(body, fmt, max_chars), fmt)

    def _title(self, ctx: dict[str, Any], default: str, fmt: str, key: str = "title") -> str:
        """The user's title template (rendered as text) or `default`, escaped for `fmt`."""
        tmpl = self._user.get(key)
        if tmpl is not None:
            try:
                return title_for(tmpl.render(ctx), fmt)
            except Exception:  # a data-dependent template bug: fall back, never drop the alert
                pass
        return title_for(default, fmt)

    def _body(self, kind: str, fmt: str, ctx: dict[str, Any]) -> str:
        ctx.setdefault("omitted", 0)
        tmpl = self._user.get(fmt if kind == "alert" else f"digest_{fmt}")
        if tmpl is not None:
            try:
                return tmpl.render(ctx).strip()
            except Exception:
                pass
        return environment(fmt).get_template(f"{kind}.{fmt}.j2").render(ctx).strip()


def cap(body: str, fmt: str, max_chars: int) -> str:
    """Cut an over-long body; HTML is cut at a tag border and left well-formed enough."""
    if len(body) <= max_chars:
        return body
    cut = body[: max(0, max_chars - 1)]
    if fmt == "html":
        lt = cut.rfind("<")
        if lt > cut.rfind(">"):
            cut = cut[:lt]
        amp = cut.rfind("&")
        if amp > cut.rfind(";"):
            cut = cut[:amp]
    return cut + "…"


def target_format(preferred: Sequence[str]) -> str:
    """Pick the format to render for a service from what it supports (first = preferred)."""
    for fmt in preferred:
        if fmt in FORMATS:
            return fmt
    return "text"


# -- user templates -------------------------------------------------------------

_SAMPLE = AlertItem(
    article_id="sample",
    title="Sample <b>title</b> @everyone",
    source="sample-source",
    url="https://example.com/a?b=1&c=2",
    published=datetime.fromisoformat("2026-01-01T12:00:00+00:00"),
    rules=("sample-rule",),
    excerpt=Excerpt("body", "The sample sentence names Izium.", ((26, 31),)),
    places=("Izium",),
)


def compile_user_templates(templates: TemplatesConfig | None) -> dict[str, Any]:
    """Compile and test-render each user template; raise `TemplateProblem` on any error."""
    out: dict[str, Any] = {}
    if templates is None:
        return out
    if templates.title is not None:
        out["title"] = _compile("title", "text", templates.title, _sample("alert", "text"))
    if templates.digest_title is not None:
        out["digest_title"] = _compile("digest_title", "text", templates.digest_title,
                                       _sample("digest", "text"))
    for kind, prefix in (("alert", ""), ("digest", "digest_")):
        for fmt in FORMATS:
            key = prefix + fmt
            path: Path | None = getattr(templates, key)
            if path is None:
                continue
            try:
                source = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TemplateProblem(f"templates.{key}: cannot read {path}: {exc}") from None
            out[key] = _compile(f"templates.{key} ({path})", fmt, source, _sample(kind, fmt))
    return out


def _sample(kind: str, fmt: str) -> dict[str, Any]:
    """What a template of this kind sees, on a sample article (test-rendered at load)."""
    if kind == "digest":
        return digest_context([_SAMPLE], fmt, "UTC", "digest") | {"omitted": 0}
    return item_context(_SAMPLE, fmt) | {"omitted": 0}


def _compile(name: str, fmt: str, source: str, sample: dict[str, Any]) -> Any:
    env = environment(fmt)
    try:
        tmpl = env.from_string(source)
        tmpl.render(sample)
    except TemplateError as exc:
        lineno = getattr(exc, "lineno", None)
        where = f" (line {lineno})" if lineno else ""
        raise TemplateProblem(f"{name}: template error{where}: {exc}") from None
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
        raise TemplateProblem(f"{name}: template fails on a sample alert: {problem}") from None
    return tmpl
