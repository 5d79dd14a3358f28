"""Browser journey: an agent types :: in the reply box, picks a macro that replies and solves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_customer, make_ticket


def test_applying_a_macro_replies_and_solves(
    app: Flask, page: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    from app.extensions import db

    agent = make_staff("agent", email="e2e-macro@example.com", name="Mona Macro")
    with app.app_context():
        customer = make_customer(db.session, company_name="Initech").id
        ticket = make_ticket(db.session, customer_id=customer, title="Stapler missing")
        number, ticket_id = ticket.number, ticket.id
        db.session.commit()
    login(page, live_server, agent.email)
    page.goto(f"{live_server}/macros/new")
    page.get_by_test_id("macro-name").fill("Solved, with thanks")
    page.get_by_test_id("macro-body").fill(
        "Hello {{ customer.company }}, #{{ ticket.number }} is solved. {{ agent.name }}")
    page.get_by_test_id("macro-status").select_option("solved")
    page.get_by_test_id("save-macro").click()
    expect(page.get_by_test_id("macro-row")).to_contain_text("Solved, with thanks")

    page.goto(f"{live_server}/tickets/{ticket_id}")
    page.get_by_test_id("comment-body").press_sequentially("::")  # opens the picker
    expect(page.get_by_test_id("macro-picker")).to_be_visible()
    expect(page.get_by_test_id("comment-body")).to_have_value("")
    page.keyboard.press("Escape")
    page.locator("h1").click()
    page.keyboard.press("m")  # the shortcut opens it too
    expect(page.get_by_test_id("macro-picker")).to_be_visible()
    page.get_by_test_id("macro-search").fill("solved")
    page.get_by_test_id("macro-option").filter(has_text="Solved, with thanks").click()

    expect(page.get_by_test_id("success-message")).to_contain_text("Macro applied")
    expect(page.get_by_test_id("public-reply")).to_contain_text(f"Hello Initech, #{number} is solved. Mona Macro")
    expect(page.get_by_test_id("field-status")).to_have_value("solved")
    expect(page.get_by_test_id("timeline")).to_contain_text("macro applied")
    assert page.errors == []
