from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from app.models import AnalyticsEvent
from app.models.base import utcnow
from tests.e2e.conftest import login


def test_it_filters_the_report_in_place(
    page: Any, live_server: str, app: Flask, make_staff: Callable[..., Any]
) -> None:
    from app.extensions import db

    manager = make_staff("manager", email="e2e-reports@example.com")
    with app.app_context():
        for days, type_ in ((0, "ticket.created"), (1, "ticket.created"), (2, "ticket.solved")):
            db.session.add(AnalyticsEvent(type=type_, occurred_at=utcnow() - timedelta(days=days), data={}))
        db.session.commit()
    login(page, live_server, manager.email)
    page.get_by_test_id("nav-reports").click()
    expect(page.get_by_test_id("total-ticket.created")).to_have_text("2")
    assert page.evaluate("document.querySelectorAll('canvas[data-chart]').length") == 1
    page.get_by_test_id("report-type").select_option("ticket.solved")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("total-ticket.solved")).to_have_text("1")
    expect(page.get_by_test_id("total-ticket.created")).to_have_count(0)
    assert "type=ticket.solved" in page.url
    # The chart is drawn after the swap settles: wait for it rather than racing it.
    page.wait_for_function("window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]')) !== undefined",
                           timeout=5000)
    assert page.errors == []
