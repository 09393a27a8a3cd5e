"""Which shared work this instance may do now: leases, renewed by a heartbeat.

With a SQLite state there is one instance and every answer is yes (`Solo`).
With `[state] url = "postgresql://..."` any number of identical `newsmon run`
processes share the work through the database (`Shared`):

- a target's delivery lane runs in the one instance holding `lane:TARGET`
  (per-target order is kept; each outbox row is sent by one instance);
- a feed is polled by the instance holding `feed:NAME`, and only when its
  last poll (in the shared feed state) is an interval old. Each instance first
  asks `owns(name)`: feeds are spread over the live instances by rendezvous
  hashing, so instances do not all race for every feed (the lease still decides
  while their views of who is alive differ, for up to one heartbeat);
- an article is matched and recorded by the instance holding `article:ID`
  (the seen table's unique id makes the record itself once-only).

An instance that dies stops renewing; its leases expire after `ttl` and the
others carry on. A clean stop gives its leases back at once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from monitor.store.leases import Instances, Leases, new_instance_id

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
DEFAULT_TTL = timedelta(seconds=30)


class Coordinator(Protocol):
    instance_id: str
    shared: bool
    # How long a lane whose lease is held elsewhere waits before asking again, and
    # the longest a shared lane sleeps (another instance may have queued work for it).
    retry_after: float
    ttl: timedelta  # how long a silent instance's leases (and share of the feeds) stay its own

    def hold(self, name: str, ttl: timedelta | None = None) -> bool: ...
    def release(self, name: str) -> None: ...
    def owns(self, name: str) -> bool: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...


def rendezvous_owner(name: str, live: Sequence[str]) -> str | None:
    """The instance of `live` that owns `name` (highest random weight hashing): every
    instance computes the same answer from the same list, and when an instance joins or
    leaves only the names it owned (or will own) move."""
    def weight(instance: str) -> bytes:
        return hashlib.blake2b(f"{instance}\0{name}".encode(), digest_size=8).digest()

    return max(live, key=weight, default=None)


class Rechecks:
    """When to look again at work that falls to another instance (is it overdue there?):
    not at first sight, which gives that instance time, then at most once per `every`."""

    def __init__(self) -> None:
        self._next: dict[str, datetime] = {}

    def due(self, key: str, now: datetime, every: timedelta) -> bool:
        at = self._next.get(key)
        if at is not None and now < at:
            return False
        self._next[key] = now + every
        return at is not None


class Solo:
    """One instance on its own state: it may do everything."""

    shared = False
    retry_after = 3600.0
    ttl = DEFAULT_TTL

    def __init__(self) -> None:
        self.instance_id = new_instance_id()

    def hold(self, name: str, ttl: timedelta | None = None) -> bool:
        return True

    def release(self, name: str) -> None:
        return None

    def owns(self, name: str) -> bool:
        return True

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


class Shared:
    """Leases in the shared database, renewed every ttl/3 by a heartbeat thread."""

    shared = True

    def __init__(self, leases: Leases, instances: Instances, clock: Clock, ttl: timedelta = DEFAULT_TTL,
                 instance_id: str | None = None):
        self.leases, self.instances, self.clock, self.ttl = leases, instances, clock, ttl
        self.instance_id = instance_id or new_instance_id()
        self.retry_after = max(0.2, ttl.total_seconds() / 10)
        self._held: dict[str, tuple[datetime, timedelta]] = {}  # name -> (expires_at, ttl)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._live: tuple[str, ...] = (self.instance_id,)  # refreshed by each heartbeat

    def owns(self, name: str) -> bool:
        """Whether `name` falls to this instance among the live ones (as of the last heartbeat)."""
        return rendezvous_owner(name, self._live) == self.instance_id

    def _see_live(self, now: datetime) -> None:
        """The instances whose heartbeat is younger than the lease ttl (this one included)."""
        alive = {i.id for i in self.instances.all() if i.heartbeat_at >= now - self.ttl}
        self._live = tuple(sorted(alive | {self.instance_id}))

    def hold(self, name: str, ttl: timedelta | None = None) -> bool:
        """True if this instance holds `name` now (taking or renewing it as needed)."""
        ttl = ttl or self.ttl
        now = self.clock()
        with self._lock:
            held = self._held.get(name)
            # Held with more than half its time left: no round trip needed.
            if held is not None and held[0] - now > held[1] / 2:
                return True
        try:
            ok = self.leases.acquire(name, self.instance_id, ttl, now)
        except Exception as exc:  # the database is away: do no shared work until it is back
            log.warning("cannot take lease %s: %s; skipping that work for now", name, exc)
            ok = False
        with self._lock:
            if ok:
                self._held[name] = (now + ttl, ttl)
            else:
                self._held.pop(name, None)
        return ok

    def release(self, name: str) -> None:
        with self._lock:
            self._held.pop(name, None)
        try:
            self.leases.release(name, self.instance_id)
        except Exception as exc:  # it expires by itself
            log.debug("cannot release lease %s: %s", name, exc)

    def start(self) -> None:
        now = self.clock()
        self.instances.heartbeat(self.instance_id, now)
        self._see_live(now)
        self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        self._thread.start()
        log.info("instance %s sharing work through the database (lease ttl %ds)", self.instance_id,
                 int(self.ttl.total_seconds()))

    def beat_once(self) -> None:
        """Renew every held lease and this instance's heartbeat; forget dead instances."""
        now = self.clock()
        self.instances.heartbeat(self.instance_id, now)
        with self._lock:
            names = list(self._held.items())
        for name, (_expires, ttl) in names:
            if not self.leases.acquire(name, self.instance_id, ttl, now):
                log.warning("lost lease %s (this instance was too slow to renew it)", name)
                with self._lock:
                    self._held.pop(name, None)
            else:
                with self._lock:
                    if name in self._held:
                        self._held[name] = (now + ttl, ttl)
        self.instances.prune(now - self.ttl * 10)
        self.leases.expire(now - self.ttl)
        self._see_live(now)

    def _beat(self) -> None:
        interval = self.ttl.total_seconds() / 3
        while not self._stopping.wait(interval):
            try:
                self.beat_once()
            except Exception as exc:
                log.warning("heartbeat failed: %s; leases expire unless it recovers", exc)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            released = self.leases.release_all(self.instance_id)
            self.instances.remove(self.instance_id)
            log.info("instance %s stopped; %d lease(s) given back", self.instance_id, released)
        except Exception as exc:
            log.warning("could not give leases back (%s); they expire in %ds", exc,
                        int(self.ttl.total_seconds()))
        with self._lock:
            self._held.clear()
