"""`newsmon status [--json]`: per-feed health from the state, failing feeds first.

Reads the state only (never fetches): last attempt and success, last HTTP
status, failures in a row, next poll, entry counts and the last error.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

_ORDER = {"failing": 0, "error": 1, "silent": 2, "never": 3, "ok": 4, "disabled": 5}


def feed_rows(config: Any, states: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per configured feed (state or not), failing ones first."""
    from monitor.redact import mask_text, mask_url
    from monitor.sources.feeds import state_key

    rows = []
    for feed in config.feeds:
        st = states.get(state_key(feed.name)) or {}
        if st.get("url") not in (None, feed.url, mask_url(feed.url)):
            st = {}  # state of an older URL: this one was never polled
        failures = int(st.get("failures", 0) or 0)
        if not feed.enabled:
            status = "disabled"
        elif not st.get("last_attempt"):
            status = "never"
        elif st.get("health") in ("failing", "silent"):
            status = st["health"]
        else:
            status = "error" if failures else "ok"
        rows.append({
            "name": feed.name,
            "status": status,
            "last_attempt": st.get("last_attempt"),
            "last_success": st.get("last_success"),
            "last_status": st.get("last_status"),
            "failures": failures,
            "next_poll": st.get("next_poll"),
            "items_total": st.get("items_total", 0),
            "items_new": st.get("items_new", 0),
            "items_seen_total": st.get("items_seen_total", 0),
            # Masked again: states written before masking may hold a token.
            "last_error": mask_text(st.get("last_error") or ""),
            "moved_to": mask_url(st["moved_to"]) if st.get("moved_to") else None,
        })  # fmt: skip
    rows.sort(key=lambda r: (_ORDER.get(r["status"], 9), -r["failures"], r["name"]))
    return rows


def _ago(value: str | None, now: datetime) -> str:
    if not value:
        return "-"
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return "?"
    seconds = int((now - when).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            text = f"{seconds // size}{unit}"
            break
    else:
        text = f"{seconds}s"
    return f"in {text}" if future else f"{text} ago"


def render_table(rows: list[dict[str, Any]], now: datetime) -> str:
    head = ("FEED", "STATUS", "LAST TRY", "LAST OK", "HTTP", "FAILS", "NEXT", "ITEMS", "NEW")
    table = [head]
    for r in rows:
        table.append((
            r["name"][:40], r["status"], _ago(r["last_attempt"], now), _ago(r["last_success"], now),
            str(r["last_status"] or "-"), str(r["failures"]), _ago(r["next_poll"], now),
            str(r["items_total"]), str(r["items_new"]),
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
    for r in rows:
        if r["last_error"] and r["status"] != "ok":
            lines.append(f"  {r['name']}: {r['last_error']}")
        if r["moved_to"]:
            lines.append(f"  {r['name']}: moved permanently to {r['moved_to']}; update the config")
    return "\n".join(lines)


@click.command("status")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Main config file.")
@click.option("--state-dir", type=click.Path(path_type=Path), help="Where the state lives.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
def status_command(config_path: Path | None, state_dir: Path | None, as_json: bool) -> None:
    """Show each feed's health: failing feeds first."""
    from monitor.app import default_state_dir
    from monitor.cli import load_or_exit
    from monitor.sources.feeds import STATE_PREFIX
    from monitor.store import open_store
    from monitor.store.sql import StateError

    config = load_or_exit(config_path)
    folder = Path(state_dir or config.state_dir or default_state_dir())
    states: dict[str, dict[str, Any]] = {}
    cluster: dict[str, Any] | None = None
    now = datetime.now(UTC)
    if config.state.url or (folder / "newsmon.db").exists():
        try:
            store = open_store(config.state.url or folder)
        except StateError as exc:
            click.echo(f"newsmon: unusable state: {exc}", err=True)
            raise SystemExit(3) from None
        try:
            states = store.sources.all(STATE_PREFIX)
            if config.state.url:
                cluster = instance_rows(store, now)
        finally:
            store.close()
    rows = feed_rows(config, states)
    if as_json:
        click.echo(json.dumps({"now": now.isoformat(), "feeds": rows,
                               **({"instances": cluster["instances"], "leases": cluster["leases"]}
                                  if cluster else {})}, indent=2))
        return
    if cluster is not None:
        click.echo(render_instances(cluster, now))
    if not rows:
        click.echo("no feeds configured")
        return
    click.echo(render_table(rows, now))


def instance_rows(store: Any, now: datetime) -> dict[str, Any]:
    """Instances sharing the database, their heartbeats and the leases each holds."""
    leases = store.leases.all(now)
    return {
        "instances": [{"id": i.id, "host": i.host, "pid": i.pid, "started": i.started_at.isoformat(),
                       "heartbeat": i.heartbeat_at.isoformat(),
                       "leases": sorted(lease.name for lease in leases if lease.owner == i.id)}
                      for i in store.instances.all()],
        "leases": [{"name": lease.name, "owner": lease.owner, "expires": lease.expires_at.isoformat()}
                   for lease in leases],
    }


def render_instances(cluster: dict[str, Any], now: datetime) -> str:
    lines = [f"{len(cluster['instances'])} instance(s) share this database"]
    for inst in cluster["instances"]:
        held = inst["leases"]
        shown = ", ".join(held[:6]) + (f" (+{len(held) - 6} more)" if len(held) > 6 else "")
        lines.append(f"  {inst['id']}  heartbeat {_ago(inst['heartbeat'], now)}  "
                     f"up since {_ago(inst['started'], now)}  leases: {shown or '-'}")
    return "\n".join(lines) + "\n"
