"""`newsmon outbox`: list queued, held and dead-lettered alerts; re-queue dead letters.

    newsmon outbox [--state pending|held|dead|sent|all] [--json]
    newsmon outbox retry ID [--release] | --all [--no-send]
    newsmon outbox log [ID]

`retry` moves dead letters back to the queue (with a fresh retry budget) and,
unless `--no-send`, tries them at once, printing the outcome per alert; a
queued alert waiting out its retry backoff is tried at once too. Held alerts
(quiet hours, digests) are not, unless `--release`: they go out when their
hold ends. A running daemon also picks re-queued alerts up. Secrets in URLs
are masked.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from monitor.redact import mask_text

STATES = ("pending", "held", "dead", "sent", "batched", "all")


def _open(config_path: Path | None, state_dir: Path | None) -> tuple[Any, Any]:
    from monitor.app import default_state_dir
    from monitor.cli import load_or_exit
    from monitor.store.sql import StateError, open_store

    config = load_or_exit(config_path)
    folder = Path(state_dir or config.state_dir or default_state_dir())
    try:
        return config, open_store(folder)
    except StateError as exc:
        click.echo(f"newsmon: unusable state: {exc}", err=True)
        sys.exit(3)


_common = [
    click.option("--config", "config_path", type=click.Path(path_type=Path), help="Main config file."),
    click.option("--state-dir", type=click.Path(path_type=Path), help="Where the state lives."),
]


def _with_common(fn: Any) -> Any:
    for option in reversed(_common):
        fn = option(fn)
    return fn


def _merged(ctx: click.Context, config_path: Path | None, state_dir: Path | None
            ) -> tuple[Path | None, Path | None]:
    """--config/--state-dir given before or after the subcommand name."""
    outer = ctx.obj or (None, None)
    return config_path or outer[0], state_dir or outer[1]


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


@click.group("outbox", invoke_without_command=True)
@_with_common
@click.option("--state", "state", type=click.Choice(STATES), default=None,
              help="Only alerts in this state (default: everything not yet sent).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def outbox_command(ctx: click.Context, config_path: Path | None, state_dir: Path | None,
                   state: str | None, as_json: bool) -> None:
    """List the outbox: queued, held (digest, quiet hours, throttle) and dead-lettered alerts."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = (config_path, state_dir)
        return
    _config, store = _open(config_path, state_dir)
    try:
        wanted = (None,) if state == "all" else (state,) if state else ("pending", "held", "dead")
        rows = sorted((r for s in wanted for r in store.rows(s, limit=100_000)), key=lambda r: r.id)
    finally:
        store.close()
    if as_json:
        for r in rows:
            click.echo(json.dumps({
                "id": r.id, "target": r.target, "key": r.key, "state": r.state, "title": r.title,
                "rules": list(r.rules), "attempts": r.attempts, "created_at": _when(r.created_at),
                "next_attempt_at": _when(r.next_attempt_at), "release_at": _when(r.release_at),
                "sent_at": _when(r.sent_at), "reason": r.reason, "last_error": mask_text(r.last_error),
            }, ensure_ascii=False))
        return
    if not rows:
        click.echo("outbox is empty" if state is None else f"no alerts in state {state!r}")
        return
    for r in rows:
        when = {"held": f"until {_when(r.release_at)} ({r.reason})",
                "pending": f"next {_when(r.next_attempt_at)}",
                "sent": f"at {_when(r.sent_at)}"}.get(r.state, "")
        click.echo(f"{r.id:>6}  {r.state:<7} {r.target:<16} attempts {r.attempts:<3} {when}  "
                   f"{', '.join(r.rules) or '-'}: {mask_text(r.title)[:80]}")
        if r.last_error and r.state in ("pending", "dead"):
            click.echo(f"        last error: {mask_text(r.last_error)[:300]}")


@outbox_command.command("retry")
@_with_common
@click.argument("row_id", required=False, type=int)
@click.option("--all", "all_rows", is_flag=True, help="Re-queue every dead letter.")
@click.option("--send/--no-send", default=True, help="Try the alerts now (default).")
@click.option("--release", is_flag=True,
              help="Also end the hold of a held alert (quiet hours, throttle, digest): send it now.")
