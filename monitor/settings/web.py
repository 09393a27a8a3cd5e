"""`[web]`: the local web console (off unless `listen` is set; see docs/web.md)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Annotated

from pydantic import field_validator, model_validator

from monitor.settings.base import StrictModel
from monitor.settings.types import Duration, at_most


def split_listen(value: str) -> tuple[str, int]:
    """`"127.0.0.1:8787"`, `"[::1]:8787"`, `"localhost:8787"` -> (host, port)."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f'expected "HOST:PORT" such as "127.0.0.1:8787", got {value!r}')
    number = int(port)
    if not 0 < number < 65536:
        raise ValueError(f"port {number} is out of range (1-65535)")
    return host.strip("[]"), number


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebConfig(StrictModel):
    # Empty: no console. A non-loopback address needs `password_hash` or `token`.
    listen: str = ""
    # Article text kept for back-testing rules ("0": none kept).
    keep_articles: Annotated[Duration, at_most("365d")] = timedelta(days=14)
    # An argon2 hash (`newsmon web-password` prints one); never the password itself.
    password_hash: str = ""
    # A long random token, sent as `Authorization: Bearer TOKEN` or typed at the login page.
    token: str = ""

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        if value:
            split_listen(value)
        return value

    @field_validator("password_hash")
    @classmethod
    def _hash(cls, value: str) -> str:
        if value and not value.startswith("$argon2"):
            raise ValueError("expected an argon2 hash (starting with $argon2), not a plain password")
        return value

    @field_validator("token")
    @classmethod
    def _token(cls, value: str) -> str:
        if value and len(value) < 24:
            raise ValueError("a token needs at least 24 characters (e.g. `openssl rand -hex 24`)")
        return value

    @model_validator(mode="after")
    def _guarded(self) -> WebConfig:
        open_to_others = self.listen and not is_loopback(split_listen(self.listen)[0])
        if open_to_others and not (self.password_hash or self.token):
            raise ValueError(f"listen {self.listen!r} is reachable from other machines: set "
                                 "`password_hash` or `token`, or listen on 127.0.0.1")
        return self
