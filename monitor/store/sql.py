"""The store on SQLAlchemy Core: SQLite now, a PostgreSQL URL later.

SQLite runs in WAL mode with synchronous=FULL: a committed "seen + outbox"
transaction survives a power cut. Writes go through one lock (SQLite has one
writer anyway; waiting on our lock is cheaper than on its busy handler).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor.store.articles import ArticleReader, keep_text
from monitor.store.base import DeliveryLogEntry, NewAlert, OutboxRow
from monitor.store.schema import delivery_log, migrate, outbox, seen_articles, source_state


class StateError(RuntimeError):
    """The state cannot be opened or used (permissions, corruption, newer schema)."""


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _naive(value: datetime) -> datetime:
    # SQLite has no time zones: store UTC, restore tzinfo on read.
    return value.astimezone(UTC).replace(tzinfo=None)


def open_store(url_or_dir: str | Path) -> Store:
    """A state directory (SQLite file inside) or a SQLAlchemy URL."""
    text = str(url_or_dir)
    if "://" in text:
        return Store(sa.create_engine(text))
    folder = Path(text).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StateError(f"{folder}: cannot create the state directory: {exc.strerror}") from None
    engine = sa.create_engine(f"sqlite:///{folder / 'newsmon.db'}", connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return Store(engine)


class Store:
    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._write = threading.RLock()
        try:
            with self.engine.begin() as conn:
                migrate(conn)
        except sa.exc.SQLAlchemyError as exc:
            raise StateError(f"{engine.url.render_as_string(hide_password=True)}: {exc.__class__.__name__}: "
                             f"{str(exc.orig) if hasattr(exc, 'orig') else exc}") from None
        self.sources = SourceState(self)
        self.articles = ArticleReader(engine)
        self.keep_articles = True  # article text for back-testing (`[web] keep_articles`)

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        with self._write, self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    # -- seen articles -------------------------------------------------
    def is_seen(self, article_id: str, content_hash: str | None = None) -> bool:
        cond = seen_articles.c.id == article_id
        if content_hash:
            cond = sa.or_(cond, seen_articles.c.content_hash == content_hash)
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.literal(1)).where(cond).limit(1)).first() is not None

    def record(self, article: Any, alerts: Sequence[NewAlert], now: datetime,
               rules: Sequence[str] = ()) -> bool:
        """Mark `article` seen and queue its alerts in one transaction.

        Returns False (and writes nothing) if another writer recorded it first.
        """
        with self.writing() as conn:
            exists = conn.execute(
                sa.select(sa.literal(1)).where(seen_articles.c.id == article.id)
            ).first()
            if exists:
                return False
            conn.execute(seen_articles.insert().values(
                id=article.id, source=article.source, content_hash=article.content_hash,
                url=article.url, title=article.title[:500], published=_naive(article.published),
                first_seen=_naive(now), rules="\t".join(rules),
            ))
            if self.keep_articles:
                keep_text(conn, article, now)
            self._enqueue(conn, alerts, now)
            return True

    def enqueue(self, alerts: Sequence[NewAlert], now: datetime) -> int:
        """Queue alerts not tied to an article (health notices, digests)."""
        with self.writing() as conn:
            return self._enqueue(conn, alerts, now)

    def _enqueue(self, conn: sa.Connection, alerts: Sequence[NewAlert], now: datetime) -> int:
        added = 0
        for alert in alerts:
            dup = conn.execute(sa.select(outbox.c.id).where(
                outbox.c.target == alert.target, outbox.c.key == alert.key)).first()
            if dup:
                continue
            conn.execute(outbox.insert().values(
                target=alert.target, key=alert.key, title=alert.title, body=alert.body,
                body_format=alert.body_format, notify_type=alert.notify_type,
                rules="\t".join(alert.rules), article_id=alert.article_id, state=alert.state,
                attempts=0, created_at=_naive(now), next_attempt_at=_naive(now), last_error="",
                release_at=_naive(alert.release_at) if alert.release_at else None, reason=alert.reason,
            ))
            added += 1
        return added

    # -- outbox --------------------------------------------------------
    def next_for(self, target: str) -> OutboxRow | None:
        """The oldest pending alert of a target: lanes deliver in queue order."""
        q = (sa.select(outbox).where(outbox.c.target == target, outbox.c.state == "pending")
             .order_by(outbox.c.id).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return _row(row) if row else None

    def pending_targets(self) -> list[str]:
        q = sa.select(outbox.c.target).where(outbox.c.state == "pending").distinct()
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(q)]

    def count(self, state: str = "pending") -> int:
        with self.engine.connect() as conn:
            q = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.state == state)
            return int(conn.execute(q).scalar() or 0)

    def rows(self, state: str | None = None, limit: int = 1000) -> list[OutboxRow]:
        q = sa.select(outbox).order_by(outbox.c.id).limit(limit)
        if state:
            q = q.where(outbox.c.state == state)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(q).mappings()]

    # `log`: a notification-log entry written in the same transaction (one fsync per attempt).
    def mark_sent(self, row_id: int, now: datetime, log: DeliveryLogEntry | None = None) -> None:
        self._update(row_id, state="sent", sent_at=_naive(now), last_attempt_at=_naive(now),
                     attempts=outbox.c.attempts + 1, last_error="", _log=log)

    def mark_retry(self, row_id: int, error: str, next_at: datetime, now: datetime,
                   log: DeliveryLogEntry | None = None) -> None:
        self._update(row_id, next_attempt_at=_naive(next_at), last_attempt_at=_naive(now),
                     attempts=outbox.c.attempts + 1, last_error=error[:1000], _log=log)

    def mark_dead(self, row_id: int, error: str, now: datetime, log: DeliveryLogEntry | None = None) -> None:
        self._update(row_id, state="dead", last_attempt_at=_naive(now),
                     attempts=outbox.c.attempts + 1, last_error=error[:1000], _log=log)

    def requeue(self, row_id: int | None, now: datetime) -> int:
        """Dead letters back to pending (one, or all with None)."""
        q = outbox.update().where(outbox.c.state == "dead")
        if row_id is not None:
            q = q.where(outbox.c.id == row_id)
        with self.writing() as conn:
            # A fresh start: the retry budget (alerts.max_age) counts from the re-queue.
            return conn.execute(q.values(state="pending", next_attempt_at=_naive(now), attempts=0,
                                         created_at=_naive(now))).rowcount

    # -- alerts policy: held rows, digests, the notification log ---------
    def recent_sends(self, target: str, since: datetime,
                     reasons: Sequence[str] = ("immediate", "urgent-in-quiet-hours")
                     ) -> list[tuple[tuple[str, ...], datetime]]:
        """(rules, queued at) of alerts routed straight out to `target` since `since` (throttle input)."""
        q = (sa.select(outbox.c.rules, outbox.c.created_at)
             .where(outbox.c.target == target, outbox.c.created_at >= _naive(since),
                    outbox.c.reason.in_(list(reasons))))
        with self.engine.connect() as conn:
            return [(tuple(r for r in rules.split("\t") if r), _utc(at) or since)
                    for rules, at in conn.execute(q)]

    def next_release(self, target: str | None = None) -> datetime | None:
        q = sa.select(sa.func.min(outbox.c.release_at)).where(outbox.c.state == "held")
        if target is not None:
            q = q.where(outbox.c.target == target)
        with self.engine.connect() as conn:
            return _utc(conn.execute(q).scalar())

    def release_held(self, now: datetime, make: Callable[[str, list[OutboxRow]], NewAlert],
                     target: str | None = None) -> list[str]:
        """Fold every held row due by `now` into one digest row per target, atomically.

        Returns the targets that gained a digest. Two callers racing (a lane's
        timer and a cron job) cannot both release a row: the write lock serialises them.
        """
        q = (sa.select(outbox).where(outbox.c.state == "held", outbox.c.release_at <= _naive(now))
             .order_by(outbox.c.target, outbox.c.id))
        if target is not None:
            q = q.where(outbox.c.target == target)
        released: list[str] = []
        with self.writing() as conn:
            groups: dict[str, list[OutboxRow]] = {}
            for m in conn.execute(q).mappings():
                groups.setdefault(m["target"], []).append(_row(m))
            for name, rows in groups.items():
                digest = make(name, rows)
                self._enqueue(conn, [digest], now)
                conn.execute(outbox.update().where(outbox.c.id.in_([r.id for r in rows]))
                             .values(state="batched", last_error=f"sent in digest {digest.key}"))
                released.append(name)
        return released

    def due_between(self, since: datetime, until: datetime, reason: str = "digest"
                    ) -> list[tuple[str, tuple[str, ...]]]:
        """(target, rules) of rows held for `reason` that fall due in (since, until], released or not."""
        q = (sa.select(outbox.c.target, outbox.c.rules)
             .where(outbox.c.state.in_(["held", "batched"]), outbox.c.reason == reason,
                    outbox.c.release_at > _naive(since), outbox.c.release_at <= _naive(until)))
        with self.engine.connect() as conn:
            return [(t, tuple(r for r in rules.split("\t") if r)) for t, rules in conn.execute(q)]

    def log_delivery(self, entry: DeliveryLogEntry) -> None:
        with self.writing() as conn:
            self._insert_log(conn, entry)

    @staticmethod
    def _insert_log(conn: sa.Connection, e: DeliveryLogEntry) -> None:
        conn.execute(delivery_log.insert().values(
            outbox_id=e.row.id, target=e.row.target, key=e.row.key, at=_naive(e.at), ok=e.ok,
            title=e.title[:1000], detail=e.detail[:4000]))

    def deliveries(self, outbox_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        q = sa.select(delivery_log).order_by(delivery_log.c.id.desc()).limit(limit)
        if outbox_id is not None:
            q = q.where(delivery_log.c.outbox_id == outbox_id)
        with self.engine.connect() as conn:
            return [dict(m) | {"at": _utc(m["at"])} for m in conn.execute(q).mappings()]

    def prune(self, before: datetime) -> tuple[int, int]:
        """Delete finished alerts (sent, dead, folded into a digest) and notification-log
        entries older than `before`; pending and held alerts are never touched.
        Returns (alerts, log entries) deleted. Seen articles are kept: they are what
        stops an old article (or a file still in a folder) from alerting again."""
        cutoff = _naive(before)
        done = sa.func.coalesce(outbox.c.sent_at, outbox.c.last_attempt_at, outbox.c.created_at)
        with self.writing() as conn:
            alerts = conn.execute(outbox.delete().where(
                outbox.c.state.in_(["sent", "dead", "batched"]), done < cutoff)).rowcount
            entries = conn.execute(delivery_log.delete().where(delivery_log.c.at < cutoff)).rowcount
        return int(alerts or 0), int(entries or 0)

    def get(self, row_id: int) -> OutboxRow | None:
        with self.engine.connect() as conn:
            m = conn.execute(sa.select(outbox).where(outbox.c.id == row_id)).mappings().first()
        return _row(m) if m else None

    def _update(self, row_id: int, _log: DeliveryLogEntry | None = None, **values: Any) -> None:
        with self.writing() as conn:
            conn.execute(outbox.update().where(outbox.c.id == row_id).values(**values))
            if _log is not None:
                self._insert_log(conn, _log)


class SourceState:
    """JSON blobs per source key (feed HTTP validators, health, backoff)."""

    def __init__(self, store: Store):
        self._store = store

    def get(self, key: str) -> dict[str, Any] | None:
        with self._store.engine.connect() as conn:
            raw = conn.execute(sa.select(source_state.c.value).where(source_state.c.key == key)).scalar()
        return json.loads(raw) if raw else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        payload = json.dumps(value, default=str, sort_keys=True)
        now = _naive(datetime.now(UTC))
        with self._store.writing() as conn:
            updated = conn.execute(source_state.update().where(source_state.c.key == key)
                                   .values(value=payload, updated_at=now)).rowcount
            if not updated:
                conn.execute(source_state.insert().values(key=key, value=payload, updated_at=now))

    def put_many(self, values: dict[str, dict[str, Any]]) -> None:
        """Several keys in one transaction: one commit (one fsync) for a round of feeds."""
        if not values:
            return
        payloads = {k: json.dumps(v, default=str, sort_keys=True) for k, v in values.items()}
        now = _naive(datetime.now(UTC))
        with self._store.writing() as conn:
            have = set(conn.execute(sa.select(source_state.c.key)
                                    .where(source_state.c.key.in_(list(payloads)))).scalars())
            old = [{"k": k, "v": v} for k, v in payloads.items() if k in have]
            if old:
                conn.execute(source_state.update().where(source_state.c.key == sa.bindparam("k"))
                             .values(value=sa.bindparam("v"), updated_at=now), old)
            new = [{"key": k, "value": v, "updated_at": now} for k, v in payloads.items() if k not in have]
            if new:
                conn.execute(source_state.insert(), new)

    def all(self, prefix: str = "") -> dict[str, dict[str, Any]]:
        q = sa.select(source_state.c.key, source_state.c.value).order_by(source_state.c.key)
        if prefix:
            q = q.where(source_state.c.key.startswith(prefix, autoescape=True))
        with self._store.engine.connect() as conn:
            return {k: json.loads(v) for k, v in conn.execute(q)}


def _row(m: Any) -> OutboxRow:
    return OutboxRow(
        id=m["id"], target=m["target"], key=m["key"], title=m["title"], body=m["body"],
        body_format=m["body_format"], notify_type=m["notify_type"],
        rules=tuple(r for r in m["rules"].split("\t") if r), article_id=m["article_id"],
        state=m["state"], attempts=m["attempts"], created_at=_utc(m["created_at"]) or datetime.now(UTC),
        next_attempt_at=_utc(m["next_attempt_at"]) or datetime.now(UTC), last_error=m["last_error"],
        sent_at=_utc(m["sent_at"]), release_at=_utc(m["release_at"]), reason=m["reason"],
    )