@click.pass_context
def retry_command(ctx: click.Context, config_path: Path | None, state_dir: Path | None,
                  row_id: int | None, all_rows: bool, send: bool, release: bool) -> None:
    """Send alert ID now (a dead letter is re-queued first; a queued one skips its
    retry backoff; a held one only with --release), or re-queue every dead letter
    (--all) and try them now."""
    if (row_id is None) == (not all_rows):
        raise click.UsageError("give one alert ID or --all")
    config_path, state_dir = _merged(ctx, config_path, state_dir)
    config, store = _open(config_path, state_dir)
    try:
        now = datetime.now(UTC)
        if all_rows:
            chosen = store.rows("dead", limit=100_000)
            if not chosen:
                click.echo("no dead letters")
                sys.exit(1)
        else:
            assert row_id is not None
            row = store.get(row_id)
            problem = _not_retryable(row, row_id, release)
            if problem:
                click.echo(problem)
                sys.exit(1)
            assert row is not None
            if row.state == "held":
                sys.exit(_release(config, store, row, now, send))
            chosen = [row]
        dead = [r for r in chosen if r.state == "dead"]
        if dead:
            count = store.requeue(None if all_rows else dead[0].id, now)
            click.echo(f"re-queued {count} alert(s)")
        if not send:
            return
        sys.exit(_send_now(config, store, [r.id for r in chosen]))
    finally:
        store.close()


def _not_retryable(row: Any, row_id: int, release: bool) -> str:
    """Why `retry ID` cannot send this row now ("" if it can: dead, queued, or held and --release)."""
    if row is None:
        return f"no alert {row_id} in the outbox"
    if row.state == "held" and not release:
        return (f"alert {row_id} is held ({row.reason}) until {_when(row.release_at)}; it goes out "
                f"then, in one digest with the target's other held alerts (--release sends it now)")
    if row.state in ("sent", "batched"):
        done = "already sent" if row.state == "sent" else f"folded into a digest ({row.last_error})"
        return f"alert {row_id} was {done}"
    return ""


def _delivery(config: Any, store: Any) -> Any:
    from monitor.alerts.deliver import Sender
    from monitor.alerts.worker import Delivery

    return Delivery(store, Sender(config.targets), config.alerts, lambda: datetime.now(UTC), config.rules)


def _release(config: Any, store: Any, row: Any, now: datetime, send: bool) -> int:
    """End a held row's hold: it (and whatever else of its target is due) becomes one digest,
    sent now (unless not `send`) with the target's queue, in order. The exit status."""
    store.release_now(row.id, now)
    delivery = _delivery(config, store)
    delivery.release_due(row.target)
    click.echo(f"released alert {row.id} from its hold ({row.reason})")
    if not send:
        return 0
    queue = [r.id for r in store.rows("pending", limit=100_000) if r.target == row.target]
    return _send_now(config, store, queue, delivery)


def _send_now(config: Any, store: Any, row_ids: list[int], delivery: Any = None) -> int:
    """Try each queued row now, whatever its retry backoff; the exit status (1 if any failed).
    A target's first failure ends its turn: the rest would jump the queue."""
    delivery = delivery or _delivery(config, store)
    failed = 0
    stopped: set[str] = set()
    for row_id in row_ids:
        row = store.get(row_id)
        if row is None or row.state != "pending" or row.target in stopped:
            continue
        ok = delivery.attempt(row)
        after = store.get(row_id)
        note = "" if ok or after is None else f": {after.state}, {mask_text(after.last_error)[:200]}"
        click.echo(f"{row_id}: {'sent' if ok else 'not sent'} to {row.target}{note}")
        if not ok:
            failed += 1
            stopped.add(row.target)
    return 1 if failed else 0


@outbox_command.command("log")
@_with_common
@click.argument("row_id", required=False, type=int)
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def log_command(ctx: click.Context, config_path: Path | None, state_dir: Path | None,
                row_id: int | None, limit: int) -> None:
    """The notification log: each delivery attempt, newest first."""
    config_path, state_dir = _merged(ctx, config_path, state_dir)
    _config, store = _open(config_path, state_dir)
    try:
        entries = store.deliveries(row_id, limit)
    finally:
        store.close()
    for e in entries:
        click.echo(f"{_when(e['at'])}  alert {e['outbox_id']:<5} {e['target']:<16} "
                   f"{'ok  ' if e['ok'] else 'FAIL'} {mask_text(e['title'])[:60]}  "
                   f"[{mask_text(_services(e['detail']))}]")


def _services(detail: str) -> str:
    try:
        data = json.loads(detail)
        parts = [f"{s['service']} ({s['format']}): "
                 + (("ok" + (f" ({s['reason']})" if s["reason"] else "")) if s["ok"] else s["reason"])
                 for s in data.get("services", [])]
        return "; ".join(parts) or str(data.get("reason", ""))[:200]
    except (ValueError, KeyError, TypeError, AttributeError):
        return detail[:200]
