"""The dashboard is alive: a ticket created elsewhere shows up within one refresh interval."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from app.models.base import utcnow
from tests.e2e.conftest import ARTIFACTS, login
from tests.factories import make_customer, make_invoice, make_ticket


def _seed(app: Flask) -> None:
    from app.extensions import db

    with app.app_context():
        customer = make_customer(db.session, company_name="Acme Rockets")
        for i, (status, priority) in enumerate([("open", "high"), ("pending", "low"), ("solved", "urgent"),
                                                ("open", "medium"), ("closed", "medium")]):
            created = utcnow() - timedelta(days=i)
            make_ticket(db.session, customer_id=customer.id, status=status, priority=priority, created_at=created,
                        resolved_at=created + timedelta(hours=3) if status in ("solved", "closed") else None,
                        resolution_due_at=created + timedelta(hours=8))
            make_invoice(db.session, customer, amount=Decimal("250.00") * (i + 1), paid_at=created)
        db.session.commit()


def _open_a_ticket(app: Flask) -> None:
    """Another tab's work, committed: the ticket service's insert, through the database."""
    from app.extensions import db

    with app.app_context():
        make_ticket(db.session, title="Opened in another tab", status="open", priority="urgent")
        db.session.commit()
        db.session.remove()


def test_open_tickets_go_up_without_a_reload(
    page: Any, live_server: str, app: Flask, make_staff: Callable[..., Any]
) -> None:
    admin = make_staff("admin", email="e2e-dash@example.com")
    _seed(app)
    login(page, live_server, admin.email)
    page.goto(f"{live_server}/?range=7d&refresh=2")
    for hook in ("stat-total-users", "stat-open-tickets", "stat-system-health", "stat-revenue"):
        expect(page.get_by_test_id(hook)).not_to_have_text("")
    expect(page.get_by_test_id("stat-open-tickets")).to_have_text("3")
    expect(page.get_by_test_id("stat-revenue")).to_have_text("$3,750.00")
    page.evaluate("window.__notReloaded = true")
    _open_a_ticket(app)
    expect(page.get_by_test_id("stat-open-tickets")).to_have_text("4", timeout=6000)
    expect(page.get_by_test_id("recent-tickets")).to_contain_text("Opened in another tab", timeout=6000)
    assert page.evaluate("window.__notReloaded === true")
    assert page.locator("canvas[data-chart]").count() == 5
    assert page.evaluate("Object.keys(Chart.instances).length") == 5  # refreshed charts were let go
    assert page.evaluate("document.querySelectorAll('canvas[data-chart-error]').length") == 0
    page.get_by_test_id("health-details").click()
    expect(page.get_by_test_id("health-breakdown")).to_be_visible()
    assert page.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("document.documentElement.setAttribute('data-bs-theme', 'light')")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "dashboard-light.png"), full_page=True)
    page.evaluate("document.documentElement.setAttribute('data-bs-theme', 'dark')")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "dashboard-dark.png"), full_page=True)


def test_the_refresh_interval_can_be_paused_and_is_remembered(
    page: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    admin = make_staff("admin", email="e2e-dash-pause@example.com")
    login(page, live_server, admin.email)
    expect(page.get_by_test_id("stat-open-tickets")).not_to_have_text("")
    page.get_by_test_id("dash-refresh").select_option("0")
    page.wait_for_url(lambda url: "refresh=0" in url)
    assert page.locator("#widget-cards").get_attribute("hx-trigger") == "load"
    assert page.errors == []
    page.goto(f"{live_server}/")
    page.wait_for_url(lambda url: "refresh=0" in url)
