"""The `newsmon` command: run, check (more commands register themselves below)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from monitor import __version__
from monitor.settings import Config, ConfigError, load_config

EXIT_CONFIG = 2


def default_config_path() -> Path:
    """$NEWSMON_CONFIG, ./config/newsmon.toml, the user's config dir, /etc/newsmon."""
    env = os.environ.get("NEWSMON_CONFIG")
    if env:
        return Path(env)
    import platformdirs

    candidates = [Path("config/newsmon.toml"),
                  Path(platformdirs.user_config_dir("newsmon", appauthor=False)) / "newsmon.toml",
                  Path("/etc/newsmon/newsmon.toml")]
    return next((c for c in candidates if c.is_file()), candidates[0])


def load_or_exit(path: Path | None) -> Config:
    try:
        return load_config(path or default_config_path())
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_CONFIG)


config_option = click.option("--config", "config_path", type=click.Path(path_type=Path),
                             help="Main config file (default: ./config/newsmon.toml).")


class _LazyGroup(click.Group):
    """Commands of other rooms load on use, so `newsmon match` never imports apprise."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(n for n in _LAZY if _available(n))})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in _LAZY or not _available(cmd_name):
            return found
        import importlib

        module, attr = _LAZY[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


def _available(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(_LAZY[name].split(":")[0]) is not None


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsmon")
def main() -> None:
    """newsmon: watch folders and feeds, match rules, send alerts."""


@main.command()
@config_option
@click.option("--state-dir", type=click.Path(path_type=Path), help="Where state and the alert log live.")
@click.option("--once", is_flag=True, help="Process what is there, try pending deliveries once, exit.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None)
def run(config_path: Path | None, state_dir: Path | None, once: bool, log_level: str | None) -> None:
    """Run the daemon (or one pass with --once)."""
    from monitor.logs import setup_logging

    config = load_or_exit(config_path)
    setup_logging(log_level or config.log_level)
    from monitor.app import App
    from monitor.store.sql import StateError

    app = App(config, state_dir=state_dir)
    try:
        if once:
            app.open()
            app.run_once()
            app.stop()
            return
        _serve(app, config_path)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_CONFIG)
    except StateError as exc:
        click.echo(f"newsmon: unusable state: {exc}", err=True)
        sys.exit(3)


def _serve(app: Any, config_path: Path | None) -> None:
    import logging

    log = logging.getLogger("monitor.cli")
    stop = threading.Event()
    reload_wanted = threading.Event()

    def _on_stop(signum: int, _frame: Any) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    def _on_hup(_signum: int, _frame: Any) -> None:
        reload_wanted.set()
        stop.set()  # wake the loop below

    signal.signal(signal.SIGTERM, _on_stop)
    signal.signal(signal.SIGINT, _on_stop)
    signal.signal(signal.SIGHUP, _on_hup)
    app.start()
    try:
        while True:
            stop.wait()
            if reload_wanted.is_set():
                reload_wanted.clear()
                stop.clear()
                try:
                    app.reload(load_config(config_path or default_config_path()))
                except ConfigError as exc:
                    log.error("reload refused, keeping the running config: %s", str(exc).replace("\n", "; "))
                continue
            break
    finally:
        app.stop()


@main.command()
@config_option
def check(config_path: Path | None) -> None:
    """Validate the config and print a summary (secrets masked)."""
    config = load_or_exit(config_path)
    from monitor.app import compile_matcher
    from monitor.redact import mask_url

    try:
        matcher = compile_matcher(config, None)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_CONFIG)
    click.echo(f"{config.source_file}: OK")
    from monitor.app import default_state_dir
    from monitor.settings.types import format_duration

    kept = format_duration(config.retention) if config.retention else "for ever"
    click.echo(f"state: {config.state_dir or default_state_dir()} (sent and dead alerts and the "
               f"notification log kept {kept})")
    click.echo(f"folders: {len(config.folders)}")
    for f in config.folders:
        click.echo(f"  {f.source_name}: {f.path}")
    click.echo(f"feeds: {len(config.feeds)}")
    for feed in config.feeds:
        click.echo(f"  {feed.name}: {mask_url(feed.url)} every {feed.interval}")
    click.echo(f"rules: {len(config.rules)}")
    for r in config.rules:
        what = " + ".join(p for p in (f"query {r.query!r}" if r.query else "",
                                      "locations" if r.locations else "") if p)
        click.echo(f"  {r.name}: {what} -> {', '.join(r.notify) or '(no target)'}")
    click.echo(f"targets: {len(config.targets)}")
    for name, urls in config.targets.items():
        click.echo(f"  {name}: {', '.join(mask_url(u) for u in urls)}")
    for note in getattr(matcher, "notes", lambda: [])():
        click.echo(f"note: {note}")


_LAZY = {
    "match": "monitor.commands.match:match_command",
    "status": "monitor.commands.status:status_command",
    "feeds": "monitor.commands.feeds:feeds_command",
    "outbox": "monitor.commands.outbox:outbox_command",
    "send-test": "monitor.commands.send_test:send_test_command",
    "web-password": "monitor.web.password:web_password_command",
}
