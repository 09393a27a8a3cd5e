"""`newsmon install-service`: write the systemd unit for this install and say what next."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from monitor.cli import config_option, default_config_path


@click.command("install-service")
@config_option
@click.option("--user", "user", is_flag=True, help="A user service (~/.config/systemd/user) instead.")
@click.option("--template", "instance_template", is_flag=True,
              help="newsmon@.service: one instance per CONFIG_DIR/NAME.toml.")
@click.option("--print", "print_only", is_flag=True, help="Print the unit; write nothing.")
@click.option("--unit-dir", type=click.Path(path_type=Path), default=None,
              help="Where to write it (default: /etc/systemd/system, or ~/.config/systemd/user).")
def install_service_command(config_path: Path | None, user: bool, instance_template: bool,
                            print_only: bool, unit_dir: Path | None) -> None:
    """Write a systemd unit running this install's newsmon with CONFIG."""
    from monitor.service.unit import (
        SYSTEM_UNIT_DIR,
        current_executable,
        example_config_path,
        hidden_paths,
        next_steps,
        render,
    )

    if user and instance_template:
        raise click.UsageError("--template is for the system service; drop --user or --template")
    config = (config_path or (default_config_path() if user else Path("/etc/newsmon/newsmon.toml")))
    config = config.expanduser().absolute()
    exe = current_executable()
    state_dir = None
    if user:  # the config's own state_dir if it names one (--state-dir would override it)
        from monitor.app import default_state_dir
        from monitor.settings import ConfigError, load_config

        try:
            state_dir = load_config(config).state_dir if config.is_file() else None
        except ConfigError:
            state_dir = None  # `newsmon check` (ExecStartPre) will say what is wrong
        state_dir = state_dir or default_state_dir()
    unit = render(exe, config, user=user, instance_template=instance_template, state_dir=state_dir)
    say = (lambda text: click.echo(text, err=True)) if print_only else click.echo

    if not user:
        for path in hidden_paths([exe, config]):
            say(f"warning: {path} is under /home, /root or /run/user, which the service cannot see "
                "(ProtectHome=yes); install newsmon in /opt and the config in /etc/newsmon")
    if not instance_template and not config.is_file():
        say(f"note: {config} does not exist yet; start from the example:\n"
            f"  install -D -m 0644 {example_config_path()} {config}")

    if print_only:
        click.echo(unit.text, nl=False)
        target = None
    else:
        folder = unit_dir or (Path("~/.config/systemd/user").expanduser() if user else SYSTEM_UNIT_DIR)
        target = folder / unit.name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(unit.text, encoding="utf-8")
        except OSError as exc:
            click.echo(f"newsmon: cannot write {target}: {exc.strerror}; run it as root (sudo), "
                       "or use --user, or --print and save the unit yourself", err=True)
            sys.exit(1)
        say(f"wrote {target} (runs {exe} with {config})")
    say("next:")
    for step in next_steps(target, user, instance_template):
        say(f"  {step}")
