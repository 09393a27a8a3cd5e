"""sd_notify over `$NOTIFY_SOCKET`: a few datagrams, no extra package.

systemd (Type=notify) waits for READY=1, shows STATUS= in `systemctl status`,
kills us if WATCHDOG=1 stops arriving (WatchdogSec=), and knows a reload runs
between RELOADING=1 and the next READY=1. Outside systemd every call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger(__name__)


def _address(raw: str) -> str | bytes | None:
    if not raw:
        return None
    if raw.startswith("@"):  # abstract namespace: a leading NUL byte
        return b"\0" + raw[1:].encode()
    if raw.startswith("/"):
        return raw
    return None  # vsock and other forms are not used by systemd for services


class Notifier:
    """One socket for the life of the process; errors are logged once, never raised."""

    def __init__(self, address: str | bytes | None):
        self.address = address
        self._sock: socket.socket | None = None
        self._warned = False
        if address is not None:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    @classmethod
    def from_env(cls) -> Notifier:
        notifier = cls(_address(os.environ.get("NOTIFY_SOCKET", "")))
        # Children (the feed parser pool) must not talk to systemd in our name.
        os.environ.pop("NOTIFY_SOCKET", None)
        return notifier

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def send(self, *fields: str) -> bool:
        if self._sock is None or self.address is None:
            return False
        message = "\n".join(f.replace("\n", " ") for f in fields).encode()
        try:
            self._sock.sendto(message, self.address)
            return True
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("cannot notify systemd on $NOTIFY_SOCKET: %s", exc.strerror or exc)
            return False

    def ready(self, status: str = "") -> bool:
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={text}")

    def reloading(self) -> bool:
        # systemd >= 253 wants the monotonic time with RELOADING=1 (Type=notify-reload).
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.send("RELOADING=1", f"MONOTONIC_USEC={usec}")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def watchdog_interval() -> float | None:
    """Seconds between WATCHDOG=1 pings (half of WatchdogSec), or None when off.

    `$WATCHDOG_PID`, when set, must be ours: the variable may be inherited.
    """
    raw = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not raw.isdigit() or int(raw) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(raw) / 1_000_000 / 2
