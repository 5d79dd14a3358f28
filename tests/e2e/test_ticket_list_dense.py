"""The ticket list as an agent works it: dense rows, no sideways scroll, a bulk form that asks once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.workspace import DESKTOP, LAPTOP, PHONE, dialogs_of, horizontal_overflow, seed_tickets, signed_in


def test_paging_and_sorting_with_rows_selected_opens_no_dialog(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    agent = make_staff("agent", email="e2e-dense-bulk@example.com")
    seed_tickets(app, 55)
    with signed_in(browser, live_server, agent.email, LAPTOP) as page:
        asked = dialogs_of(page)
        page.goto(f"{live_server}/tickets")
        expect(page.get_by_test_id("bulk-bar")).to_be_hidden()
        page.locator("#ticket-table .row-check").nth(0).check()
        page.locator("#ticket-table .row-check").nth(1).check()
        expect(page.get_by_test_id("bulk-bar")).to_be_visible()
        expect(page.get_by_test_id("bulk-count")).to_have_text("2 selected")
        page.get_by_role("link", name="Next").click()
        expect(page).to_have_url(re.compile(r"page=2"))
        expect(page.get_by_test_id("ticket-row")).to_have_count(5)
        page.locator("#ticket-table .row-check").nth(0).check()
        page.get_by_role("link", name="Priority").click()
        expect(page).to_have_url(re.compile(r"sort=priority"))
        expect(page.get_by_test_id("ticket-row")).to_have_count(50)
        assert asked == []
        assert page.errors == []


def test_the_bulk_form_wants_a_selection_and_an_action_then_asks_once_naming_both(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    agent = make_staff("agent", email="e2e-dense-ask@example.com")
    seed_tickets(app, 3)
    with signed_in(browser, live_server, agent.email, LAPTOP) as page:
        asked = dialogs_of(page)
        page.goto(f"{live_server}/tickets?sort=number")
        boxes = page.locator("#ticket-table .row-check")
        boxes.nth(0).check()
        page.get_by_test_id("bulk-apply").click()  # no action chosen: the browser asks for one, we ask nothing
        assert page.evaluate("document.getElementById('bulk-action').validity.valid") is False
        page.locator("#bulk-all").check()
        boxes.nth(0).uncheck()
        expect(page.get_by_test_id("bulk-bar")).to_be_visible()  # "all matching" keeps it open
        page.locator("#bulk-all").uncheck()
        expect(page.get_by_test_id("bulk-bar")).to_be_hidden()
        assert asked == []
        boxes.nth(0).check()
        boxes.nth(2).check()
        page.get_by_test_id("bulk-action").select_option("status:solved")
        page.get_by_test_id("bulk-apply").click()
        expect(page.get_by_test_id("success-message")).to_contain_text("2 tickets changed")
        assert asked == ["Set status to solved — apply to 2 tickets?"]
        assert page.errors == []


def test_eighteen_rows_fit_at_1440_and_nothing_scrolls_sideways_at_1280_or_390(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    agent = make_staff("agent", email="e2e-dense-rows@example.com", name="Samir Nagheenanajar")
    seed_tickets(app, 30, tags=["printer", "floor-3", "reports"])
    with signed_in(browser, live_server, agent.email, DESKTOP) as page:
        page.goto(f"{live_server}/tickets")
        heights = page.eval_on_selector_all("[data-testid=ticket-row]",
                                            "rows => rows.map(r => r.getBoundingClientRect().height)")
        assert max(heights) <= 40, heights
        visible = page.eval_on_selector_all(
            "[data-testid=ticket-row]",
            "rows => rows.filter(r => r.getBoundingClientRect().bottom <= innerHeight).length")
        assert visible >= 18
        cell = page.locator("[data-testid=ticket-row] td.c-req").first
        assert cell.get_attribute("title") == "Peter Gibbons · Initech International Holdings and Subsidiaries"
        headers = page.eval_on_selector_all("#ticket-table thead th", "ths => ths.map(t => t.textContent.trim())")
        assert headers == ["", "#", "Requester", "Subject", "Status", "Priority", "Assignee", "SLA", "Updated"]
        expect(page.get_by_test_id("view-count-all")).to_have_text("30")
        expect(page.get_by_test_id("view-count-mine")).to_have_text("0")
    for size in (LAPTOP, PHONE):
        with signed_in(browser, live_server, agent.email, size) as page:
            page.goto(f"{live_server}/tickets")
            assert horizontal_overflow(page) == 0, size
            updated = page.locator("#ticket-table thead th").last
            assert updated.bounding_box()["x"] + updated.bounding_box()["width"] <= size["width"]
