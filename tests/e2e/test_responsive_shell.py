"""The shell on a phone and on a desk: an off-canvas menu below 992 px, no page wider than the
screen, and the screenshots of the list, a ticket and the dashboard in both themes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.workspace import DESKTOP, PHONE, horizontal_overflow, screenshot, seed_tickets, signed_in

PAGES = ("/", "/tickets", "/tickets/new", "/customers", "/users", "/users/new", "/roles", "/audit",
         "/notifications", "/system", "/profile", "/reports", "/docs/api")


def test_the_menu_is_off_canvas_on_a_phone(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    agent = make_staff("agent", email="e2e-phone@example.com")
    with signed_in(browser, live_server, agent.email, PHONE) as page:
        page.goto(f"{live_server}/tickets")
        nav = page.locator("#sidebar")
        toggle = page.get_by_test_id("nav-toggle")
        expect(nav).to_be_hidden()
        assert page.locator("main").bounding_box()["width"] >= PHONE["width"] - 1  # the menu takes no width
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(nav).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.get_by_test_id("nav-dashboard")).to_be_focused()
        page.keyboard.press("Escape")
        expect(nav).to_be_hidden()
        expect(toggle).to_be_focused()
        toggle.click()
        page.get_by_test_id("nav-backdrop").click(position={"x": 370, "y": 400})
        expect(nav).to_be_hidden()
        toggle.click()
        page.get_by_test_id("nav-dashboard").click()
        expect(page).to_have_url(f"{live_server}/")
        expect(nav).to_be_hidden()
        assert page.errors == []


def test_no_page_is_wider_than_a_phone(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    admin = make_staff("admin", email="e2e-narrow@example.com")
    ticket = seed_tickets(app, 2)[0]
    with signed_in(browser, live_server, admin.email, PHONE) as page:
        for path in (*PAGES, f"/tickets/{ticket}", f"/users/{admin.id}"):
            page.goto(f"{live_server}{path}")
            page.wait_for_load_state("networkidle")
            assert horizontal_overflow(page) == 0, path


def test_screenshots_of_list_ticket_and_dashboard_in_both_themes(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    agent = make_staff("agent", email="e2e-screens@example.com", name="Milton Waddams")
    ticket = seed_tickets(app, 40, tags=["printer"])[-1]
    for theme in ("light", "dark"):
        for name, size in (("1440", DESKTOP), ("390", PHONE)):
            with signed_in(browser, live_server, agent.email, size, theme) as page:
                for screen, path in (("list", "/tickets"), ("ticket", f"/tickets/{ticket}"), ("dashboard", "/")):
                    page.goto(f"{live_server}{path}")
                    page.wait_for_load_state("networkidle")
                    assert page.evaluate("document.documentElement.dataset.bsTheme") == theme
                    assert horizontal_overflow(page) == 0, (theme, name, path)
                    screenshot(page, f"{screen}-{name}-{theme}")
                assert page.errors == []
