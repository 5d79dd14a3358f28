"""Integration tests: each test in a transaction rolled back afterwards, Redis flushed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from tests.conftest import Client, committed_db, sign_in  # noqa: F401 - shared fixture
from tests.factories import make_user


def queued_emails() -> list[dict[str, Any]]:
    """The emails on their way out: email.requested events in the outbox that are enqueued for a
    worker (alone or in a batch), as their payloads (to, subject, text, html)."""
    from rq import Queue
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboxEvent
    from app.services import events, jobs, mail

    queued: set[str] = set()
    for job in Queue("default", connection=jobs.connection()).jobs:
        if job.func_name == events.PROCESS_JOB:
            queued.add(job.args[0])
        elif job.func_name == events.PROCESS_MANY_JOB:
            queued.update(job.args[0])
    rows = db.session.scalars(select(OutboxEvent).where(OutboxEvent.type == mail.EMAIL_EVENT)).all()
    return [e.data for e in rows if str(e.id) in queued]


def app_ctx_id() -> int:
    from flask.globals import app_ctx

    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]

@pytest.fixture(autouse=True)
def _redis_clean(app: Flask) -> Iterator[None]:
    app.extensions["redis"].flushdb()
    yield
    app.extensions["redis"].flushdb()


@pytest.fixture()
def db_session(app: Flask, request: pytest.FixtureRequest) -> Iterator[Session]:
    """The SQLAlchemy 2.0 recipe: an outer transaction, services' commits become savepoints."""
    from app.extensions import db

    if "committed_db" in request.fixturenames:
        with app.app_context():
            yield db.session
        return
    with app.app_context():
        # @pytest.mark.db_owner: tests that tamper with the schema or the audit log, as its owner.
        owner = request.node.get_closest_marker("db_owner") is not None
        connection = (app.extensions["owner_engine"] if owner else db.engine).connect()
        outer = connection.begin()
        original = db.session
        # A plain SQLAlchemy session: Flask-SQLAlchemy's own would pick the engine, not this connection.
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=app_ctx_id,
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _session(db_session: Session) -> Session:
    return db_session


@pytest.fixture()
def make_client(app: Flask, db_session: Session) -> Callable[..., FlaskClient]:
    """make_client(role="agent", **user_fields) -> a client signed in as a new user of that role."""

    def factory(role: str = "agent", **fields: Any) -> FlaskClient:

        user = make_user(db_session, role_name=role, **fields)
        app.test_client_class = Client  # sends the CSRF token like htmx does
        client = app.test_client()
        client.user = user  # type: ignore[attr-defined]
        return sign_in(client, user)

    return factory


@pytest.fixture()
def admin_client(make_client: Callable[..., FlaskClient]) -> FlaskClient:
    return make_client("admin")


@pytest.fixture()
def agent_client(make_client: Callable[..., FlaskClient]) -> FlaskClient:
    return make_client("agent")


@pytest.fixture()
def viewer_client(make_client: Callable[..., FlaskClient]) -> FlaskClient:
    return make_client("viewer")


@pytest.fixture()
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs during the test (tests/plans.py recorded_statements)."""
    from app.extensions import db
    from tests.plans import recorded_statements

    with app.app_context():
        engine = db.engine
    with recorded_statements(engine) as seen:
        yield seen
