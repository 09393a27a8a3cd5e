"""Leases and instances: how several `newsmon run` processes share one database.

A lease is a named piece of work (`lane:desk-email`, `feed:kyiv-independent`,
`article:<id>`) held by one instance until it expires. Holding it is the right to
do that work; an instance that dies simply stops renewing, and after the expiry
another instance takes over (Oban, procrastinate and Miniflux do the same).

Taking a lease is one atomic statement on both engines: an INSERT whose
conflict clause only overwrites a row that is ours or has expired, so two
instances racing for the same name cannot both win. Times come from the
caller's clock (injected), never from the database.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from monitor.store.schema import insert_for, instances, leases
from monitor.store.times import naive as _naive
from monitor.store.times import utc as _utc

if TYPE_CHECKING:
    from monitor.store.sql import Store


def new_instance_id() -> str:
    """host:pid:random: readable in `newsmon status`, unique across restarts."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"




@dataclass(frozen=True)
class Lease:
    name: str
    owner: str
    expires_at: datetime
    acquired_at: datetime


@dataclass(frozen=True)
class Instance:
    id: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime


class Leases:
    """Named leases in the state database (one row a name)."""

    def __init__(self, store: Store):
        self._store = store

    def acquire(self, name: str, owner: str, ttl: timedelta, now: datetime) -> bool:
        """Take or renew `name` for `ttl`; False while another instance holds it unexpired."""
        values = {"name": name, "owner": owner, "expires_at": _naive(now + ttl),
                  "acquired_at": _naive(now)}
        with self._store.writing() as conn:
            stmt = insert_for(conn, leases).values(**values)
            # Keep acquired_at when renewing our own lease; take over an expired one.
            stmt = stmt.on_conflict_do_update(
                index_elements=[leases.c.name],
                set_={"owner": stmt.excluded.owner, "expires_at": stmt.excluded.expires_at,
                      "acquired_at": sa.case((leases.c.owner == stmt.excluded.owner, leases.c.acquired_at),
                                             else_=stmt.excluded.acquired_at)},
                where=sa.or_(leases.c.owner == stmt.excluded.owner, leases.c.expires_at < _naive(now)),
            )
            # RETURNING, not rowcount: psycopg reports -1 for a conflict that updated nothing.
            return conn.execute(stmt.returning(leases.c.owner)).first() is not None

    def release(self, name: str, owner: str) -> bool:
        with self._store.writing() as conn:
            return bool(conn.execute(leases.delete().where(
                leases.c.name == name, leases.c.owner == owner)).rowcount)

    def release_all(self, owner: str) -> int:
        """On a clean stop: give everything back at once instead of waiting for expiry."""
        with self._store.writing() as conn:
            return int(conn.execute(leases.delete().where(leases.c.owner == owner)).rowcount)

    def holder(self, name: str, now: datetime) -> str | None:
        with self._store.engine.connect() as conn:
            row = conn.execute(sa.select(leases.c.owner).where(
                leases.c.name == name, leases.c.expires_at >= _naive(now))).first()
        return row[0] if row else None

    def all(self, now: datetime, prefix: str = "") -> list[Lease]:
        q = sa.select(leases).where(leases.c.expires_at >= _naive(now)).order_by(leases.c.name)
        if prefix:
            q = q.where(leases.c.name.startswith(prefix, autoescape=True))
        with self._store.engine.connect() as conn:
            return [Lease(r.name, r.owner, _utc(r.expires_at) or now, _utc(r.acquired_at) or now)
                    for r in conn.execute(q)]

    def expire(self, now: datetime) -> int:
        """Drop expired rows (housekeeping; an expired row is already free to take)."""
        with self._store.writing() as conn:
            return int(conn.execute(leases.delete().where(leases.c.expires_at < _naive(now))).rowcount)


class Instances:
    """Running instances and their heartbeats, for `newsmon status`."""

    def __init__(self, store: Store):
        self._store = store

    def heartbeat(self, instance_id: str, now: datetime) -> None:
        host, _, rest = instance_id.partition(":")
        pid = int(rest.split(":", 1)[0]) if rest.split(":", 1)[0].isdigit() else 0
        with self._store.writing() as conn:
            updated = conn.execute(instances.update().where(instances.c.id == instance_id)
                                   .values(heartbeat_at=_naive(now))).rowcount
            if not updated:
                conn.execute(instances.insert().values(id=instance_id, host=host, pid=pid,
                                                       started_at=_naive(now), heartbeat_at=_naive(now)))

    def remove(self, instance_id: str) -> None:
        with self._store.writing() as conn:
            conn.execute(instances.delete().where(instances.c.id == instance_id))

    def all(self) -> Sequence[Instance]:
        with self._store.engine.connect() as conn:
            rows = conn.execute(sa.select(instances).order_by(instances.c.started_at)).all()
        return [Instance(r.id, r.host, r.pid, _utc(r.started_at) or datetime.now(UTC),
                         _utc(r.heartbeat_at) or datetime.now(UTC)) for r in rows]

    def prune(self, before: datetime) -> int:
        """Forget instances silent since `before` (they died; their leases have expired)."""
        with self._store.writing() as conn:
            return int(conn.execute(instances.delete().where(
                instances.c.heartbeat_at < _naive(before))).rowcount)
