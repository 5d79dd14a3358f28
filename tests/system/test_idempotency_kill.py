"""A gunicorn worker SIGKILLed in the middle of an API create: the client's retry with the same
Idempotency-Key creates the ticket, once (design D12)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import Ticket
from tests import processes
from tests.factories import PASSWORD, make_customer, make_user

pytestmark = pytest.mark.slow


def test_a_create_killed_mid_request_is_done_once_by_the_retry(
    app: Flask, committed_db: Session, service_urls: dict[str, str], tmp_path: Path
) -> None:
    from app.extensions import db

    user = make_user(committed_db, role_name="manager", email="retrying.client@example.com")
    customer = make_customer(committed_db)
    committed_db.commit()
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    env = processes.environment(service_urls, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    with processes.gunicorn(env, [f"127.0.0.1:{port}"], workers=1) as master:
        login = requests.post(f"{base}/api/v1/auth/login", json={"email": user.email, "password": PASSWORD},
                              timeout=30)
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}", "Idempotency-Key": "killed-once"}
        body = {"customer_id": str(customer.id), "title": "Created across a killed worker"}
        outcome: dict[str, Any] = {}

        def first() -> None:
            try:
                outcome["status"] = requests.post(f"{base}/api/v1/support/tickets", json=body, headers=headers,
                                                  timeout=30).status_code
            except requests.RequestException as exc:
                outcome["error"] = exc

        blocker = db.engine.connect()
        tx = blocker.begin()
        # The create waits on this lock, so the worker surely dies in the middle of the request.
        blocker.execute(text("LOCK TABLE support_tickets IN ACCESS EXCLUSIVE MODE"))
        try:
            client = threading.Thread(target=first)
            client.start()
            processes.wait_until(lambda: processes.someone_waits_on_a_lock(committed_db))
            pids = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()
            assert len(pids) == 1
            os.kill(int(pids[0]), signal.SIGKILL)
            client.join(30)
        finally:
            tx.rollback()
            blocker.close()
        assert "error" in outcome, outcome  # the client saw the connection drop, not an answer

        statuses = []
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:  # gunicorn starts a new worker; the client retries
            try:
                retry = requests.post(f"{base}/api/v1/support/tickets", json=body, headers=headers, timeout=30)
            except requests.RequestException:
                time.sleep(0.5)
                continue
            statuses.append(retry.status_code)
            if retry.status_code == 201:
                break
            time.sleep(0.5)
        assert statuses and statuses[-1] == 201, statuses
        again = requests.post(f"{base}/api/v1/support/tickets", json=body, headers=headers, timeout=30)
        assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
        assert again.json()["data"]["id"] == retry.json()["data"]["id"]
    committed_db.expire_all()
    count = committed_db.scalar(select(func.count()).select_from(Ticket)
                                .where(Ticket.title == "Created across a killed worker"))
    assert count == 1
