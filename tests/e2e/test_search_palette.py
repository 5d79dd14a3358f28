"""Global search from the keyboard: Ctrl-K, part of a name, arrow down, Enter; "/" and a ticket number; Esc."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, login


def _customer_with_ticket(app: Flask) -> tuple[str, str, int]:
    from app.extensions import db
    from tests.factories import make_customer, make_ticket

    with app.app_context():
        customer = make_customer(db.session, company_name="Orinoco Freight", contact_name="Dana Delta")
        ticket = make_ticket(db.session, customer_id=customer.id, title="Pallet scanner offline")
        db.session.commit()
        return str(customer.id), str(ticket.id), ticket.number


def test_ctrl_k_finds_a_customer_by_part_of_its_name(page: Any, live_server: str, make_staff: Callable[..., Any],
                                                     app: Flask) -> None:
    customer_id, _ticket_id, _number = _customer_with_ticket(app)
    login(page, live_server, make_staff("manager", email="e2e-search@example.com").email)
    page.keyboard.press("Control+k")
    box = page.get_by_test_id("palette-input")
    expect(box).to_be_focused()
    box.press_sequentially("orino", delay=40)
    expect(page.get_by_test_id("palette-results").get_by_test_id("search-hit").first).to_contain_text(
        "Orinoco Freight")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#palette-results .search-option[aria-selected=true]")).to_contain_text("Orinoco")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-palette.png"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/customers/{customer_id}")
    expect(page.get_by_role("heading", name="Orinoco Freight")).to_be_visible()
    assert page.errors == []


def test_slash_and_a_ticket_number_open_the_ticket_and_esc_closes(page: Any, live_server: str,
                                                                  make_staff: Callable[..., Any], app: Flask) -> None:
    _customer_id, ticket_id, number = _customer_with_ticket(app)
    login(page, live_server, make_staff("manager", email="e2e-search2@example.com").email)
    palette = page.get_by_test_id("palette")
    page.keyboard.press("/")
    expect(palette).to_be_visible()
    page.keyboard.press("Escape")
    expect(palette).to_be_hidden()
    page.keyboard.press("/")
    expect(page.get_by_test_id("palette-input")).to_be_focused()
    page.keyboard.type(f"#{number}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/tickets/{ticket_id}")
    expect(page.get_by_text("Pallet scanner offline").first).to_be_visible()
    page.keyboard.press("Control+k")  # anywhere: the ticket page too
    expect(palette).to_be_visible()
    expect(page.get_by_test_id("palette").get_by_text("Recent searches")).to_be_visible()  # the number just used
    page.keyboard.press("Escape")
    expect(palette).to_be_hidden()
    assert page.errors == []
