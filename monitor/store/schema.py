"""Tables and migrations. Migrations are ordered; the version is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    # Added by `_v_stories` (a fresh database gets them from `_v1`, which creates this table):
    sa.Column("alerted", sa.Text, nullable=False, default="", server_default=""),  # rules that alerted
    sa.Column("content_at", sa.DateTime(timezone=True)),  # when `content_hash` was recorded
    sa.Column("story_id", sa.String(64), index=True),  # the story the article belongs to
)

# Stories (issue #12): the near-duplicate index of recent articles (pruned past the story
# window). What a story already alerted is read from its members' `seen_articles.alerted`.
story_index = sa.Table(
    "story_index",
    metadata,
    sa.Column("article_id", sa.String(64), primary_key=True),
    sa.Column("story_id", sa.String(64), nullable=False),
    # When the story began (its first article): a story takes members for `window` from then.
    # Not indexed: the table only holds the window's articles, and is scanned only at start
    # and every 10 minutes (expiry); an index would cost a B-tree write per article.
    sa.Column("story_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    # When this instance wrote the entry: instances sharing one database read each other's
    # new entries by it before placing an article (`Store.story_entries_added`).
    sa.Column("added_at", sa.DateTime(timezone=True), index=True),
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


# Work shared by several instances on one database: a named lease per piece of work
# (a target's lane, a feed's poll, an article's intake) and each instance's heartbeat.
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(400), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
)

instances = sa.Table(
    "instances",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
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


def _v_leases(conn: sa.Connection) -> None:
    # Explicit DDL, as the tables were when this migration was written.
    stamp = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS leases (name VARCHAR(400) NOT NULL PRIMARY KEY, "
        f"owner VARCHAR(200) NOT NULL, expires_at {stamp} NOT NULL, acquired_at {stamp} NOT NULL)")
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS instances (id VARCHAR(200) NOT NULL PRIMARY KEY, "
        f"host VARCHAR(200) NOT NULL, pid INTEGER NOT NULL, started_at {stamp} NOT NULL, "
        f"heartbeat_at {stamp} NOT NULL)")


def _v_stories(conn: sa.Connection) -> None:
    # Article identity and stories (issues #10, #12). `_v1` builds seen_articles from the
    # live table, so a database created by this version already has the columns.
    pg = conn.dialect.name == "postgresql"
    stamp, blob = ("TIMESTAMP WITH TIME ZONE", "BYTEA") if pg else ("DATETIME", "BLOB")
    have = {c["name"] for c in sa.inspect(conn).get_columns("seen_articles")}
    for name, ddl in (("alerted", "TEXT NOT NULL DEFAULT ''"), ("content_at", stamp),
                      ("story_id", "VARCHAR(64)")):
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE seen_articles ADD COLUMN {name} {ddl}")
            if name == "alerted":
                # Rows from before: the rules that matched are the best record of what alerted,
                # so an edited old article does not alert those rules again.
                conn.exec_driver_sql("UPDATE seen_articles SET alerted = rules")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_seen_articles_story_id ON seen_articles (story_id)")
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS story_index (article_id VARCHAR(64) NOT NULL PRIMARY KEY, "
        f"story_id VARCHAR(64) NOT NULL, story_at {stamp} NOT NULL, signature {blob} NOT NULL)")


def _v_article_text(conn: sa.Connection) -> None:
    pg = conn.dialect.name == "postgresql"
    seq = "seq BIGSERIAL PRIMARY KEY" if pg else "seq INTEGER PRIMARY KEY AUTOINCREMENT"
    stamp = "TIMESTAMP WITH TIME ZONE" if pg else "DATETIME"
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS article_text ("
        f" {seq}, id VARCHAR(64) NOT NULL UNIQUE,"
        " source VARCHAR(200) NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL,"
        " summary TEXT NOT NULL, body TEXT NOT NULL, author TEXT NOT NULL, tags TEXT NOT NULL,"
        f" published {stamp} NOT NULL, first_seen {stamp} NOT NULL)"
    )
    conn.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS ix_article_text_first_seen ON article_text (first_seen)")


def _v_story_added(conn: sa.Connection) -> None:
    # Several instances on one database (issue #15) share the near-duplicate index.
    stamp = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
    if "added_at" not in {c["name"] for c in sa.inspect(conn).get_columns("story_index")}:
        conn.exec_driver_sql(f"ALTER TABLE story_index ADD COLUMN added_at {stamp}")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_story_index_added_at ON story_index (added_at)")


# Append new migrations; never edit a released one.
MIGRATIONS: list[Callable[[sa.Connection], None]] = [_v1, _v_leases, _v_stories, _v_article_text,
                                                     _v_story_added]
LATEST = len(MIGRATIONS)


def migrate(conn: sa.Connection) -> int:
    """Bring the schema to LATEST; returns the version found before."""
    if conn.dialect.name == "postgresql":
        # Instances starting together: one migrates, the others wait and then find it done.
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7135201)")
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


def insert_for(conn: sa.Connection, table: sa.Table) -> Any:
    """An INSERT with ON CONFLICT clauses, for the engine behind `conn` (SQLite or PostgreSQL)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
