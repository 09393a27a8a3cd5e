"""The `newsmon` command: run, check (more commands register themselves below)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from monitor import __version__
from monitor.settings import Config, ConfigError

EXIT_CONFIG = 2
T = TypeVar("T")


def config_candidates() -> list[tuple[str, Path]]:
    """Where the config is looked for when `--config` is not given, in order."""
    import platformdirs

    found: list[tuple[str, Path]] = []
    env = os.environ.get("NEWSMON_CONFIG")
    if env:
        found.append(("$NEWSMON_CONFIG", Path(env).expanduser()))
    found += [("the working folder", Path.cwd() / "config" / "newsmon.toml"),
              ("your config folder",
               Path(platformdirs.user_config_dir("newsmon", appauthor=False)) / "newsmon.toml"),
              ("the system config folder", Path("/etc/newsmon/newsmon.toml"))]
    return found


def default_config_path() -> Path:
    """The config file to use when `--config` is not given (see `find_config`)."""
    try:
        return find_config()
    except ConfigError:
        return config_candidates()[0][1]


def find_config() -> Path:
    """$NEWSMON_CONFIG, ./config/newsmon.toml, the user's config dir, /etc/newsmon: the first
    that exists; else a `ConfigError` naming every place tried and how to make one.

    $NEWSMON_CONFIG, when set, is used even if missing (the error then names it).
    """
    candidates = config_candidates()
    if os.environ.get("NEWSMON_CONFIG"):
        env = candidates[0][1]
        if not env.exists():
            raise ConfigError.single(env, "", "no such config file ($NEWSMON_CONFIG names it: "
                                     "fix or unset it, or pass --config FILE)")
        return env
    for _, path in candidates:
        if path.is_file():
            return path
    tried = "; ".join(f"{p} ({why})" for why, p in candidates)
    raise ConfigError.single("newsmon", "config", f"no config file found (tried {tried}); pass "
                             "--config FILE, set NEWSMON_CONFIG, or copy config/newsmon.toml from "
                             f"the newsmon sources to {candidates[-2][1]}")


def load_or_exit(path: Path | None) -> Config:
    """The checked config (every problem at once, else exit 2); rules are not compiled."""
    from monitor.validate import load_valid

    return _or_exit(lambda: load_valid(path or find_config()))


def load_checked_or_exit(path: Path | None, cache_dir: Path | None = None,
                         state_cache: bool = False) -> tuple[Config, Any]:
    """The checked config and its compiled rules (every problem at once, else exit 2)."""
    from monitor.validate import load_checked

    return _or_exit(lambda: load_checked(path or find_config(), cache_dir=cache_dir,
                                         state_cache=state_cache))


def _or_exit(load: Callable[[], T]) -> T:
    try:
        return load()
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_CONFIG)


def state_dir_path(value: str | None) -> Path | None:
    """`--state-dir`: a folder; a URL (`postgresql://...`) is refused, not made into a folder."""
    from monitor.settings.load import state_dir_problem

    if value is None:
        return None
    if (why := state_dir_problem(value)) is not None:
        click.echo(f"--state-dir: {why}", err=True)
        sys.exit(EXIT_CONFIG)
    return Path(value).expanduser()


config_option = click.option("--config", "config_path", type=click.Path(path_type=Path),
                             help="Main config file (default: $NEWSMON_CONFIG, ./config/newsmon.toml, "
                                  "the user config dir, /etc/newsmon/newsmon.toml).")


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


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from monitor import native

    click.echo(f"newsmon {__version__}\nplace matcher: {native.state().describe()}")
    ctx.exit()


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version, and whether the place matcher is compiled, and exit.")
def main() -> None:
    """newsmon: watch folders and feeds, match rules, send alerts."""


@main.command()
@config_option
@click.option("--state-dir", "state_dir_text", help="Folder where state and the alert log live.")
@click.option("--once", is_flag=True, help="Process what is there, try pending deliveries once, exit.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None)
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              help="json: one JSON object per line, for log shippers.")
def run(config_path: Path | None, state_dir_text: str | None, once: bool, log_level: str | None,
        log_format: str) -> None:
    """Run the daemon (or one pass with --once)."""
    from monitor.logs import setup_logging

    state_dir = state_dir_path(state_dir_text)
    # The gazetteer cache goes where the daemon keeps it: the state dir.
    config = load_checked_or_exit(config_path, cache_dir=state_dir, state_cache=True)[0]
    setup_logging(log_level or config.log_level, log_format)
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
    # Signals reach the loop below through a pipe (`signal.set_wakeup_fd`: the
    # interpreter writes each signal's number there), not through a handler that
    # sets a `threading.Event`: a handler runs in the main thread between two
    # bytecodes, and one that ran while that thread held the Event's own lock (in
    # `Event.wait`) waited for itself for ever, and the daemon never stopped.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    os.set_inheritable(wake_r, False)
    os.set_inheritable(wake_w, False)
    previous_fd = signal.set_wakeup_fd(wake_w)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _noted)  # (the number is in the pipe; the default would kill)
    from monitor.service.runtime import ServiceHooks

    hooks = ServiceHooks(app)  # sd_notify, [http] endpoint
    try:
        app.start()
        hooks.started()
        while True:
            signums = set(os.read(wake_r, 64))
            if signums & {signal.SIGTERM, signal.SIGINT}:
                name = signal.Signals(max(signums & {signal.SIGTERM, signal.SIGINT})).name
                log.info("received %s, stopping", name)
                break
            if signal.SIGHUP not in signums:
                continue
            from monitor.validate import load_checked

            hooks.reloading()
            try:
                app.reload(load_checked(config_path or default_config_path(), cache_dir=app.state_dir)[0])
                hooks.reloaded(ok=True)
            except ConfigError as exc:
                log.error("reload refused, keeping the running config: %s", str(exc).replace("\n", "; "))
                app.metrics.reloads_failed.inc()
                hooks.reloaded(ok=False)
    finally:
        hooks.stopping()
        app.stop()
        hooks.close()
        signal.set_wakeup_fd(previous_fd)
        os.close(wake_r)
        os.close(wake_w)


def _noted(_signum: int, _frame: Any) -> None:
    """A signal's Python-level handler: nothing to do (see `_serve`)."""


