"""`newsmon web-password`: print an argon2 hash for `[web] password_hash` (the password never stored)."""

from __future__ import annotations

import click


@click.command("web-password")
def web_password_command() -> None:
    """Ask for a console password twice; print the argon2 hash to put in [web] password_hash."""
    from argon2 import PasswordHasher

    password = click.prompt("Console password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.UsageError("use at least 10 characters")
    click.echo(f'password_hash = "{PasswordHasher().hash(password)}"')
