"""Browser journey: merge a ticket into another, then follow the old ticket's link to the merged one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_comment, make_customer, make_ticket


def test_merge_two_tickets_and_follow_the_old_link(
    app: Flask, page: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    from app.extensions import db

    agent = make_staff("agent", email="e2e-merge@example.com")
    with app.app_context():
        customer = make_customer(db.session, company_name="Hooli").id
        a = make_ticket(db.session, customer_id=customer, title="Printer offline")
        b = make_ticket(db.session, customer_id=customer, title="Printer still offline")
        make_comment(db.session, b, body="Second report from the customer")
        a_id, a_number, b_id, b_number = a.id, a.number, b.id, b.number
        db.session.commit()
    login(page, live_server, agent.email)
    page.on("dialog", lambda d: d.accept())
    page.goto(f"{live_server}/tickets/{b_id}")
    page.get_by_test_id("merge-into").fill(f"#{a_number}")
    page.get_by_test_id("merge-submit").click()
    page.wait_for_url(f"{live_server}/tickets/{a_id}")
    expect(page.get_by_test_id("success-message")).to_contain_text(f"Merged into #{a_number}")
    expect(page.get_by_test_id("public-reply").first).to_contain_text("Second report from the customer")
    expect(page.get_by_test_id("merged-list")).to_contain_text(f"#{b_number}")

    page.goto(f"{live_server}/tickets/{b_id}")  # the old link
    page.wait_for_url(f"{live_server}/tickets/{a_id}")
    expect(page.get_by_test_id("ticket-title-heading")).to_contain_text("Printer offline")
    expect(page.get_by_role("alert").filter(has_text=f"merged into #{a_number}")).to_be_visible()
    assert page.errors == []
