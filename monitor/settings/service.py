"""`[http]`: the optional health and metrics endpoint (off unless `listen` is set)."""

from __future__ import annotations

from pydantic import field_validator

from monitor.settings.base import StrictModel


def split_listen(value: str) -> tuple[str, int]:
    """"127.0.0.1:9464" or "[::1]:9464" -> (host, port)."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError('expected "HOST:PORT", e.g. "127.0.0.1:9464"')
    return host.strip("[]"), int(port)


class HttpConfig(StrictModel):
    # Off by default. It shows counts and readiness, never content; keep it on
    # loopback (or behind a proxy) unless the network is trusted.
    listen: str | None = None

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value:
            split_listen(value)
        return value or None

    @property
    def address(self) -> tuple[str, int] | None:
        return split_listen(self.listen) if self.listen else None
