from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from rq import Queue, SimpleWorker

from app.services import jobs, mail
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def _drain(app: Flask) -> None:
    with app.app_context():
        queues = [Queue(name, connection=jobs.connection()) for name in app.config["RQ_QUEUES"]]
        SimpleWorker(queues, connection=jobs.connection()).work(burst=True, with_scheduler=False)


def test_a_failed_job_is_retried_from_the_system_page_once_the_cause_is_fixed(
    page: Any, live_server: str, make_staff: Callable[..., Any], app: Flask, mail_sink: list[Any]
) -> None:
    app.extensions["redis"].flushdb()
    sink_url = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"  # nobody listens there: the send fails for real
    try:
        with app.app_context():
            job = jobs.enqueue(mail.SEND_JOB, "ops@example.com", "Quarterly report", "text", None, retries=0)
        assert job is not None
        _drain(app)
        admin = make_staff("admin", email="e2e-system@example.com")
        login(page, live_server, admin.email)
        page.goto(f"{live_server}/system")
        row = page.get_by_test_id("failed-job").filter(has_text=job.id)
        expect(row).to_contain_text("ConnectionRefusedError")
    finally:
        app.config["SMTP_URL"] = sink_url  # the cause, fixed: the mail server answers again
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_test_id("retry-job").click()
    expect(page.get_by_test_id("success-message").first).to_contain_text("Job queued again")
    _drain(app)
    assert [m["Subject"] for m in mail_sink] == ["Quarterly report"]
    page.reload()
    expect(page.get_by_test_id("failed-jobs")).not_to_contain_text(job.id)
    assert page.errors == []
    app.extensions["redis"].flushdb()
