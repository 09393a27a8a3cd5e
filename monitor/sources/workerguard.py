"""Parse-pool workers die with the daemon, however it dies.

A `ProcessPoolExecutor` worker only learns of a clean shutdown; after `kill -9`
(or SIGTERM of `run --once`, which has no handler) it would sit there, and keep
multiprocessing's resource tracker alive with it, until someone noticed. Two
guards, set up by the pool's initializer in each worker:

- Linux: `prctl(PR_SET_PDEATHSIG, SIGTERM)`: the kernel sends SIGTERM the moment
  the parent goes. (Strictly: when the parent *thread* that started the worker
  exits; that is the feed poller's loop thread, which lives as long as the pool.)
- everywhere: a daemon thread that exits the worker once `os.getppid()` is no
  longer the daemon (it was re-parented), checked every `WATCH_EVERY` seconds.

The resource tracker needs no guard of its own: it exits when the last process
holding its pipe (the daemon and the workers) is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_EVERY = 0.5  # seconds


def die_with_parent(parent_pid: int) -> None:
    """Pool initializer: make this worker exit when process `parent_pid` is gone."""
    _set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before the guard was up
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _set_parent_death_signal(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)) == 0
    except (OSError, AttributeError):  # no libc prctl (musl oddities): the watchdog remains
        return False


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCH_EVERY)
    os._exit(1)  # no cleanup to do: a parse has no side effects
