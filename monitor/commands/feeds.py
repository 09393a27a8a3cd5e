"""`newsmon feeds import FILE.opml` and `newsmon feeds export`.

Import writes new feeds into a drop-in file `feeds.d/<name>.toml` beside
the main config (appending when it exists), never into the main file. The
main config must `include` it: when the main file has no `include` key, one
line `include = ["feeds.d/*.toml"]` is added at its top; when it has one that
does not cover the drop-in, the command says which line to change. The
result is loaded back as a whole config; if that fails, nothing is kept.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import click

from monitor.sources.opml import (
    DROPIN_GLOB,
    OpmlError,
    add_include_line,
    dropin_path,
    dropin_toml,
    export_opml,
    includes_dropins,
    parse_opml,
    plan_import,
)

EXIT_BAD = 2


@click.group("feeds")
def feeds_command() -> None:
    """Import feeds from OPML, export them to OPML."""


@feeds_command.command("import")
@click.argument("opml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Main config file.")
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
def import_command(opml_file: Path, config_path: Path | None, dry_run: bool) -> None:
    """Add the feeds of an OPML export (folders become tags; duplicates skipped)."""
    from monitor.cli import default_config_path, load_or_exit
    from monitor.settings import ConfigError
    from monitor.validate import load_valid

    config_file = (config_path or default_config_path()).resolve()
    config = load_or_exit(config_file)
    try:
        found = parse_opml(opml_file.read_bytes())
    except (OpmlError, OSError) as exc:
        click.echo(f"{opml_file}: {exc}", err=True)
        sys.exit(EXIT_BAD)
    plan = plan_import(found, (f.url for f in config.feeds), (f.name for f in config.feeds))
    target = dropin_path(config_file, opml_file)
    for feed, why in plan.skipped:
        click.echo(f"skipped: {feed.name} ({feed.url}): {why}")
    if not plan.added:
        click.echo(f"nothing to add ({len(found)} feed(s) in {opml_file.name}, all skipped)")
        return
    for feed in plan.added:
        tags = f" [{' / '.join(feed.tags)}]" if feed.tags else ""
        click.echo(f"{'would add' if dry_run else 'added'}: {feed.name}{tags}: {feed.url}")
    if dry_run:
        return
    main_text = config_file.read_text(encoding="utf-8")
    new_main: str | None = None
    if not includes_dropins(config.include, config_file, target):
        if "include" in tomllib.loads(main_text):
            click.echo(
                f'{config_file}: its `include` does not cover {target.name}; add "{DROPIN_GLOB}" '
                f"to it, then run the import again",
                err=True,
            )
            sys.exit(EXIT_BAD)
        new_main = add_include_line(main_text)
    old_dropin = target.read_text(encoding="utf-8") if target.exists() else None
    target.parent.mkdir(parents=True, exist_ok=True)
    body = dropin_toml(plan.added, opml_file.name)
    target.write_text((old_dropin + "\n" + body) if old_dropin else body, encoding="utf-8")
    if new_main is not None:
        config_file.write_text(new_main, encoding="utf-8")
    try:
        load_valid(config_file)
    except ConfigError as exc:
        # Put everything back: a half-applied import would stop the daemon on reload.
        if old_dropin is None:
            target.unlink()
        else:
            target.write_text(old_dropin, encoding="utf-8")
        config_file.write_text(main_text, encoding="utf-8")
        click.echo(f"import undone, the result did not load:\n{exc}", err=True)
        sys.exit(EXIT_BAD)
    click.echo(f"{len(plan.added)} feed(s) written to {target}")
    if new_main is not None:
        click.echo(f'{config_file}: added `include = ["{DROPIN_GLOB}"]` so the drop-in is read')
    click.echo("reload the daemon (SIGHUP) to start polling them")


@feeds_command.command("export")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Main config file.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout)."
)
def export_command(config_path: Path | None, output: Path | None) -> None:
    """Write every configured feed as OPML 2.0 (tags become folders)."""
    from monitor.cli import load_or_exit

    config = load_or_exit(config_path) if config_path else load_or_exit(None)
    text = export_opml((f.name, f.url, f.tags) for f in config.feeds)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(config.feeds)} feed(s) written to {output}", err=True)
