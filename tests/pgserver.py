"""A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temp dir, on 127.0.0.1.

Real server, real SQL: the store tests run against it beside SQLite. Where the server
binaries are absent the tests that need it are skipped with the reason. As root (CI, this
machine) the cluster runs as the `postgres` system user, since initdb refuses root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest


def find_bin_dir() -> Path | None:
    """The newest PostgreSQL server bin dir (Debian's layout first, then PATH)."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


def unavailable_reason() -> str | None:
    if find_bin_dir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
    if os.geteuid() == 0 and _system_user() is None:
        return "running as root and no 'postgres' system user to run the server as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed: pip install -e '.[postgres]'"
    return None


def _system_user() -> tuple[int, int] | None:
    import pwd

    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_cluster() -> Iterator[str]:
    """Start a cluster, yield a SQLAlchemy URL to a fresh database, stop and delete it."""
    bin_dir = find_bin_dir()
    assert bin_dir is not None, unavailable_reason()
    base = Path(tempfile.mkdtemp(prefix="newsmon-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    ids = _system_user() if os.geteuid() == 0 else None
    if ids is not None:
        for path in (base, sock):
            os.chown(path, *ids)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        kwargs: dict = {"user": ids[0], "group": ids[1], "extra_groups": []} if ids else {}
        return subprocess.run(args, capture_output=True, text=True, timeout=120, check=True,
                              cwd=base, **kwargs)

    port = _free_port()
    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
        "--no-sync")
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
    try:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w",
            "-t", "60", "start")
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                                     autocommit=True) as conn:
                    conn.execute("CREATE DATABASE newsmon")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield f"postgresql://postgres@127.0.0.1:{port}/newsmon"
    finally:
        with suppress(subprocess.SubprocessError, OSError):
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def reset_database(url: str) -> None:
    """Drop every table in the test database: each test starts from an empty schema."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One cluster for the whole session (about 2 s to start)."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with running_cluster() as url:
        yield url


def store_on(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh store on the engine named by `request.param` (an empty PostgreSQL schema)."""
    from monitor.store import open_store

    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        reset_database(url)
        store = open_store(url)
    else:
        store = open_store(tmp_path / "state")
    yield store
    store.close()
