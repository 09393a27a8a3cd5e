"""The store on SQLAlchemy Core: SQLite now, a PostgreSQL URL later.

SQLite runs in WAL mode with synchronous=FULL: a committed "seen + outbox"
transaction survives a power cut. Writes go through one lock (SQLite has one
writer anyway; waiting on our lock is cheaper than on its busy handler).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor.store.articles import ArticleReader, keep_text
from monitor.store.base import DeliveryLogEntry, NewAlert, OutboxRow, SeenRow, StoryWrite
from monitor.store.schema import (
    delivery_log,
    insert_for,
    migrate,
    outbox,
    seen_articles,
    source_state,
    story_index,
)
from monitor.store.times import naive as _naive
from monitor.store.times import utc as _utc

# Story statements built once: parameters are passed apart, so SQLAlchemy reuses them compiled.
_INSERT_STORY = story_index.insert()
_STORY_ALERTED = sa.select(seen_articles.c.alerted).where(
    seen_articles.c.story_id == sa.bindparam("story_id"))
STORY_REASON = "story"  # a held "also reported by" row: goes out with the target's next digest

log = logging.getLogger("monitor.store")


class StateError(RuntimeError):
    """The state cannot be opened or used (permissions, corruption, newer schema)."""




def open_store(url_or_dir: str | Path) -> Store:
    """A state directory (SQLite file inside) or a SQLAlchemy URL."""
    text = str(url_or_dir)
    if "://" in text:
        return Store(_url_engine(text))
    folder = Path(text).expanduser()
    try:
        private_dir(folder)
    except OSError as exc:
        raise StateError(f"{folder}: cannot create the state directory: {exc.strerror}") from None
    try:
        private_file(folder / "newsmon.db")  # SQLite gives -wal/-shm the database's mode
    except OSError as exc:
        raise StateError(f"{folder / 'newsmon.db'}: cannot create the database: {exc.strerror}") from None
    engine = sa.create_engine(f"sqlite:///{folder / 'newsmon.db'}", connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return Store(engine)


def private_dir(folder: Path) -> None:
    """Create `folder` 0700 (alert text, delivery logs: only for the service user);
    warn, not change, if an existing one is open to others (that is the admin's call)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        log.warning("state directory %s is open to other users (mode %o): it holds article text, "
                    "alerts and the delivery log; run `chmod 700 %s`", folder, mode, folder)


def private_file(path: Path) -> None:
    """Create `path` 0600 if missing; tighten our own database files if an older version left
    them readable by others."""
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, 0o600))
    for own in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):  # missing, or not ours to change
            if stat.S_IMODE(own.stat().st_mode) & 0o077:
                own.chmod(0o600)


