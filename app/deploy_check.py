"""`flask check-deploy`: refuse to call a deployment ready while it has a known weakness.

Like Django's `check --deploy`: each rule is a small function returning a
problem (str) or None; the command prints every problem and exits 1 if any.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from flask import Flask

from app.auth import passwords

Rule = Callable[[Flask], str | None]
WEAK_KEYS = {"dev", "secret", "changeme", "change-me", "test"}


def _debug_off(app: Flask) -> str | None:
    return "DEBUG is on" if app.debug else None


def _production_env(app: Flask) -> str | None:
    return None if app.config["ENV"] == "production" else "BACKOFFICE_ENV is not production"


def _secret_key(app: Flask) -> str | None:
    key = app.config["SECRET_KEY"] or ""
    if len(key) < 50 or key.lower() in WEAK_KEYS or len(set(key)) < 10:
        return "SECRET_KEY must be at least 50 random characters"
    return None


def _cookies(app: Flask) -> str | None:
    c = app.config
    bad = []
    if not c.get("SESSION_COOKIE_SECURE"):
        bad.append("Secure")
    if not c.get("SESSION_COOKIE_HTTPONLY"):
        bad.append("HttpOnly")
    if c.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        bad.append("SameSite")
    if not str(c.get("SESSION_COOKIE_NAME", "")).startswith("__Host-"):
        bad.append("__Host- prefix")
    return f"session cookie lacks: {', '.join(bad)}" if bad else None


def _proxies(app: Flask) -> str | None:
    return None if app.config["TRUSTED_PROXIES"] > 0 else "TRUSTED_PROXIES is not set (client IPs unknown)"


def _argon2(app: Flask) -> str | None:
    hasher = passwords._hasher  # noqa: SLF001 - the one configured hasher
    if hasher.memory_cost < 19456 or hasher.time_cost < 2:
        return "Argon2 parameters are below the OWASP floor (m=19 MiB, t=2)"
    return None


def _redis(app: Flask) -> str | None:
    from app.services import jobs

    try:
        info = cast(dict[str, str], jobs.connection().config_get("*"))
    except Exception as exc:  # noqa: BLE001 - unreachable or CONFIG disabled both need a human
        return f"Redis settings could not be read ({type(exc).__name__})"
    bad = []
    if not info.get("requirepass") and "@" not in app.config["REDIS_URL"]:
        bad.append("no password")
    if info.get("maxmemory-policy") != "noeviction":
        bad.append("maxmemory-policy is not noeviction (queued jobs could be evicted)")
    if info.get("appendonly") != "yes":
        bad.append("appendonly is off (queued jobs lost on restart)")
    return f"Redis: {'; '.join(bad)}" if bad else None


def _database_role(app: Flask) -> str | None:
    from app.db_roles import app_role_problems
    from app.extensions import db_session

    bad = app_role_problems(db_session().connection())
    return f"PostgreSQL: {'; '.join(bad)}" if bad else None


def _metrics(app: Flask) -> str | None:
    token = app.config["METRICS_TOKEN"] or ""
    if token and len(token) < 24:
        return "METRICS_TOKEN is shorter than 24 characters"
    return None


RULES: list[tuple[str, Rule]] = [
    ("debug", _debug_off),
    ("environment", _production_env),
    ("secret_key", _secret_key),
    ("cookies", _cookies),
    ("proxies", _proxies),
    ("argon2", _argon2),
    ("redis", _redis),
    ("database_role", _database_role),
    ("metrics", _metrics),
]


def problems(app: Flask, only: list[str] | None = None) -> list[tuple[str, str]]:
    found = []
    for name, rule in RULES:
        if only and name not in only:
            continue
        problem = rule(app)
        if problem:
            found.append((name, problem))
    return found


def register(app: Flask) -> None:
    import sys

    import click

    @app.cli.command("check-deploy")
    def check_deploy() -> Any:
        """Exit 1 and list every setting that makes this deployment unsafe."""
        found = problems(app)
        for name, problem in found:
            click.echo(f"[{name}] {problem}", err=True)
        if found:
            sys.exit(1)
        click.echo("deployment checks passed")
