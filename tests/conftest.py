"""Shared fixtures: a freshly migrated database per run, a Redis db per run, clients per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import services

_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


@pytest.fixture(scope="session")
def service_urls() -> Iterator[dict[str, str]]:
    admin_url = services.postgres_admin_url()
    owner_url, db_name = services.create_database(admin_url)
    app_url, app_role = services.create_app_role(admin_url, db_name)
    redis_base = services.redis_base_url()
    redis_url, redis_index = services.claim_redis_db(redis_base)
    try:
        # Like production: migrations as the owner, the application as a role with only
        # SELECT, INSERT on the audit log (app.db_roles).
        yield {"database": app_url, "owner": owner_url, "app_role": app_role, "redis": redis_url}
    finally:
        services.release_redis_db(redis_base, redis_index)
        services.drop_database(admin_url, db_name)
        services.drop_role(admin_url, app_role)


@pytest.fixture(scope="session")
def app(service_urls: dict[str, str]) -> Iterator[Flask]:
    from dataclasses import replace

    from flask_migrate import upgrade
    from sqlalchemy import create_engine

    from app import create_app, db_roles
    from app.config import Config
    from app.extensions import db

    cfg = Config(
        ENV="test",
        TESTING=True,
        SECRET_KEY="test-secret-key-" + "x" * 40,
        SQLALCHEMY_DATABASE_URI=service_urls["owner"],
        REDIS_URL=service_urls["redis"],
        LOG_LEVEL="WARNING",
        # The suite's admins sign in without a second factor; tests/integration/web/test_two_factor.py
        # turns enforcement on where it is the subject.
        TWO_FACTOR_ENFORCE=False,
    )
    owner_app = create_app(cfg)
    with owner_app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            db_roles.grant(conn, service_urls["app_role"])
        db.engine.dispose()
    application = create_app(replace(cfg, SQLALCHEMY_DATABASE_URI=service_urls["database"]))
    application.test_client_class = Client
    owner_engine = create_engine(service_urls["owner"])
    application.extensions["owner_engine"] = owner_engine
    yield application
    owner_engine.dispose()


class Client(FlaskClient):
    """A test client that sends the CSRF token with every unsafe request, like htmx does."""

    csrf_token: str | None = None

    def fetch_csrf(self) -> str:
        page = self.get("/login") if self.csrf_token is None else None
        if page is not None and page.status_code != 200:
            page = self.get("/")
        match = _TOKEN.search(page.get_data(as_text=True)) if page is not None else None
        if match:
            self.csrf_token = match.group(1)
        return self.csrf_token or ""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # Tests hold an app context (for the transactional session), and requests share it:
        # forget what the last request cached in `g` (the signed-in user, the CSRF token).
        from flask import g, has_app_context

        if has_app_context():
            for key in list(vars(g)):
                delattr(g, key)
        method = (kwargs.get("method") or "GET").upper()
        csrf = kwargs.pop("csrf", True)
        data = kwargs.get("data")
        if isinstance(data, dict) and "csrf_token" in data:
            # A hand-made form post (the login form); the session may change: fetch anew next time.
            self.csrf_token = None
        elif method not in ("GET", "HEAD", "OPTIONS") and csrf:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token or self.fetch_csrf())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign_in(client: FlaskClient, user: Any) -> FlaskClient:
    """Sign `user` in without the password round trip (the login view has its own tests)."""
    from app.extensions import db_session
    from app.services import auth

    token = auth.start_session(db_session(), user, "127.0.0.1", "pytest")
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    client.csrf_token = None  # type: ignore[attr-defined]
    page = client.get("/profile")
    if page.status_code != 200:
        page = client.get("/")
    match = _TOKEN.search(page.get_data(as_text=True))
    client.csrf_token = match.group(1) if match else None  # type: ignore[attr-defined]
    return client


# Tables a committed test may fill; roles, SLA policies and the append-only audit log stay.
TRUNCATE = (
    "export_parts, event_deliveries, outbox, notifications, notification_emails, analytics_events, refresh_tokens, "
    "idempotency_keys, csat_surveys, sla_calendar, saved_views, ticket_links, macros, ticket_bulk_runs, "
    "ticket_comments, support_tickets, invoices, customer_health_history, customer_health, customers, "
    "user_sessions, two_factor_devices, two_factor_recovery_codes, user_two_factor, users"
)
# Tables a committed test leaves alone: seeded reference data, the append-only audit log, and the
# dashboard rollups (kept by triggers; tests compare them before and after).
KEPT = ("roles", "sla_policies", "audit_log", "ticket_daily_stats", "ticket_open_counts", "revenue_daily",
        "health_settings")


def truncate_all(app: Flask) -> None:
    import time

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError


    with app.app_context():
        for attempt in range(5):
            try:
                with app.extensions["owner_engine"].begin() as conn:
                    conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                    conn.execute(text(f"TRUNCATE {TRUNCATE} CASCADE"))
                return
            except OperationalError:  # a straggling request of a live server still holds a lock
                if attempt == 4:
                    raise
                time.sleep(0.5)


@pytest.fixture()
def committed_db(app: Flask) -> Iterator[Any]:
    """For tests that need real commits (workers, the relay, browsers); tables emptied afterwards."""
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.remove()
    truncate_all(app)


@pytest.fixture()
def mail_sink(app: Flask) -> Iterator[list[Any]]:
    """A real SMTP server on a free local port; yields the list of received messages."""
    import socket
    from email import message_from_bytes
    from email.policy import default

    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            received.append(message_from_bytes(envelope.content, policy=default))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    previous = app.config.get("SMTP_URL")
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        yield received
    finally:
        app.config["SMTP_URL"] = previous
        controller.stop()


@pytest.fixture()
def run_jobs(app: Flask) -> Any:
    """run_jobs() -> drains every queue with RQ's SimpleWorker in burst mode (in this process)."""
    from rq import Queue, SimpleWorker

    from app.services import jobs

    def drain() -> int:
        queues = [Queue(name, connection=jobs.connection()) for name in app.config["RQ_QUEUES"]]
        worker = SimpleWorker(queues, connection=jobs.connection())
        worker.work(burst=True, with_scheduler=False)
        return worker.successful_job_count

    return drain


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium per test process, shared by the browser tests and the system tests that drive one:
    Playwright's sync API allows one running instance per thread."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
