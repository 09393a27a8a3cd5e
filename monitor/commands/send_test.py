"""`newsmon send-test TARGET`: send a sample alert to one target now, print each service's result.

Goes straight to the services (not through the outbox), rendered exactly as
a real alert would be for each service's format. Exit 0 if every service
accepted it, 1 if any failed, 2 for a bad config or unknown target.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click


def send_test_alert(config: Any, target: str) -> Any:
    """Send the sample alert to `target` now; the `Sender`'s result (per-service outcomes).

    Shared with the web console's Targets page."""
    from monitor.alerts.deliver import Sender
    from monitor.alerts.render import Renderer
    from monitor.alerts.route import AlertItem, Excerpt

    now = datetime.now(UTC)
    item = AlertItem(
        article_id=f"send-test-{now:%Y%m%dT%H%M%S}",
        title="newsmon test alert",
        source="newsmon send-test",
        url="https://example.com/newsmon-test",
        published=now,
        rules=("send-test",),
        excerpt=Excerpt("body", "This is a test alert from newsmon; no article matched.", ((10, 20),)),
        tz=config.alerts.tz or "UTC",
    )
    renderer = Renderer(config.alerts.templates)

    def render(fmt: str, limit: int) -> tuple[str, str]:
        out = renderer.alert(item, fmt, limit)
        return out.title, out.body

    return Sender(config.targets).send_rendered(target, render, "info", key=item.article_id)


@click.command("send-test")
@click.argument("target")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Main config file.")
def send_test_command(target: str, config_path: Path | None) -> None:
    """Send a test alert to TARGET (a [targets] name or tag:NAME)."""
    from monitor.cli import EXIT_CONFIG, load_or_exit
    from monitor.redact import mask_text

    config = load_or_exit(config_path)
    if target not in config.targets and not target.startswith("tag:"):
        known = ", ".join(sorted(config.targets)) or "none"
        click.echo(f"unknown target {target!r} (known: {known})", err=True)
        sys.exit(EXIT_CONFIG)
    result = send_test_alert(config, target)
    if not result.services:
        click.echo(mask_text(f"{target}: FAILED: {result.reason}"))
    for s in result.services:
        status = "OK    " if s.ok else "FAILED"
        why = f": {s.reason}" if s.reason else ""
        click.echo(mask_text(f"{target}: {status} {s.service} {s.url} ({s.format}){why}"))
    sys.exit(0 if result.ok else 1)
