from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import login


def _add_open_invoice(app: Flask, company: str) -> None:
    from app.extensions import db
    from app.models import Customer
    from tests.factories import make_invoice

    with app.app_context():
        customer = db.session.scalar(select(Customer).where(Customer.company_name == company))
        make_invoice(db.session, customer, number=770001, amount=Decimal("420.00"), status="open", paid_at=None)
        db.session.commit()


def test_it_creates_a_customer_edits_metadata_and_marks_an_invoice_paid(
    page: Any, live_server: str, make_staff: Callable[..., Any], app: Flask
) -> None:
    manager = make_staff("manager", email="e2e-manager@example.com")
    login(page, live_server, manager.email)
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_test_id("nav-customers").click()
    page.get_by_test_id("create-customer-btn").click()
    page.get_by_label("Company").fill("Journey <b>Corp</b>")
    page.get_by_label("Contact email").fill("ops@journey.example")
    page.get_by_label("Tier").select_option("starter")
    page.get_by_test_id("submit-customer").click()
    expect(page.get_by_test_id("success-message")).to_be_visible()
    expect(page.get_by_role("heading", name="Journey <b>Corp</b>")).to_be_visible()

    page.get_by_test_id("meta-add").click()
    page.get_by_test_id("meta-key").last.fill("crm.account-id")
    page.get_by_test_id("meta-value").last.fill("A-1001")
    with page.expect_response(lambda r: r.url.endswith("/metadata") and r.request.method == "POST") as saved:
        page.get_by_test_id("meta-save").click()
    assert saved.value.ok
    page.reload()
    assert page.get_by_test_id("meta-key").first.input_value() == "crm.account-id"

    _add_open_invoice(app, "Journey <b>Corp</b>")
    page.reload()
    expect(page.get_by_test_id("revenue-lifetime")).to_have_text("$0.00")
    page.get_by_test_id("pay-invoice").click()
    expect(page.get_by_test_id("revenue-lifetime")).to_have_text("$420.00")
    assert page.get_by_test_id("pay-invoice").count() == 0
    assert asked == ["Mark invoice #770001 as paid?"]  # asked once, not twice

    page.get_by_test_id("suspend-customer").click()
    page.get_by_test_id("reactivate-customer").click()
    expect(page.get_by_test_id("suspend-customer")).to_be_visible()
    assert [a.split()[0] for a in asked[1:]] == ["Suspend", "Reactivate"]
    assert page.errors == []
