"""Working the queue without a mouse: the shortcuts, the skip link and focus after every swap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.workspace import DESKTOP, seed_tickets, signed_in


def _focused_row(page: Any) -> str | None:
    return page.evaluate("(document.activeElement.closest('tr[data-row]') || {}).dataset?.id || null")


def test_the_keyboard_walk_from_list_to_reply_assign_and_next(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    agent = make_staff("agent", email="e2e-keys@example.com", name="Keyboard Kate")
    seed_tickets(app, 4)
    with signed_in(browser, live_server, agent.email, DESKTOP) as page:
        page.goto(f"{live_server}/tickets")
        page.keyboard.press("?")
        expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.get_by_test_id("shortcuts")).to_be_hidden()

        page.keyboard.press("/")
        expect(page.get_by_test_id("ticket-search")).to_be_focused()
        with page.expect_response(lambda r: "q=floor" in r.url):
            page.keyboard.type("floor")
        page.wait_for_load_state("networkidle")
        ids = page.eval_on_selector_all("tr[data-row]", "rows => rows.map(r => r.dataset.id)")
        assert len(ids) == 4
        page.keyboard.press("Escape")  # leave the box; the letters are shortcuts again
        page.keyboard.press("j")
        page.keyboard.press("j")
        assert _focused_row(page) == ids[1]
        page.keyboard.press("x")
        expect(page.get_by_test_id("bulk-count")).to_have_text("1 selected")
        page.keyboard.press("x")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server}/tickets/{ids[1]}")

        page.keyboard.press("r")
        expect(page.get_by_test_id("comment-body")).to_be_focused()
        page.keyboard.type("Replacing the fuser now.")
        page.keyboard.press("Control+Enter")
        expect(page.get_by_test_id("public-reply")).to_contain_text("Replacing the fuser now.")
        focused = page.evaluate("document.activeElement.dataset.testid")
        assert focused == "public-reply"  # not <body>: on the message just sent

        page.keyboard.press("a")
        expect(page.get_by_test_id("current-assignee")).to_have_text("Keyboard Kate")
        expect(page.get_by_test_id("assign-me")).to_have_count(0)
        page.keyboard.press("]")
        expect(page).to_have_url(f"{live_server}/tickets/{ids[2]}")
        page.keyboard.press("[")
        expect(page).to_have_url(f"{live_server}/tickets/{ids[1]}")
        page.keyboard.press("n")
        page.keyboard.type("Fuser ordered.")
        page.keyboard.press("Control+Enter")
        expect(page.get_by_test_id("internal-note")).to_contain_text("Fuser ordered.")
        assert page.errors == []


def test_the_first_row_is_at_most_ten_tabs_from_the_top(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    admin = make_staff("admin", email="e2e-tabs@example.com")  # the longest sidebar
    seed_tickets(app, 3)
    with signed_in(browser, live_server, admin.email, DESKTOP) as page:
        page.goto(f"{live_server}/tickets")
        first = page.eval_on_selector("tr[data-row]", "r => r.dataset.id")
        tabs = 0
        while tabs < 10 and _focused_row(page) != first:
            page.keyboard.press("Tab")
            tabs += 1
            if page.evaluate("document.activeElement.dataset.skipTo") == "rows":
                page.keyboard.press("Enter")
        assert _focused_row(page) == first, tabs
        assert tabs <= 10
