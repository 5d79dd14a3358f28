"""Browser journey: an agent solves a ticket; the customer rates it from the emailed link."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_customer, make_ticket


def test_the_customer_rates_a_solved_ticket_from_the_email(
    app: Flask, page: Any, browser: Any, live_server: str, make_staff: Callable[..., Any],
    mail_sink: list[Any], run_jobs: Callable[[], int],
) -> None:
    from app.extensions import db

    agent = make_staff("agent", email="e2e-csat@example.com")
    with app.app_context():
        customer = make_customer(db.session, company_name="Pied Piper", contact_email="richard@example.com").id
        ticket = make_ticket(db.session, customer_id=customer, title="Compression is slow").id
        db.session.commit()
    login(page, live_server, agent.email)
    page.goto(f"{live_server}/tickets/{ticket}")
    with page.expect_response(lambda r: r.url.endswith("/fields") and r.request.method == "POST"):
        page.get_by_test_id("field-status").select_option("solved")
    previous = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server
    try:
        with app.app_context():
            run_jobs()
    finally:
        app.config["PUBLIC_URL"] = previous
    mails = [m for m in mail_sink if m["To"] == "richard@example.com"]
    assert len(mails) == 1
    link = re.search(r"(http://\S+/csat/\S+)", mails[0].get_body(preferencelist=("plain",)).get_content())
    assert link is not None

    customer_ctx = browser.new_context()
    try:
        customer_page = customer_ctx.new_page()
        customer_page.goto(link.group(1))
        customer_page.get_by_label("4").check()
        customer_page.get_by_label("Anything to add? (optional)").fill("Fast and friendly.")
        customer_page.get_by_test_id("csat-submit").click()
        expect(customer_page.get_by_test_id("csat-thanks")).to_contain_text("4 out of 5")
        customer_page.goto(link.group(1))  # the link works once
        expect(customer_page.get_by_test_id("csat-thanks")).to_be_visible()
        expect(customer_page.get_by_test_id("csat-form")).to_have_count(0)
    finally:
        customer_ctx.close()
    page.reload()
    expect(page.get_by_test_id("ticket-rating")).to_contain_text("4 / 5")
    expect(page.get_by_test_id("ticket-rating")).to_contain_text("Fast and friendly.")
    assert page.errors == []
