"""PostgreSQL or Redis unreachable (restarting, failing over): pages answer 503 with Retry-After,
never a 500, and never a traceback (designs D10, D11)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import fields

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy.orm import Session

from app import create_app
from app.config import Config
from app.services import jobs


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def database_down(app: Flask) -> Iterator[Flask]:
    """The same application, its database at an address where nothing listens."""
    cfg = Config(**{f.name: app.config[f.name] for f in fields(Config) if f.name in app.config})
    cfg.SQLALCHEMY_DATABASE_URI = f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/gone"
    cfg.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}}
    down = create_app(cfg)
    down.test_client_class = type(app.test_client())
    yield down


@pytest.mark.parametrize("htmx", [False, True])
def test_a_signed_in_page_answers_503_while_postgresql_is_down(
    committed_db: Session, agent_client: FlaskClient, database_down: Flask, htmx: bool
) -> None:
    cookie = agent_client.get_cookie(database_down.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    client = database_down.test_client()
    client.set_cookie(cookie.key, cookie.value)
    resp = client.get("/tickets", headers={"HX-Request": "true"} if htmx else {})
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"
    assert "Traceback" not in resp.get_data(as_text=True)


def test_the_export_poll_answers_503_while_redis_is_down(
    agent_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(jobs._state, "redis", Redis(port=_closed_port(), socket_connect_timeout=0.5))  # noqa: SLF001
    resp = agent_client.get("/tickets/exports/" + "a" * 32, headers={"HX-Request": "true"})
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"



def test_a_request_whose_connection_died_ends_cleanly(app: Flask, committed_db: Session) -> None:
    """PostgreSQL restarted while a request held its connection: ending the request (the session's
    ROLLBACK on a dead connection) must not raise, or gunicorn answers 500 after the fact."""
    import time

    from sqlalchemy import text

    from app.extensions import db

    owner = app.extensions["owner_engine"]
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        with owner.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(50):
            with owner.connect() as conn:
                if not conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}):
                    break
            time.sleep(0.1)
    # Leaving the context ran the teardowns without an error; the next request gets a live connection.
    with app.app_context():
        assert db.session.scalar(text("SELECT 1")) == 1
