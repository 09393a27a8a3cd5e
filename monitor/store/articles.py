"""Kept article text (for back-testing rules) and the read side the web console uses.

`keep_text` runs inside `Store.record`'s transaction, so an article is kept
exactly when it is marked seen. Everything else here only reads, except
`prune_texts`. Code outside `store/` sees `StoredArticle`s, never SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from monitor.article import Article
from monitor.store.schema import article_text, delivery_log, outbox, seen_articles
from monitor.store.times import naive as _naive
from monitor.store.times import utc as _utc

_BATCH = 2_000




@dataclass(frozen=True, slots=True)
class StoredArticle:
    seq: int  # insertion order: newer articles have larger numbers
    article: Article
    first_seen: datetime


def keep_text(conn: sa.Connection, article: Article, now: datetime) -> None:
    # An edited article (same id, new text) replaces its kept text.
    conn.execute(article_text.delete().where(article_text.c.id == article.id))
    conn.execute(article_text.insert().values(
        id=article.id, source=article.source, url=article.url, title=article.title,
        summary=article.summary, body=article.body, author=article.author,
        tags="\t".join(article.tags), published=_naive(article.published), first_seen=_naive(now),
    ))


def _article(m: Any) -> StoredArticle:
    first_seen = _utc(m["first_seen"]) or datetime.now(UTC)
    return StoredArticle(m["seq"], Article(
        id=m["id"], source=m["source"], url=m["url"], title=m["title"], summary=m["summary"],
        body=m["body"], author=m["author"], tags=tuple(t for t in m["tags"].split("\t") if t),
        published=_utc(m["published"]) or first_seen, fetched_at=first_seen, content_hash="",
    ), first_seen)


class ArticleReader:
    """Reads over the state for the console: kept articles, hit counts, alert history."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    # -- kept article text ---------------------------------------------
    def after(self, seq: int) -> Iterator[StoredArticle]:
        """Kept articles with `seq` above the given one, oldest first, read in batches."""
        while True:
            q = (sa.select(article_text).where(article_text.c.seq > seq)
                 .order_by(article_text.c.seq).limit(_BATCH))
            with self.engine.connect() as conn:
                rows = [_article(m) for m in conn.execute(q).mappings()]
            yield from rows
            if len(rows) < _BATCH:
                return
            seq = rows[-1].seq

    def by_seq(self, seqs: Iterable[int]) -> list[StoredArticle]:
        wanted = list(seqs)
        out: list[StoredArticle] = []
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 900):  # SQLite's bound-parameter limit
                q = sa.select(article_text).where(article_text.c.seq.in_(wanted[i:i + 900]))
                out.extend(_article(m) for m in conn.execute(q).mappings())
        return out

    def by_id(self, article_id: str) -> StoredArticle | None:
        with self.engine.connect() as conn:
            q = sa.select(article_text).where(article_text.c.id == article_id)
            m = conn.execute(q).mappings().first()
        return _article(m) if m else None

    def oldest_seq(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.min(article_text.c.seq))).scalar() or 0)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(article_text)).scalar() or 0)

    # -- rules: hits per rule --------------------------------------------
    def rule_hits(self, windows: Sequence[datetime]) -> dict[str, list[int]]:
        """rule name -> articles it matched since each of `windows` (oldest window first)."""
        oldest = min(windows)
        q = (sa.select(seen_articles.c.rules, seen_articles.c.first_seen)
             .where(seen_articles.c.first_seen >= _naive(oldest), seen_articles.c.rules != ""))
        out: dict[str, list[int]] = {}
        with self.engine.connect() as conn:
            for rules, seen in conn.execute(q):
                when = _utc(seen) or oldest
                for rule in rules.split("\t"):
                    counts = out.setdefault(rule, [0] * len(windows))
                    for i, start in enumerate(windows):
                        counts[i] += when >= start
        return out

    # -- alerts: history and detail --------------------------------------
    def alerts(self, text: str = "", rule: str = "", target: str = "", since: datetime | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
        """Alert history, newest first: outbox rows (any state) filtered by text, rule, target, time."""
        q = sa.select(outbox).order_by(outbox.c.created_at.desc(), outbox.c.id.desc()).limit(limit)
        if text:
            # The user's text is literal: % and _ are not wildcards here.
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            q = q.where(sa.or_(outbox.c.title.ilike(like, escape="\\"),
                               outbox.c.body.ilike(like, escape="\\")))
        if rule:
            padded = sa.literal("\t") + outbox.c.rules + sa.literal("\t")
            q = q.where(padded.contains(f"\t{rule}\t", autoescape=True))
        if target:
            q = q.where(outbox.c.target == target)
        if since is not None:
            q = q.where(outbox.c.created_at >= _naive(since))
        with self.engine.connect() as conn:
            return [_alert(m) for m in conn.execute(q).mappings()]

    def alert(self, row_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            m = conn.execute(sa.select(outbox).where(outbox.c.id == row_id)).mappings().first()
            if m is None:
                return None
            found = _alert(m)
            found["attempts_log"] = [
                dict(a) | {"at": _utc(a["at"])} for a in conn.execute(
                    sa.select(delivery_log).where(delivery_log.c.outbox_id == row_id)
                    .order_by(delivery_log.c.id)).mappings()]
            if found["article_id"]:
                seen = conn.execute(sa.select(seen_articles).where(
                    seen_articles.c.id == found["article_id"])).mappings().first()
                found["seen"] = dict(seen) if seen else None
        return found

    def per_source(self, since: datetime) -> dict[str, int]:
        """Articles seen per source since `since` (items/day on the sources page)."""
        q = (sa.select(seen_articles.c.source, sa.func.count())
             .where(seen_articles.c.first_seen >= _naive(since)).group_by(seen_articles.c.source))
        with self.engine.connect() as conn:
            return {source: int(n) for source, n in conn.execute(q)}

    def targets_of_alerts(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(sa.select(outbox.c.target).distinct()))


def _alert(m: Any) -> dict[str, Any]:
    out = dict(m)
    out["rules"] = tuple(r for r in m["rules"].split("\t") if r)
    for key in ("created_at", "next_attempt_at", "last_attempt_at", "sent_at", "release_at"):
        out[key] = _utc(m[key])
    return out


def prune_texts(store: Any, before: datetime) -> int:
    """Forget kept article text first seen before `before` (the seen mark stays)."""
    with store.writing() as conn:
        return int(conn.execute(article_text.delete().where(
            article_text.c.first_seen < _naive(before))).rowcount or 0)


# -- the console's two outbox actions (retry and discard) --------------------
def retry_now(store: Any, row_id: int, now: datetime) -> str | None:
    """A dead letter back to the queue, or a retrying alert due now; its target, or None."""
    with store.writing() as conn:
        row = conn.execute(sa.select(outbox.c.state, outbox.c.target).where(outbox.c.id == row_id)).first()
        if row is None or row.state not in ("dead", "pending"):
            return None
        values: dict[str, Any] = {"next_attempt_at": _naive(now)}
        if row.state == "dead":
            # A fresh start: the retry budget (alerts.max_age) counts from the re-queue.
            values.update(state="pending", attempts=0, created_at=_naive(now))
        conn.execute(outbox.update().where(outbox.c.id == row_id).values(**values))
        return str(row.target)


def discard(store: Any, row_id: int) -> bool:
    """Drop a queued, held or dead alert for good (never one already sent)."""
    with store.writing() as conn:
        return bool(conn.execute(outbox.delete().where(
            outbox.c.id == row_id, outbox.c.state.in_(["pending", "held", "dead"]))).rowcount)
