"""An open ticket stays current: another agent's reply and status change appear without a reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.workspace import LAPTOP, seed_tickets, signed_in


def test_a_second_browsers_reply_appears_in_the_first_within_ten_seconds(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    first = make_staff("agent", email="e2e-live-1@example.com", name="Lumbergh")
    second = make_staff("agent", email="e2e-live-2@example.com", name="Joanna")
    ticket = seed_tickets(app, 1)[0]
    with signed_in(browser, live_server, first.email, LAPTOP) as one, \
            signed_in(browser, live_server, second.email, LAPTOP) as two:
        one.goto(f"{live_server}/tickets/{ticket}")
        two.goto(f"{live_server}/tickets/{ticket}")
        expect(one.get_by_test_id("opening-message")).to_contain_text("Peter Gibbons")
        statuses: list[int] = []
        one.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/live") else None)
        one.wait_for_timeout(6000)
        assert statuses and set(statuses) == {304}  # nothing changed: nothing sent

        one.get_by_test_id("comment-body").fill("Half-written answer")
        two.get_by_test_id("comment-body").fill("Did you try turning it off and on?")
        two.get_by_test_id("send-pending").click()  # reply and status in one request
        expect(two.get_by_test_id("field-status")).to_have_value("pending")

        expect(one.get_by_test_id("public-reply")).to_contain_text("turning it off and on", timeout=10_000)
        expect(one.get_by_test_id("field-status")).to_have_value("pending")
        expect(one.get_by_test_id("arrived-notice")).to_be_visible()
        assert one.get_by_test_id("comment-body").input_value() == "Half-written answer"
        one.get_by_test_id("send-reply").click()  # the form still holds the old count: the server asks to read first
        expect(one.get_by_test_id("arrived-while-typing")).to_be_visible()
        one.get_by_test_id("send-reply").click()
        expect(one.get_by_test_id("public-reply")).to_have_count(2)
        assert one.errors == [] and two.errors == []


def test_an_open_list_updates_changed_rows_and_announces_new_tickets_keeping_the_selection(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    from app.extensions import db
    from app.models import Ticket

    agent = make_staff("agent", email="e2e-live-list@example.com")
    ids = seed_tickets(app, 3)
    with signed_in(browser, live_server, agent.email, LAPTOP) as page:
        page.goto(f"{live_server}/tickets?sort=number")
        page.locator(f"#row-{ids[1]} .row-check").check()
        with app.app_context():
            db.session.get(Ticket, ids[0]).status = "on_hold"  # type: ignore[union-attr]
            db.session.commit()
        seed_tickets(app, 3)
        expect(page.locator(f"#row-{ids[0]} .badge.status-on_hold")).to_be_visible(timeout=12_000)
        expect(page.get_by_test_id("list-news")).to_have_text("3 new — show")
        assert page.locator(f"#row-{ids[1]} .row-check").is_checked()
        expect(page.get_by_test_id("bulk-count")).to_have_text("1 selected")
        page.get_by_test_id("list-news").click()
        expect(page.get_by_test_id("ticket-row")).to_have_count(6)
        assert page.errors == []
