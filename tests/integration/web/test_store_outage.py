"""PostgreSQL or Redis unreachable (restarting, failing over): pages answer 503 with Retry-After,
never a 500, and never a traceback (designs D10, D11)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy.orm import Session

from app import create_app
from app.config import Config
from app.services import jobs
from tests.factories import make_customer, make_user


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
    from sqlalchemy import text

    from app.extensions import db

    owner = app.extensions["owner_engine"]
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        _terminate(owner, pid)
    # Leaving the context ran the teardowns without an error; the next request gets a live connection.
    with app.app_context():
        assert db.session.scalar(text("SELECT 1")) == 1


def _terminate(owner: Any, pid: int) -> None:
    """End a backend from the owner's engine and wait until PostgreSQL has let it go."""
    from sqlalchemy import text

    with owner.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    for _ in range(50):
        with owner.connect() as conn:
            if not conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}):
                return
        time.sleep(0.1)


@pytest.fixture()
def postgresql_stops_on_insert(app: Flask) -> Iterator[None]:
    """PostgreSQL stops while a signed-in request is writing: the connection that runs the INSERT is
    terminated under it, and every new connection is refused, as while the server is down."""
    import psycopg
    from sqlalchemy import event, text

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    owner = app.extensions["owner_engine"]
    refused = f"postgresql://nobody@127.0.0.1:{_closed_port()}/gone"
    stopped = False

    def _terminate(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal stopped
        if not stopped and statement.lstrip().upper().startswith("INSERT INTO SUPPORT_TICKETS"):
            stopped = True
            with owner.begin() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cursor.connection.info.backend_pid})

    def _refuse(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> Any:
        return psycopg.connect(refused, connect_timeout=2) if stopped else None

    event.listen(engine, "before_cursor_execute", _terminate)
    event.listen(engine, "do_connect", _refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", _terminate)
        event.remove(engine, "do_connect", _refuse)
        engine.dispose()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_create_in_flight_as_postgresql_stops_answers_503(
    committed_db: Session, agent_client: FlaskClient, postgresql_stops_on_insert: None, htmx: bool
) -> None:
    customer = make_customer(committed_db)
    committed_db.commit()
    resp = agent_client.post("/tickets/new", data={
        "customer_id": str(customer.id), "title": "Printer on fire", "description": "Smoke.",
        "priority": "medium", "tags": ""}, headers={"HX-Request": "true"} if htmx else {})
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"
    assert "Traceback" not in resp.get_data(as_text=True)
    assert "Traceback" not in resp.get_data(as_text=True) and "Printer on fire" not in resp.get_data(as_text=True)


def test_an_api_create_in_flight_as_postgresql_stops_answers_503(
    app: Flask, committed_db: Session, postgresql_stops_on_insert: None
) -> None:
    import uuid

    from app.api.security import token_settings
    from app.services import tokens

    customer = make_customer(committed_db)
    user = make_user(committed_db, role_name="agent")
    committed_db.commit()
    with app.test_request_context():
        token = tokens.issue_access(user, uuid.uuid4(), token_settings())
    api = FlaskClient(app, app.response_class, use_cookies=False)
    resp = api.post("/api/v1/support/tickets", json={"customer_id": str(customer.id), "title": "Printer on fire"},
                    headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"
    assert resp.get_json()["error"]["code"] == "unavailable"


def test_a_pooled_connection_whose_backend_died_is_replaced_at_checkout(app: Flask, committed_db: Session) -> None:
    """No ping per request (the pool has no pre_ping), yet a pooled connection whose backend was
    terminated while idle is noticed at checkout (its socket is readable) and replaced: no error."""

    from sqlalchemy import text

    from app.extensions import db

    owner = app.extensions["owner_engine"]
    with app.app_context():
        engine = db.engine
    assert not engine.pool._pre_ping  # noqa: SLF001
    pings: list[object] = []
    ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pings.append(conn) or ping(conn)  # type: ignore[method-assign]
    try:
        with app.app_context():
            pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        with app.app_context():  # a live connection back from the pool: no ping
            assert db.session.scalar(text("SELECT pg_backend_pid()")) == pid
        assert pings == []
        _terminate(owner, pid)
        with app.app_context():
            assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid
        assert len(pings) == 1
    finally:
        del engine.dialect.do_ping
