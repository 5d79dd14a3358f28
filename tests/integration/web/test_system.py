"""/system: stores, queues, workers, failed jobs (retry, delete), the outbox; admins only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from rq.registry import FailedJobRegistry
from sqlalchemy.orm import Session

from app.services import events, jobs, mail
from app.services.actor import Actor


@pytest.fixture()
def failed_job(app: Flask, run_jobs: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real failure: an email to an SMTP port where nobody listens."""
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://127.0.0.1:1")
    job = jobs.enqueue(mail.SEND_JOB, "ops@example.com", "Hello", "text", None, retries=0)
    assert job is not None
    run_jobs()
    assert job.id in FailedJobRegistry("default", connection=jobs.connection())
    return job.id


def test_it_shows_the_full_page(admin_client: FlaskClient) -> None:
    body = admin_client.get("/system").get_data(as_text=True)
    assert "<html" in body and 'data-testid="system-queues"' in body
    assert "PostgreSQL" in body and "Redis" in body and "No worker is running" in body


def test_it_returns_only_the_block_for_htmx(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/system", headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert "<html" not in body and 'id="system-status"' in body and "HX-Request" in resp.headers["Vary"]


def test_only_system_managers_see_it(make_client: Callable[..., FlaskClient], client: FlaskClient) -> None:
    assert make_client("admin").get("/system").status_code == 200
    for role in ("manager", "agent", "viewer"):
        assert make_client(role).get("/system").status_code == 403
    assert client.get("/system").status_code == 302


def test_it_lists_a_failed_job_and_retries_it(
    app: Flask, admin_client: FlaskClient, failed_job: str, mail_sink: list[Any], run_jobs: Any
) -> None:
    body = admin_client.get("/system").get_data(as_text=True)
    assert failed_job in body and "ConnectionRefusedError" in body
    resp = admin_client.post(f"/system/jobs/{failed_job}/retry", headers={"HX-Request": "true"})
    assert resp.status_code == 200 and "toast" in resp.headers["HX-Trigger"]
    assert failed_job in Queue("default", connection=jobs.connection()).job_ids
    run_jobs()  # mail_sink now receives on SMTP_URL
    assert len(mail_sink) == 1 and mail_sink[0]["To"] == "ops@example.com"
    assert failed_job not in admin_client.get("/system").get_data(as_text=True)


def test_it_deletes_a_failed_job(admin_client: FlaskClient, failed_job: str) -> None:
    resp = admin_client.post(f"/system/jobs/{failed_job}/delete")
    assert resp.status_code == 303
    assert failed_job not in FailedJobRegistry("default", connection=jobs.connection())
    assert admin_client.post(f"/system/jobs/{failed_job}/retry").status_code == 404


def test_it_shows_the_outbox_backlog_and_relays_it(admin_client: FlaskClient, db_session: Session) -> None:
    evt = events.emit(db_session, Actor.system("pytest"), "role.created", "role", "1", {"name": "x"})
    db_session.info.pop("outbox_pending", None)  # as if Redis had been down at commit
    db_session.commit()
    body = admin_client.get("/system").get_data(as_text=True)
    assert 'data-testid="outbox-backlog">1<' in body
    resp = admin_client.post("/system/outbox/relay", headers={"HX-Request": "true"})
    assert "Dispatched 1 events" in resp.headers["HX-Trigger"]
    assert f"event-{evt.id}" in Queue("default", connection=jobs.connection()).job_ids


def test_it_reports_redis_down_without_failing(admin_client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from redis import Redis

    monkeypatch.setitem(jobs._state, "redis", Redis(port=1, socket_connect_timeout=0.5))  # noqa: SLF001
    resp = admin_client.get("/system")
    assert resp.status_code == 200 and "error: ConnectionError" in resp.get_data(as_text=True)