def _url_engine(url: str) -> sa.Engine:
    """A SQLAlchemy URL; `postgresql://` means psycopg 3 with a connection pool, in UTC."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("postgresql+psycopg://"):
        # Timestamps are stored as UTC; the session zone makes naive UTC values unambiguous.
        return sa.create_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True,
                                connect_args={"options": "-c timezone=UTC", "connect_timeout": 10})
    return sa.create_engine(url)


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
        from monitor.store.leases import Instances, Leases

        self.leases = Leases(self)
        self.instances = Instances(self)
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
        """Is this id recorded (and, given `content_hash`, with that very text)?

        Identity is the id alone: the same text under another id is a different
        article, merged only by the pipeline's content window (`seen_row`).
        """
        cond = seen_articles.c.id == article_id
        if content_hash:
            cond = sa.and_(cond, seen_articles.c.content_hash == content_hash)
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.literal(1)).where(cond).limit(1)).first() is not None

    def seen_row(self, article_id: str) -> SeenRow | None:
        with self.engine.connect() as conn:
            q = sa.select(seen_articles).where(seen_articles.c.id == article_id)
            m = conn.execute(q).mappings().first()
        return _seen(m) if m else None

    def content_copy(self, content_hash: str, since: datetime, other_than: str) -> SeenRow | None:
        """The earliest other article whose current text is `content_hash`, recorded since `since`."""
        when = sa.func.coalesce(seen_articles.c.content_at, seen_articles.c.first_seen)
        q = (sa.select(seen_articles)
             .where(seen_articles.c.content_hash == content_hash, seen_articles.c.id != other_than,
                    when >= _naive(since))
             .order_by(seen_articles.c.first_seen).limit(1))
        with self.engine.connect() as conn:
            m = conn.execute(q).mappings().first()
        return _seen(m) if m else None

    def record(self, article: Any, alerts: Sequence[NewAlert], now: datetime,
               rules: Sequence[str] = (), *, alerted: Sequence[str] = (),
               story: StoryWrite | None = None, update: bool = False,
               content_at: datetime | None = None) -> bool:
        """Mark `article` seen and queue its alerts in one transaction.

        `update`: a new version of a recorded article: its row gets the new
        content hash, and `alerted` (the union of rules alerted on any version).
        `content_at`: when the text was first recorded (a copy gives its original's,
        so the content window does not slide along a chain of copies).
        Returns False (and writes nothing) if another writer recorded it first.
        """
        with self.writing() as conn:
            exists = conn.execute(
                sa.select(seen_articles.c.content_hash).where(seen_articles.c.id == article.id)
            ).first()
            values = dict(content_hash=article.content_hash, url=article.url, title=article.title[:500],
                          published=_naive(article.published), content_at=_naive(content_at or now),
                          rules="\t".join(dict.fromkeys(rules)), alerted="\t".join(dict.fromkeys(alerted)))
            if story is not None:
                values["story_id"] = story.story_id
            if update:
                if not exists or exists[0] == article.content_hash:
                    return False
                conn.execute(seen_articles.update().where(seen_articles.c.id == article.id).values(**values))
            else:
                if exists:
                    return False
                # ON CONFLICT: another instance sharing the database may insert the same id first.
                inserted = conn.execute(insert_for(conn, seen_articles).values(
                    id=article.id, source=article.source, first_seen=_naive(now), **values,
                ).on_conflict_do_nothing().returning(seen_articles.c.id)).first()
                if inserted is None:
                    return False
            if story is not None:
                self._write_story(conn, article.id, story, now, update)
            if self.keep_articles:
                keep_text(conn, article, now)
            self._enqueue(conn, alerts, now)
            return True

    def update_content(self, article: Any, now: datetime) -> None:
        """Remember an edit that is not re-matched (`on_update = "ignore"`), so it is logged once."""
        with self.writing() as conn:
            conn.execute(seen_articles.update().where(seen_articles.c.id == article.id)
                         .values(content_hash=article.content_hash, content_at=_naive(now)))

    # -- stories ---------------------------------------------------------
    @staticmethod
    def _write_story(conn: sa.Connection, article_id: str, story: StoryWrite, now: datetime,
                     update: bool) -> None:
        if story.signature is not None:
            if update:  # the new text replaces the old one in the index
                conn.execute(story_index.delete().where(story_index.c.article_id == article_id))
            # Parameters apart from the statement: SQLAlchemy reuses the compiled insert.
            conn.execute(_INSERT_STORY, {"article_id": article_id, "story_id": story.story_id,
                                         "story_at": _naive(story.story_at or now),
                                         "signature": story.signature, "added_at": _naive(now)})

    def story_entries(self, since: datetime, limit: int) -> list[tuple[str, str, datetime, bytes]]:
        """(article id, story id, story began, signature) of the newest `limit` entries of
        stories begun since `since`."""
        return self._story_rows(story_index.c.story_at >= _naive(since), story_index.c.story_at.desc(),
                                limit, since)

    def story_entries_added(self, since: datetime, limit: int) -> list[tuple[str, str, datetime, bytes]]:
        """`story_entries` written (by any instance) at `since` or later, oldest first."""
        return self._story_rows(story_index.c.added_at >= _naive(since), story_index.c.added_at,
                                limit, since)

    def _story_rows(self, where: Any, order: Any, limit: int,
                    since: datetime) -> list[tuple[str, str, datetime, bytes]]:
        q = (sa.select(story_index.c.article_id, story_index.c.story_id, story_index.c.story_at,
                       story_index.c.signature).where(where).order_by(order).limit(limit))
        with self.engine.connect() as conn:
            return [(a, s, _utc(at) or since, bytes(sig)) for a, s, at, sig in conn.execute(q)]

    def story_alerted(self, story_id: str) -> frozenset[str]:
        """Rules that alerted (immediately or held for a digest) on any article of the story."""
        with self.engine.connect() as conn:
            rows = conn.execute(_STORY_ALERTED, {"story_id": story_id}).scalars()
            return frozenset(r for alerted in rows for r in (alerted or "").split("\t") if r)

    def story_members(self, article_id: str) -> list[SeenRow]:
        """Every recorded article of `article_id`'s story (itself included), first seen first."""
        with self.engine.connect() as conn:
            story = conn.execute(sa.select(seen_articles.c.story_id)
                                 .where(seen_articles.c.id == article_id)).scalar()
            if story is None:
                m = conn.execute(sa.select(seen_articles).where(seen_articles.c.id == article_id)).mappings()
            else:
                m = conn.execute(sa.select(seen_articles).where(seen_articles.c.story_id == story)
                                 .order_by(seen_articles.c.first_seen, seen_articles.c.id)).mappings()
            return [_seen(r) for r in m]

    def expire_stories(self, before: datetime) -> int:
        """Close stories begun before `before`: drop their index entries, and "also
        reported" rows older than that never picked up by a digest. Membership
        (`seen_articles.story_id`) is kept, for history and for updates of its articles."""
        cutoff = _naive(before)
        with self.writing() as conn:
            gone = conn.execute(story_index.delete().where(story_index.c.story_at < cutoff)).rowcount
            conn.execute(outbox.delete().where(outbox.c.state == "held", outbox.c.reason == STORY_REASON,
                                               outbox.c.created_at < cutoff))
        return int(gone or 0)

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
            row = conn.execute(insert_for(conn, outbox).values(
                target=alert.target, key=alert.key, title=alert.title, body=alert.body,
                body_format=alert.body_format, notify_type=alert.notify_type,
                rules="\t".join(alert.rules), article_id=alert.article_id, state=alert.state,
                attempts=0, created_at=_naive(now), next_attempt_at=_naive(now), last_error="",
                release_at=_naive(alert.release_at) if alert.release_at else None, reason=alert.reason,
            ).on_conflict_do_nothing().returning(outbox.c.id)).first()
            added += row is not None  # the same key from another instance: queued once
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

    def held_targets(self) -> list[str]:
        q = sa.select(outbox.c.target).where(outbox.c.state == "held").distinct()
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

    def release_now(self, row_id: int, now: datetime) -> bool:
        """Make a held row due now (`outbox retry ID --release`); False if it is not held."""
        q = outbox.update().where(outbox.c.id == row_id, outbox.c.state == "held")
        with self.writing() as conn:
            return bool(conn.execute(q.values(release_at=_naive(now))).rowcount)

    # -- alerts policy: held rows, digests, the notification log ---------
    def recent_sends(self, target: str, since: datetime,
                     reasons: Sequence[str] = ("immediate", "urgent-in-quiet-hours")
                     ) -> list[tuple[tuple[str, ...], datetime]]:
        """(rules, queued at) of alerts routed straight out to `target` since `since` (throttle input)."""
        return list(self.sends_since([target], since, reasons).get(target, ()))

    def sends_since(self, targets: Sequence[str], since: datetime,
                    reasons: Sequence[str] = ("immediate", "urgent-in-quiet-hours")
                    ) -> dict[str, tuple[tuple[tuple[str, ...], datetime], ...]]:
        """`recent_sends` for several targets in one query: target -> ((rules, queued at), ...)."""
        out: dict[str, list[tuple[tuple[str, ...], datetime]]] = {t: [] for t in targets}
        if not targets:
            return {}
        q = (sa.select(outbox.c.target, outbox.c.rules, outbox.c.created_at)
             .where(outbox.c.target.in_(list(targets)), outbox.c.created_at >= _naive(since),
                    outbox.c.reason.in_(list(reasons))))
        with self.engine.connect() as conn:
            for target, rules, at in conn.execute(q):
                out[target].append((tuple(r for r in rules.split("\t") if r), _utc(at) or since))
        return {t: tuple(v) for t, v in out.items()}

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
                # "Also reported by" rows wait for no time of their own: the next digest takes them.
                rows += [_row(m) for m in conn.execute(
                    sa.select(outbox).where(outbox.c.target == name, outbox.c.state == "held",
                                            outbox.c.reason == STORY_REASON, outbox.c.release_at.is_(None))
                    .order_by(outbox.c.id)).mappings()]
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

    def sent_history(self, since: datetime | None = None, rule: str | None = None,
                     target: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Sent alerts, newest first: the outbox row, its article (if any) and every
        delivery attempt (`newsmon history`)."""
        q = (sa.select(outbox, seen_articles.c.source.label("article_source"),
                       seen_articles.c.url.label("article_url"), seen_articles.c.title.label("article_title"),
                       seen_articles.c.published.label("article_published"))
             .select_from(outbox.outerjoin(seen_articles, seen_articles.c.id == outbox.c.article_id))
             .where(outbox.c.state == "sent").order_by(outbox.c.sent_at.desc(), outbox.c.id.desc())
             .limit(limit))
        if since is not None:
            q = q.where(outbox.c.sent_at >= _naive(since))
        if target is not None:
            q = q.where(outbox.c.target == target)
        if rule is not None:  # rules are tab-separated: match a whole name
            tabbed = sa.literal("\t") + outbox.c.rules + sa.literal("\t")
            q = q.where(tabbed.contains(f"\t{rule}\t", autoescape=True))
        with self.engine.connect() as conn:
            found = [dict(m) for m in conn.execute(q).mappings()]
            ids = [m["id"] for m in found]
            attempts: dict[int, list[dict[str, Any]]] = {}
            if ids:
                lq = (sa.select(delivery_log.c.outbox_id, delivery_log.c.at, delivery_log.c.ok,
                                delivery_log.c.detail)
                      .where(delivery_log.c.outbox_id.in_(ids)).order_by(delivery_log.c.id))
                for m in conn.execute(lq).mappings():
                    attempts.setdefault(m["outbox_id"], []).append(
                        {"at": _utc(m["at"]), "ok": bool(m["ok"]), "detail": m["detail"]})
        return [{"row": _row(m), "article": {"source": m["article_source"], "url": m["article_url"],
                                             "title": m["article_title"],
                                             "published": _utc(m["article_published"])}
                 if m["article_id"] and m["article_source"] is not None else None,
                 "attempts": attempts.get(m["id"], [])} for m in found]

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


def _seen(m: Any) -> SeenRow:
    return SeenRow(
        id=m["id"], source=m["source"], url=m["url"], title=m["title"], content_hash=m["content_hash"],
        alerted=frozenset(r for r in (m["alerted"] or "").split("\t") if r), story_id=m["story_id"],
        first_seen=_utc(m["first_seen"]) or datetime.now(UTC), published=_utc(m["published"]),
        content_at=_utc(m["content_at"]) or _utc(m["first_seen"]),
    )


def _row(m: Any) -> OutboxRow:
    return OutboxRow(
        id=m["id"], target=m["target"], key=m["key"], title=m["title"], body=m["body"],
        body_format=m["body_format"], notify_type=m["notify_type"],
        rules=tuple(r for r in m["rules"].split("\t") if r), article_id=m["article_id"],
        state=m["state"], attempts=m["attempts"], created_at=_utc(m["created_at"]) or datetime.now(UTC),
        next_attempt_at=_utc(m["next_attempt_at"]) or datetime.now(UTC), last_error=m["last_error"],
        sent_at=_utc(m["sent_at"]), release_at=_utc(m["release_at"]), reason=m["reason"],
    )
