"""Fresh databases for the benchmark. Never the developer's: a SQLite file under the bench
directory, and a PostgreSQL database whose name must contain "bench" (it is dropped and created)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/wenming_bench"


class DatabaseError(RuntimeError):
    pass


@dataclass(frozen=True)
class BenchDatabase:
    key: str  # "sqlite" or "postgres"
    label: str
    url: str


def sqlite_database(var_dir: Path) -> BenchDatabase:
    """A new, empty SQLite file (with its WAL files removed) under the bench directory."""
    path = var_dir / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return BenchDatabase("sqlite", "SQLite", f"sqlite:///{path}")


def _maintenance_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or "bench" not in name:
        # The database is dropped: refuse anything that is not plainly a benchmark database.
        raise DatabaseError(f"基准测试数据库名必须包含 “bench”，收到 {name!r}")
    return urlunsplit(parts._replace(path="/postgres")), name


def postgres_unreachable(url: str = DEFAULT_PG_URL) -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    import psycopg

    admin_url, _ = _maintenance_url(url)
    try:
        psycopg.connect(admin_url, connect_timeout=3).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return None


def postgres_database(url: str = DEFAULT_PG_URL) -> BenchDatabase:
    """Drop and create the bench database (FORCE ends connections a previous run left behind)."""
    import psycopg
    from psycopg import sql

    admin_url, name = _maintenance_url(url)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name))
        )
    return BenchDatabase("postgres", "PostgreSQL", url)
