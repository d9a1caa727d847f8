"""The benchmark's own databases: a PostgreSQL database it creates, drops or reuses, and SQLite
files under var/bench/. Django runs in subprocesses, one per database (settings: bench.settings)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.machine import ROOT

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/zhizhi_bench"
SQLITE_DIR = ROOT / "var" / "bench"
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
FORBIDDEN = {"test", "postgres", "template0", "template1"}


def pg_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL)


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _maintenance(url: str) -> str:
    """The same server's `postgres` database (to create and drop the benchmark's own)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


def check_name(url: str) -> str:
    name = _name(url)
    if not name or name in FORBIDDEN or name.startswith("test_"):
        raise SystemExit(f"refusing to use database {name!r} for benchmarks (BENCH_DATABASE_URL)")
    return name


def pg_reachable(url: str) -> str | None:
    """None when the server answers; otherwise why not."""
    import psycopg

    try:
        with psycopg.connect(_maintenance(url), connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def pg_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(_maintenance(url), connect_timeout=3, autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_name(url)]).fetchone() is not None
        )


def pg_recreate(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = check_name(url)
    with psycopg.connect(_maintenance(url), connect_timeout=3, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pg_drop(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = check_name(url)
    with psycopg.connect(_maintenance(url), connect_timeout=3, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def fresh_sqlite(name: str) -> Path:
    SQLITE_DIR.mkdir(parents=True, exist_ok=True)
    path = SQLITE_DIR / f"{name}.sqlite3"
    remove_sqlite(path)
    return path


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_sqlite(src: Path, name: str) -> Path:
    dst = fresh_sqlite(name)
    shutil.copyfile(src, dst)
    return dst


def env(database_url: str, *, settings: str = "bench.settings", debug: bool = False) -> dict[str, str]:
    """The environment of a Django subprocess against this database."""
    e = dict(os.environ)
    e.update(
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=database_url,
        DEBUG="1" if debug else "0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), e.get("PYTHONPATH", "")) if p),
    )
    return e


def manage(database_url: str, *args: str, settings: str = "bench.settings", quiet: bool = True) -> None:
    """`django-admin <args>` against this database (raises on failure)."""
    cmd = [sys.executable, "-m", "django", *args]
    out = subprocess.run(  # noqa: S603
        cmd, cwd=ROOT, env=env(database_url, settings=settings), capture_output=quiet, text=True, check=False
    )
    if out.returncode != 0:
        detail = (out.stderr or "")[-3000:] if quiet else ""
        raise RuntimeError(f"{' '.join(args)} failed ({out.returncode}):\n{detail}")
