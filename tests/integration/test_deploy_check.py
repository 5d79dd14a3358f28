"""D14: each deployment rule passes on safe settings and fails on a weakened copy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from app.deploy_check import problems

SAFE = {
    "ENV": "production",
    "DEBUG": False,
    "SECRET_KEY": "Zq8v3LrP0sX9mN2kT7bW1cY6dF4gH5jA" + "uE0iO2pQ7rS9tV3wX8yZ1",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "__Host-backoffice_session",
    "TRUSTED_PROXIES": 1,
}
pytestmark = pytest.mark.db_owner  # creates roles and needs the superuser the test servers run as
CONFIG_RULES = ["environment", "secret_key", "cookies", "proxies", "argon2"]


@pytest.fixture()
def prod_app(app: Flask) -> Iterator[Flask]:
    saved = {k: app.config.get(k) for k in SAFE}
    app.config.update(SAFE)
    try:
        yield app
    finally:
        app.config.update(saved)


def test_safe_settings_pass(prod_app: Flask) -> None:
    assert problems(prod_app, CONFIG_RULES) == []


@pytest.mark.parametrize(
    ("rule", "key", "weak"),
    [
        ("environment", "ENV", "development"),
        ("secret_key", "SECRET_KEY", "changeme"),
        ("secret_key", "SECRET_KEY", "a" * 60),
        ("cookies", "SESSION_COOKIE_SECURE", False),
        ("cookies", "SESSION_COOKIE_NAME", "backoffice_session"),
        ("cookies", "SESSION_COOKIE_SAMESITE", None),
        ("proxies", "TRUSTED_PROXIES", 0),
    ],
)
def test_each_weakened_setting_fails(prod_app: Flask, rule: str, key: str, weak: object) -> None:
    prod_app.config[key] = weak
    assert [name for name, _ in problems(prod_app, CONFIG_RULES)] == [rule]


def test_the_test_servers_are_reported_as_unsafe(prod_app: Flask, db_session: object) -> None:
    # The test PostgreSQL role is a superuser and the test Redis has no password: both must be flagged.
    with prod_app.app_context():
        found = dict(problems(prod_app, ["database_role", "redis"]))
    assert "superuser" in found["database_role"]
    assert "no password" in found["redis"]


def _as_app_role(db_session: object) -> None:
    from sqlalchemy import text

    s = db_session  # type: ignore[assignment]
    s.execute(text("CREATE ROLE bo_app_check NOLOGIN"))  # type: ignore[attr-defined]
    s.execute(text("GRANT USAGE ON SCHEMA audit TO bo_app_check"))  # type: ignore[attr-defined]
    s.execute(text("GRANT SELECT, INSERT ON audit.audit_log TO bo_app_check"))  # type: ignore[attr-defined]
    s.execute(text("SET LOCAL ROLE bo_app_check"))  # type: ignore[attr-defined]


def test_a_least_privilege_app_role_passes(prod_app: Flask, db_session: object) -> None:
    _as_app_role(db_session)
    with prod_app.app_context():
        assert problems(prod_app, ["database_role"]) == []


@pytest.mark.parametrize("statement", ["UPDATE audit.audit_log SET action = 'x'", "DELETE FROM audit.audit_log",
                                       "TRUNCATE audit.audit_log", "ALTER TABLE audit.audit_log DISABLE TRIGGER ALL"])
def test_the_app_role_cannot_rewrite_the_audit_log(db_session: object, statement: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    _as_app_role(db_session)
    with pytest.raises(DBAPIError, match="permission denied|must be owner"):
        db_session.execute(text(statement))  # type: ignore[attr-defined]


@pytest.mark.parametrize("statement", [
    "ALTER TABLE audit.audit_log DISABLE TRIGGER audit_log_no_update_delete",
    "ALTER TABLE audit.audit_log DISABLE TRIGGER ALL",
    "UPDATE audit.audit_log SET action = 'forged'",
    "DELETE FROM audit.audit_log",
    "TRUNCATE audit.audit_log",
    "DROP TABLE audit.audit_log",
    "SET session_replication_role = replica",
])
def test_the_shipped_app_role_cannot_touch_the_audit_log(app: Flask, statement: str) -> None:
    """The test instance connects as the role `flask db-grant` set up, exactly as shipped."""
    from sqlalchemy.exc import DBAPIError

    from app.db_roles import app_role_problems
    from app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        assert app_role_problems(conn) == []
        with pytest.raises(DBAPIError, match="permission denied|must be owner|must be superuser"):
            conn.execute(text(statement))


def test_make_run_serves_as_an_app_role_that_cannot_touch_the_audit_log(
    app: Flask, service_urls: dict[str, str], tmp_path: object
) -> None:
    """`make run` (app.devserver) switches to this role after migrating as the owner."""
    import uuid
    from pathlib import Path

    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    from app import embedded
    from app.db_roles import app_role_problems
    from tests import services

    role = f"bo_run_{uuid.uuid4().hex[:8]}"
    url = embedded.app_role_url(service_urls["owner"], Path(str(tmp_path)), role=role)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == role
            assert app_role_problems(conn) == []
            assert conn.execute(text("SELECT count(*) FROM audit.audit_log")).scalar() is not None
            with pytest.raises(DBAPIError, match="must be owner|permission denied"):
                conn.execute(text("ALTER TABLE audit.audit_log DISABLE TRIGGER ALL"))
        assert embedded.app_role_url(service_urls["owner"], Path(str(tmp_path)), role=role) == url  # idempotent
    finally:
        engine.dispose()
        with app.extensions["owner_engine"].begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
        services.drop_role(services.postgres_admin_url(), role)
