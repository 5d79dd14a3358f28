"""Browser journey: save a personal view of the ticket list, sign out and in, and find it there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_customer, make_ticket


def test_a_saved_personal_view_survives_signing_in_again(
    app: Flask, page: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    from app.extensions import db

    agent = make_staff("agent", email="e2e-views@example.com")
    with app.app_context():
        customer = make_customer(db.session).id
        make_ticket(db.session, customer_id=customer, priority="urgent", title="Server down")
        make_ticket(db.session, customer_id=customer, priority="low", title="Typo on page")
        db.session.commit()
    login(page, live_server, agent.email)
    page.goto(f"{live_server}/tickets")
    page.get_by_test_id("filter-priority").select_option("urgent")
    expect(page.get_by_test_id("ticket-row")).to_have_count(1)
    page.get_by_test_id("view-name").fill("Fires")
    page.get_by_test_id("save-view").click()
    expect(page.get_by_test_id("saved-view")).to_contain_text("Fires")
    expect(page.get_by_test_id("saved-view-count")).to_have_text("1")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url(f"{live_server}/login**")
    login(page, live_server, agent.email)
    page.goto(f"{live_server}/tickets")
    page.get_by_test_id("saved-view-link").filter(has_text="Fires").click()
    expect(page.get_by_test_id("ticket-row")).to_have_count(1)
    expect(page.get_by_test_id("ticket-row")).to_contain_text("Server down")
    assert "priority=urgent" in page.url
    assert page.errors == []
