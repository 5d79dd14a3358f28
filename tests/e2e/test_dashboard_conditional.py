"""Refreshing widgets send If-None-Match: unchanged data comes back 304 and the widget stays as it was
(its "as of" text moves on); changed data comes back 200 and the widget updates without a reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_ticket


def _commit_ticket(app: Flask, priority: str) -> None:
    from app.extensions import db

    with app.app_context():
        make_ticket(db.session, title="Another tab's ticket", status="open", priority=priority)
        db.session.commit()
        db.session.remove()


def test_unchanged_widgets_answer_304_and_changed_ones_update(
    page: Any, live_server: str, app: Flask, make_staff: Callable[..., Any]
) -> None:
    admin = make_staff("admin", email="e2e-conditional@example.com")
    _commit_ticket(app, "low")
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if "/dashboard/widgets/backlog" in r.url else None)
    login(page, live_server, admin.email)
    page.goto(f"{live_server}/?range=7d&refresh=2")
    counts = page.get_by_test_id("backlog-counts")
    expect(counts).to_contain_text("low: 1")
    widget = page.locator("#widget-backlog")
    expect(widget).to_have_attribute("data-not-modified", "2", timeout=10000)  # two 304s in a row
    assert statuses[0] == 200 and statuses.count(304) >= 2
    expect(counts).to_contain_text("low: 1")  # the 304s kept the content
    stamp = widget.get_by_test_id("freshness")
    before = stamp.inner_text()
    expect(stamp).not_to_have_text(before, timeout=6000)  # the "as of" text follows the 304s
    page.evaluate("window.__notReloaded = true")
    _commit_ticket(app, "urgent")
    expect(counts).to_contain_text("urgent: 1", timeout=8000)
    assert statuses[-1] == 200 or 200 in statuses[2:]
    assert page.evaluate("window.__notReloaded === true")
    assert page.errors == []
