from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from rq import Queue, SimpleWorker

from app.services import audit, jobs
from app.services.actor import Actor
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_it_filters_the_audit_log_and_exports_it_with_progress(
    page: Any, live_server: str, make_staff: Callable[..., Any], app: Flask
) -> None:
    from app.extensions import db

    app.extensions["redis"].flushdb()
    with app.app_context():
        audit.record(db.session, Actor.system("e2e"), "customer.tier_changed", "customer", "c-42",
                     {"tier": ["starter", "enterprise"]})
        db.session.commit()
    admin = make_staff("admin", email="e2e-audit@example.com")
    login(page, live_server, admin.email)
    page.get_by_test_id("nav-audit").click()
    page.get_by_label("Action (end with * for a prefix)").fill("customer.tier_changed")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"action=customer\.tier_changed"))  # the view is bookmarkable
    expect(page.get_by_test_id("audit-row")).to_have_count(1)
    row = page.get_by_test_id("audit-row")
    expect(row).to_contain_text("enterprise")
    expect(row.get_by_role("link")).to_have_attribute("href", "/customers/c-42")

    page.get_by_test_id("audit-export").click()
    expect(page.get_by_test_id("export-status")).to_contain_text("Preparing")
    with app.app_context():
        queues = [Queue(name, connection=jobs.connection()) for name in app.config["RQ_QUEUES"]]
        SimpleWorker(queues, connection=jobs.connection()).work(burst=True, with_scheduler=False)
    expect(page.get_by_test_id("export-status")).to_contain_text("Export ready: 1 record", timeout=5000)
    with page.expect_download() as download:
        page.get_by_test_id("export-download").click()
    content = open(download.value.path(), encoding="utf-8").read()
    assert "customer.tier_changed" in content and content.startswith("chain_index,")
    assert page.errors == []
    app.extensions["redis"].flushdb()
