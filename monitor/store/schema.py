"""Tables and migrations. Migrations are ordered; the version is stored."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata, sa.Column("version", sa.Integer, nullable=False)
)

seen_articles = sa.Table(
    "seen_articles",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False, default=""),
    sa.Column("title", sa.Text, nullable=False, default=""),
    sa.Column("published", sa.DateTime(timezone=True)),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("rules", sa.Text, nullable=False, default=""),  # matched rule names, tab-separated
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("body_format", sa.String(20), nullable=False, default="text"),
    sa.Column("notify_type", sa.String(20), nullable=False, default="info"),
    sa.Column("rules", sa.Text, nullable=False, default=""),
    sa.Column("article_id", sa.String(64)),
    sa.Column("state", sa.String(10), nullable=False, default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text, nullable=False, default=""),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    # "held" rows wait for `release_at` (digest, quiet hours, throttle); `reason` says why.
    sa.Column("release_at", sa.DateTime(timezone=True)),
    sa.Column("reason", sa.String(40), nullable=False, default=""),
    sa.UniqueConstraint("target", "key", name="uq_outbox_target_key"),
    sa.Index("ix_outbox_lane", "target", "state", "id"),
    sa.Index("ix_outbox_held", "state", "release_at"),
)

source_state = sa.Table(
    "source_state",
    metadata,
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


# The notification log: one row per delivery attempt (what was sent, when, the outcome).
delivery_log = sa.Table(
    "delivery_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("outbox_id", sa.Integer, nullable=False, index=True),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("title", sa.Text, nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default=""),  # per-service results / error
)


def _v1(conn: sa.Connection) -> None:
    # v1 is the schema of the first release; later changes are new functions below,
    # written as explicit DDL (not the live Table objects, which keep changing).
    for table in (seen_articles, outbox, source_state, delivery_log):
        table.create(conn, checkfirst=True)


# Article text kept for a while (`[web] keep_articles`) so rules can be back-tested.
article_text = sa.Table(
    "article_text",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(64), nullable=False, unique=True),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),  # tab-separated
    sa.Column("published", sa.DateTime(timezone=True), nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False, index=True),
)


def _v_article_text(conn: sa.Connection) -> None:
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS article_text ("
        " seq INTEGER PRIMARY KEY AUTOINCREMENT, id VARCHAR(64) NOT NULL UNIQUE,"
        " source VARCHAR(200) NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL,"
        " summary TEXT NOT NULL, body TEXT NOT NULL, author TEXT NOT NULL, tags TEXT NOT NULL,"
        " published DATETIME NOT NULL, first_seen DATETIME NOT NULL)"
    )
    conn.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS ix_article_text_first_seen ON article_text (first_seen)")


# Append new migrations; never edit a released one.
MIGRATIONS: list[Callable[[sa.Connection], None]] = [_v1, _v_article_text]
LATEST = len(MIGRATIONS)


def migrate(conn: sa.Connection) -> int:
    """Bring the schema to LATEST; returns the version found before."""
    schema_version.create(conn, checkfirst=True)
    found = conn.execute(sa.select(schema_version.c.version)).scalar()
    if found is None:
        conn.execute(schema_version.insert().values(version=0))
        found = 0
    if found > LATEST:
        raise RuntimeError(
            f"state schema version {found} is newer than this newsmon ({LATEST}); upgrade newsmon"
        )
    for version in range(found, LATEST):
        MIGRATIONS[version](conn)
        conn.execute(schema_version.update().values(version=version + 1))
    return int(found)
