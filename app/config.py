"""Settings from the environment, parsed strictly, with development defaults."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(RuntimeError):
    """The environment holds a value we refuse to guess about."""


def env(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (for secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = env(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of {sorted(_TRUE | _FALSE)}, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = env(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from exc
    if not value > 0:
        raise ConfigError(f"{name} must be more than 0, not {raw!r}")
    return value


def _rate_limit(name: str, default: str) -> str:
    """A Flask-Limiter limit such as "20 per minute"; refused when it does not parse."""
    from limits import parse_many

    raw = env(name) or default
    try:
        parse_many(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a rate limit such as '20 per minute', not {raw!r}") from exc
    return raw


def _normalise_db_url(url: str) -> str:
    # SQLAlchemy needs the driver named; accept the plain libpq spelling too.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(production: bool) -> str:
    key = env("SECRET_KEY")
    if key:
        if production and len(key) < 50:
            raise ConfigError("SECRET_KEY must be at least 50 characters in production")
        return key
    if production:
        raise ConfigError("SECRET_KEY is required when BACKOFFICE_ENV=production")
    # Development: a key kept in instance/ so sessions survive restarts.
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass
class Config:
    """One settings object; tests pass overrides to create_app()."""

    ENV: str = "development"
    TESTING: bool = False
    SECRET_KEY: str = ""
    SQLALCHEMY_DATABASE_URI: str = ""
    REDIS_URL: str = ""
    ELASTICSEARCH_URL: str | None = None
    # Seconds a search waits for Elasticsearch before answering from PostgreSQL.
    ELASTICSEARCH_TIMEOUT: float = 0.5
    ELASTICSEARCH_INDEX_PREFIX: str = "backoffice"
    SMTP_URL: str | None = None
    MAIL_FROM: str = "Backoffice <backoffice@localhost>"
    LOG_LEVEL: str = "INFO"
    PUBLIC_URL: str = "http://127.0.0.1:8000"
    TRUSTED_PROXIES: int = 0
    RQ_QUEUES: list[str] = field(default_factory=lambda: ["high", "default", "low"])
    # A busy worker heartbeats every WORKER_HEARTBEAT_SECONDS; after three missed heartbeats its
    # job counts as abandoned, and the next maintenance pass of a live worker (every
    # WORKER_MAINTENANCE_SECONDS, idle or not) puts it back at the front of its queue.
    WORKER_HEARTBEAT_SECONDS: int = 10
    WORKER_MAINTENANCE_SECONDS: int = 30
    AUDIT_ANCHOR_FILE: str = ""  # empty: instance/audit-anchors.log
    METRICS_TOKEN: str = ""  # empty: /metrics for loopback addresses only
    # Set (by gunicorn.conf.py) when several processes share one metrics directory: /metrics then
    # aggregates their files. prometheus_client reads the variable itself, so it is never a _FILE.
    PROMETHEUS_MULTIPROC_DIR: str = ""
    SLOW_REQUEST_SECONDS: float = 1.0
    # Dashboard: the refresh interval offered by default, and how old a shared widget value may be.
    DASHBOARD_REFRESH_SECONDS: int = 30
    DASHBOARD_CACHE_SECONDS: float = 10
    # JSON API: token signing (secret empty: derived from SECRET_KEY; issuer empty: PUBLIC_URL),
    # lifetimes, rate limits and the largest request body.
    API_JWT_SECRET: str | None = None
    API_ISSUER: str | None = None
    API_AUDIENCE: str = "backoffice-api"
    API_ACCESS_TTL_SECONDS: int = 15 * 60
    API_REFRESH_TTL_DAYS: int = 14
    API_REFRESH_IDLE_DAYS: int = 7
    API_RATE_LIMIT: str = "300 per minute"
    API_IP_RATE_LIMIT: str = "600 per minute"
    API_LOGIN_RATE_LIMIT: str = "20 per minute"
    API_REFRESH_RATE_LIMIT: str = "60 per minute"
    API_MAX_BODY: int = 256 * 1024
    # Retention (days): rows older than this are purged by the daily retention job.
    RETENTION_OUTBOX_DAYS: int = 30
    RETENTION_DELIVERIES_DAYS: int = 30
    RETENTION_SESSIONS_DAYS: int = 30
    RETENTION_NOTIFICATIONS_DAYS: int = 180
    RETENTION_ANALYTICS_DAYS: int = 400
    RETENTION_EXPORTS_DAYS: int = 1
    # Sessions: idle timeout and absolute lifetime, enforced server-side.
    SESSION_IDLE_MINUTES: int = 60
    SESSION_MAX_HOURS: int = 12
    LOGIN_MAX_FAILURES: int = 10
    LOGIN_LOCK_MINUTES: int = 15
    LOGIN_RATE_LIMIT: str = "20 per minute"
    # Send members of roles that require two-factor to enrol before anything else.
    TWO_FACTOR_ENFORCE: bool = True
    # No pool_pre_ping (a round trip per request): app.extensions.check_connections_at_checkout
    # pings only a pooled connection whose socket shows the server closed it, or one idle this long.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = field(
        default_factory=lambda: {"pool_size": 10, "pool_timeout": 5}
    )
    DB_PING_IDLE_SECONDS: float = 30
    SQLALCHEMY_TRACK_MODIFICATIONS: bool = False
    WTF_CSRF_TIME_LIMIT: int | None = None
    WTF_CSRF_SSL_STRICT: bool = False
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_SECURE: bool = False
    SESSION_COOKIE_NAME: str = "backoffice_session"
    REMEMBER_COOKIE_HTTPONLY: bool = True
    RATELIMIT_ENABLED: bool = True
    MAX_CONTENT_LENGTH: int = 2 * 1024 * 1024

    @property
    def production(self) -> bool:
        return self.ENV == "production"

    @classmethod
    def from_env(cls) -> Config:
        environment = (env("BACKOFFICE_ENV", "development") or "development").lower()
        if environment not in {"development", "production", "test"}:
            raise ConfigError(f"BACKOFFICE_ENV must be development, production or test, not {environment!r}")
        production = environment == "production"
        db_url = env("DATABASE_URL")
        redis_url = env("REDIS_URL")
        if production and not (db_url and redis_url):
            raise ConfigError("DATABASE_URL and REDIS_URL are required in production")
        cfg = cls(
            ENV=environment,
            SECRET_KEY=_secret_key(production),
            SQLALCHEMY_DATABASE_URI=_normalise_db_url(db_url or ""),
            REDIS_URL=redis_url or "",
            ELASTICSEARCH_URL=env("ELASTICSEARCH_URL") or None,
            ELASTICSEARCH_TIMEOUT=env_float("ELASTICSEARCH_TIMEOUT", cls.ELASTICSEARCH_TIMEOUT),
            ELASTICSEARCH_INDEX_PREFIX=env("ELASTICSEARCH_INDEX_PREFIX") or cls.ELASTICSEARCH_INDEX_PREFIX,
            SMTP_URL=env("SMTP_URL") or None,
            MAIL_FROM=env("MAIL_FROM", cls.MAIL_FROM) or cls.MAIL_FROM,
            LOG_LEVEL=(env("LOG_LEVEL", "INFO") or "INFO").upper(),
            PUBLIC_URL=env("PUBLIC_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}") or "",
            TRUSTED_PROXIES=env_int("TRUSTED_PROXIES", 0),
            AUDIT_ANCHOR_FILE=env("AUDIT_ANCHOR_FILE") or "",
            METRICS_TOKEN=env("METRICS_TOKEN") or "",
            PROMETHEUS_MULTIPROC_DIR=os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""),
            LOGIN_RATE_LIMIT=_rate_limit("LOGIN_RATE_LIMIT", cls.LOGIN_RATE_LIMIT),
            LOGIN_MAX_FAILURES=env_int("LOGIN_MAX_FAILURES", cls.LOGIN_MAX_FAILURES),
            LOGIN_LOCK_MINUTES=env_int("LOGIN_LOCK_MINUTES", cls.LOGIN_LOCK_MINUTES),
            WORKER_HEARTBEAT_SECONDS=env_int("WORKER_HEARTBEAT_SECONDS", cls.WORKER_HEARTBEAT_SECONDS),
            WORKER_MAINTENANCE_SECONDS=env_int("WORKER_MAINTENANCE_SECONDS", cls.WORKER_MAINTENANCE_SECONDS),
            RETENTION_OUTBOX_DAYS=env_int("RETENTION_OUTBOX_DAYS", cls.RETENTION_OUTBOX_DAYS),
            RETENTION_DELIVERIES_DAYS=env_int("RETENTION_DELIVERIES_DAYS", cls.RETENTION_DELIVERIES_DAYS),
            RETENTION_SESSIONS_DAYS=env_int("RETENTION_SESSIONS_DAYS", cls.RETENTION_SESSIONS_DAYS),
            RETENTION_NOTIFICATIONS_DAYS=env_int("RETENTION_NOTIFICATIONS_DAYS", cls.RETENTION_NOTIFICATIONS_DAYS),
            RETENTION_ANALYTICS_DAYS=env_int("RETENTION_ANALYTICS_DAYS", cls.RETENTION_ANALYTICS_DAYS),
            RETENTION_EXPORTS_DAYS=env_int("RETENTION_EXPORTS_DAYS", cls.RETENTION_EXPORTS_DAYS),
            SESSION_COOKIE_SECURE=production,
        )
        for name in ("WORKER_HEARTBEAT_SECONDS", "WORKER_MAINTENANCE_SECONDS", "LOGIN_MAX_FAILURES",
                     "LOGIN_LOCK_MINUTES"):
            if getattr(cfg, name) < 1:
                raise ConfigError(f"{name} must be at least 1")
        if production:
            cfg.SESSION_COOKIE_NAME = "__Host-backoffice_session"
        return cfg

    def as_mapping(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def normalise_db_url(url: str) -> str:
    return _normalise_db_url(url)