@main.command()
@config_option
def check(config_path: Path | None) -> None:
    """Validate the config and print a summary (secrets masked)."""
    config, matcher = load_checked_or_exit(config_path)
    from monitor.redact import mask_url

    click.echo(f"{config.source_file}: OK")
    from monitor.app import default_state_dir
    from monitor.settings.types import format_duration

    kept = format_duration(config.retention) if config.retention else "for ever"
    click.echo(f"state: {config.state_dir or default_state_dir()} (sent and dead alerts and the "
               f"notification log kept {kept})")
    click.echo(f"folders: {len(config.folders)}")
    for f in config.folders:
        click.echo(f"  {f.source_name}: {f.path}{_home_note(f.home)}")
    click.echo(f"feeds: {len(config.feeds)}")
    for feed in config.feeds:
        click.echo(f"  {feed.name}: {mask_url(feed.url)} every {format_duration(feed.interval)}"
                   f"{_home_note(feed.home)}")
    click.echo(f"rules: {len(config.rules)}")
    for r in config.rules:
        what = " + ".join(p for p in (f"query {r.query!r}" if r.query else "",
                                      "locations" if r.locations else "") if p)
        click.echo(f"  {r.name}: {what} -> {', '.join(r.notify) or '(no target)'}")
    click.echo(f"targets: {len(config.targets)}")
    for name, urls in config.targets.items():
        click.echo(f"  {name}: {', '.join(mask_url(u) for u in urls)}")
    if config.http.listen:
        click.echo(f"http: {config.http.listen} (/healthz, /readyz, /metrics)")
    for note in getattr(matcher, "notes", lambda: [])():
        click.echo(f"note: {note}")


_LAZY = {
    "match": "monitor.commands.match:match_command",
    "status": "monitor.commands.status:status_command",
    "feeds": "monitor.commands.feeds:feeds_command",
    "outbox": "monitor.commands.outbox:outbox_command",
    "send-test": "monitor.commands.send_test:send_test_command",
    "install-service": "monitor.commands.install_service:install_service_command",
    "history": "monitor.commands.history:history_command",
    "web-password": "monitor.web.password:web_password_command",
}


def _home_note(home: str | tuple[str, ...] | None) -> str:
    """`, home Minnesota + Wisconsin` for `check`'s source lines (nothing without one)."""
    if not home:
        return ""
    return ", home " + (home if isinstance(home, str) else " + ".join(home))
