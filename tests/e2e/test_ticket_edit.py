"""Browser journey: two agents edit the same ticket's title; the second sees whose change came first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_ticket


def test_a_conflicting_title_edit_shows_the_conflict_and_loses_nothing(
    app: Flask, page: Any, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    from app.extensions import db

    first = make_staff("agent", email="e2e-edit-first@example.com", name="First Editor")
    second = make_staff("agent", email="e2e-edit-second@example.com", name="Second Editor")
    with app.app_context():
        ticket = make_ticket(db.session, title="Printer on fire", description="Third floor.").id
        db.session.commit()
    other_ctx = browser.new_context()
    other = other_ctx.new_page()
    try:
        login(page, live_server, first.email)
        login(other, live_server, second.email)
        page.goto(f"{live_server}/tickets/{ticket}")
        page.get_by_test_id("edit-ticket").click()
        other.goto(f"{live_server}/tickets/{ticket}/edit")

        other.get_by_test_id("edit-title").fill("Printer smoking on floor 3")
        other.get_by_test_id("save-ticket-edit").click()
        expect(other.get_by_test_id("ticket-title-heading")).to_contain_text("Printer smoking on floor 3")

        page.get_by_test_id("edit-title").fill("Printer fixed")
        page.get_by_test_id("edit-description").fill("Replaced the fuser.")
        page.get_by_test_id("save-ticket-edit").click()
        conflict = page.get_by_test_id("conflict-message")
        expect(conflict).to_contain_text("changed title from “Printer on fire” to “Printer smoking on floor 3”")
        expect(page.get_by_test_id("conflict-current-title")).to_have_text("Printer smoking on floor 3")
        expect(page.get_by_test_id("edit-title")).to_have_value("Printer fixed")  # my text is kept
        expect(page.get_by_test_id("edit-description")).to_have_value("Replaced the fuser.")

        other.reload()
        expect(other.get_by_test_id("ticket-title-heading")).to_contain_text("Printer smoking on floor 3")

        page.get_by_test_id("save-ticket-edit").click()  # saving again, knowingly, applies mine
        expect(page.get_by_test_id("ticket-title-heading")).to_contain_text("Printer fixed")
        expect(page.get_by_test_id("success-message")).to_be_visible()
        assert page.errors == []
    finally:
        other_ctx.close()
