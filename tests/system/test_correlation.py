"""One correlation id from the request's log line to its job's log line, the audit row and the email."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import observability
from app.models import AuditRecord
from tests import processes
from tests.conftest import Client, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.slow


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


CID = "trace-7f3a9c21-request"


def _traced_request(client: Any) -> Any:
    return client.post(
        "/users",
        data={"email": "traced@example.com", "name": "Traced", "role": "agent"},
        headers={"X-Correlation-ID": CID},
    )


def test_one_id_from_request_to_job_audit_and_email(
    app: Flask, committed_db: Session, mail_sink: list[Any], service_urls: dict[str, str], capfd: Any
) -> None:
    app.extensions["redis"].flushdb()
    admin = make_user(committed_db, role_name="admin")
    committed_db.commit()
    app.test_client_class = Client
    client = sign_in(app.test_client(), admin)
    observability.configure_logging("INFO")  # the test instance logs warnings only
    capfd.readouterr()
    try:
        resp = _traced_request(client)
    finally:
        observability.configure_logging(app.config["LOG_LEVEL"])
    cid = CID
    assert resp.status_code == 303
    assert resp.headers["X-Correlation-ID"] == cid

    web = _json_lines(capfd.readouterr().err)
    line = next(r for r in web if r.get("message") == "request" and r.get("path") == "/users")
    assert line["correlation_id"] == cid and line["method"] == "POST" and line["status"] == 303
    assert line["user_id"] == str(admin.id) and line["remote_addr"] and line["duration_ms"] >= 0
    assert PASSWORD not in json.dumps(web)

    audit = committed_db.scalars(
        select(AuditRecord).where(AuditRecord.target_type == "user", AuditRecord.correlation_id == cid)
    ).all()
    assert audit, "the audit row carries the request's correlation id"

    env = processes.environment(service_urls, SMTP_URL=app.config["SMTP_URL"])
    done = subprocess.run(
        [sys.executable, "-m", "workers", "--burst"],
        cwd=processes.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    worker = _json_lines(done.stderr)
    started = [r for r in worker if r.get("message") == "job started"]
    # The invitation's email is an event of its own (email.requested), processed by a job of its own.
    assert [r["job"] for r in started].count("workers.jobs.events.process_event") >= 2
    assert all(r["correlation_id"] == cid for r in started)
    assert worker and all(set(r) >= {"time", "level", "logger", "message"} for r in worker)

    invitation = next(m for m in mail_sink if m["To"] == "traced@example.com")
    assert invitation["X-Correlation-ID"] == cid


def test_no_secret_reaches_a_log_line(app: Flask, committed_db: Session, capfd: Any) -> None:
    from app.services import mail

    user = make_user(committed_db, email="secretive@example.com")
    committed_db.commit()
    app.test_client_class = Client
    client = app.test_client()
    observability.configure_logging("DEBUG")
    capfd.readouterr()
    try:
        client.post("/login", data={"email": user.email, "password": "Wrong-Password-Sent-42"})
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        client.get("/api/v1/users", headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.leaked-token.sig"})
        client.get("/profile", headers={"Cookie": "backoffice_session=cookie-value-never-logged"})
        app.config["SMTP_URL"], saved = None, app.config.get("SMTP_URL")
        with app.test_request_context("/"):
            mail.deliver("secretive@example.com", "Reset", "reset link: /password/reset/one-time-reset-secret")
        app.config["SMTP_URL"] = saved
    finally:
        observability.configure_logging(app.config["LOG_LEVEL"])
    err = capfd.readouterr().err
    lines = _json_lines(err)
    assert sum(1 for r in lines if r.get("message") == "request") >= 4
    for secret in (
        "Wrong-Password-Sent-42",
        PASSWORD,
        "leaked-token",
        "cookie-value-never-logged",
        "one-time-reset-secret",
        app.config["SECRET_KEY"],
    ):
        assert secret not in err
