"""Browser journey: bulk-solve five tickets while one is deleted; four change, one is reported; then undo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_customer, make_ticket


def test_bulk_solve_reports_the_deleted_ticket_and_undo_restores_the_rest(
    app: Flask, page: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    from app.extensions import db
    from app.models import Ticket

    agent = make_staff("agent", email="e2e-bulk-undo@example.com")
    with app.app_context():
        customer = make_customer(db.session).id
        ids = [make_ticket(db.session, customer_id=customer, title=f"Bulk undo {i}").id for i in range(5)]
        db.session.commit()
    login(page, live_server, agent.email)
    page.on("dialog", lambda d: d.accept())
    page.goto(f"{live_server}/tickets?sort=number")
    boxes = page.locator("#ticket-table .row-check")
    for i in range(5):
        boxes.nth(i).check()
    with app.app_context():  # deleted by someone else while the list is open
        db.session.delete(db.session.get(Ticket, ids[2]))
        db.session.commit()
    page.get_by_test_id("bulk-action").select_option("status:solved")
    page.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("bulk-summary")).to_contain_text("4 tickets changed, 1 refused")
    refused = page.locator("[data-testid=bulk-item][data-outcome=refused]")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("missing")
    expect(refused).to_contain_text(str(ids[2]))
    expect(page.locator("#ticket-table .status-solved")).to_have_count(4)

    page.get_by_test_id("bulk-undo").click()
    expect(page.get_by_test_id("undo-summary")).to_contain_text("Undone: 4 tickets restored")
    page.reload()
    expect(page.locator("#ticket-table .status-open")).to_have_count(4)
    expect(page.locator("#ticket-table .status-solved")).to_have_count(0)
    assert page.errors == []
