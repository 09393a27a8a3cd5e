"""`newsmon history`: alerts that went out, with their article, rules and delivery attempts.

    newsmon history [--rule R] [--target T] [--since 24h] [--limit N] [--json]

Reads the state only (outbox, seen articles, notification log).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from monitor.commands.outbox import _open


def history_entry(found: dict[str, Any]) -> dict[str, Any]:
    """A store `sent_history` record -> what `history` shows (and prints with --json)."""
    from monitor.alerts.route import DIGEST_FORMAT

    row = found["row"]
    items: list[dict[str, str]] = []
    if row.body_format == DIGEST_FORMAT:  # a digest: the articles it carried
        try:
            items = [{"title": str(i.get("title", "")), "url": str(i.get("url", "")),
                      "source": str(i.get("source", ""))} for i in json.loads(row.body).get("items", [])]
        except (ValueError, AttributeError):
            items = []
    article = found["article"]
    return {
        "id": row.id, "target": row.target, "sent_at": _iso(row.sent_at), "title": row.title,
        "rules": list(row.rules), "key": row.key, "priority": row.notify_type,
        "article": None if article is None else {**article, "published": _iso(article["published"])},
        "digest_items": items,
        "attempts": [{"at": _iso(a["at"]), "ok": a["ok"], "reason": _reason(a["detail"])}
                     for a in found["attempts"]],
        # Other sources that reported the same story (near-duplicates, copies).
        "also_reported_by": list(found.get("also_reported_by", ())),
    }


def also_reported_by(store: Any, article_id: str | None) -> list[str]:
    """The other sources of the alerted article's story (docs/stories.md), first seen first."""
    if not article_id:
        return []
    members = store.story_members(article_id)
    return list(dict.fromkeys(m.source for m in members if m.id != article_id))


def _reason(detail: str) -> str:
    try:
        return str(json.loads(detail).get("reason") or "")
    except (ValueError, AttributeError):
        return ""


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _short(value: str | None) -> str:
    return value[:16].replace("T", " ") + " UTC" if value else "-"


def render_text(entries: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for e in entries:
        lines.append(f"{_short(e['sent_at'])}  #{e['id']} -> {e['target']}  {e['title']}")
        lines.append(f"    rules: {', '.join(e['rules']) or '-'}   priority: {e['priority']}")
        if e["article"]:
            a = e["article"]
            lines.append(f"    article: {a['source']}  {a['url'] or ''}".rstrip())
        for item in e["digest_items"]:
            lines.append(f"    - {item['title']}  ({item['source']}) {item['url']}".rstrip())
        if e["also_reported_by"]:
            lines.append(f"    also reported by: {', '.join(e['also_reported_by'])}")
        tries = [f"{_short(a['at'])[11:16]} {'ok' if a['ok'] else 'failed'}"
                 + (f" ({a['reason']})" if a["reason"] and not a["ok"] else "") for a in e["attempts"]]
        lines.append(f"    attempts: {'; '.join(tries) or '-'}")
    return "\n".join(lines)


@click.command("history")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Main config file.")
@click.option("--state-dir", type=click.Path(path_type=Path), help="Where the state lives.")
@click.option("--rule", default=None, help="Only alerts naming this rule.")
@click.option("--target", default=None, help="Only alerts sent to this target.")
@click.option("--since", default="24h", show_default=True, help='How far back: "24h", "7d", "0" for all.')
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="A JSON list instead of text.")
def history_command(config_path: Path | None, state_dir: Path | None, rule: str | None,
                    target: str | None, since: str, limit: int, as_json: bool) -> None:
    """List sent alerts: article, rules and delivery attempts, newest first."""
    from monitor.settings.types import parse_duration

    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    _config, store = _open(config_path, state_dir)
    try:
        start = datetime.now(UTC) - window if window.total_seconds() > 0 else None
        found = store.sent_history(start, rule, target, limit)
        for f in found:
            f["also_reported_by"] = also_reported_by(store, f["row"].article_id)
        entries = [history_entry(f) for f in found]
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
    elif entries:
        click.echo(render_text(entries))
    else:
        parts = [f"for rule {rule}" if rule else "", f"to target {target}" if target else "",
                 f"in the last {since}" if start else ""]
        click.echo(" ".join(["no alert sent", *filter(None, parts)]))
