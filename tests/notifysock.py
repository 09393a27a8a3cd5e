"""A stand-in for systemd's notify socket: tests bind it and read what the daemon says."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager


class NotifySocket:
    """What systemd does: a datagram socket that collects the daemon's messages."""

    def __init__(self, address: str | bytes):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.messages: list[dict[str, str]] = []

    def wait(self, key: str, value: str | None = None, timeout: float = 30) -> dict[str, str]:
        """The first message not yet consumed that has `key` (= `value`)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, msg in enumerate(self.messages):
                if key in msg and (value is None or msg[key] == value):
                    del self.messages[: i + 1]
                    return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {key} from the daemon; got {self.messages}")
            self.sock.settimeout(left)
            try:
                raw = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.messages.append(dict(line.split("=", 1) for line in raw.decode().splitlines()))


@contextmanager
def listening() -> Iterator[tuple[str, NotifySocket]]:
    """(path for $NOTIFY_SOCKET, the bound socket); AF_UNIX paths are short (108 bytes)."""
    folder = tempfile.mkdtemp(prefix="nm-", dir="/tmp")
    path = os.path.join(folder, "notify")
    sock = NotifySocket(path)
    try:
        yield path, sock
    finally:
        sock.sock.close()
        shutil.rmtree(folder)
