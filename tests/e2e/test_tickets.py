"""Browser journeys over tickets: create, converse, assign, change, bulk, conflicts, XSS, export."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_customer, make_ticket

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture()
def seed(app: Flask, e2e_db: None) -> Iterator[Callable[..., Any]]:
    """seed(kind, **fields) -> a committed customer or ticket (ids only, detached)."""
    from app.extensions import db

    def factory(kind: str, **fields: Any) -> Any:
        with app.app_context():
            obj = (make_customer if kind == "customer" else make_ticket)(db.session, **fields)
            db.session.commit()
            return obj.id

    yield factory


def test_an_agent_works_a_ticket_from_creation_to_solved(
    page: Any, live_server: str, make_staff: Callable[..., Any], seed: Callable[..., Any]
) -> None:
    agent = make_staff("agent", email="e2e-ticket-agent@example.com", name="Alma Agent")
    make_staff("agent", email="e2e-colleague@example.com", name="Cody Colleague")
    seed("customer", company_name="Umbrella Corp")
    login(page, live_server, agent.email)
    page.get_by_test_id("nav-tickets").click()
    page.get_by_test_id("new-ticket-btn").click()
    page.get_by_label("Customer", exact=True).select_option(label="Umbrella Corp")
    page.get_by_label("Title").fill("Cannot export invoices")
    page.get_by_label("Description").fill("The export button does nothing.")
    page.get_by_label("Priority").select_option("high")
    page.get_by_test_id("submit-ticket").click()
    expect(page.get_by_test_id("success-message")).to_be_visible()
    expect(page.get_by_test_id("ticket-title-heading")).to_contain_text("Cannot export invoices")

    page.get_by_test_id("comment-body").fill("We are looking into it.")
    page.get_by_test_id("send-reply").click()
    expect(page.get_by_test_id("public-reply")).to_contain_text("We are looking into it.")
    page.get_by_test_id("comment-body").fill("Probably the CSV worker again.")
    page.get_by_test_id("add-note").click()
    expect(page.get_by_test_id("internal-note")).to_contain_text("Probably the CSV worker again.")
    expect(page.get_by_test_id("internal-note")).to_contain_text("Internal note")

    page.get_by_test_id("assignee-search").fill("Cody")
    page.get_by_role("button", name="Assign to Cody Colleague").click()
    expect(page.get_by_test_id("current-assignee")).to_have_text("Cody Colleague")

    # Wait for the change's own response: an earlier toast may still be on screen.
    with page.expect_response(lambda r: r.url.endswith("/fields") and r.request.method == "POST") as saved:
        page.get_by_test_id("field-status").select_option("solved")
    assert saved.value.ok
    page.reload()
    expect(page.get_by_test_id("field-status")).to_have_value("solved")
    expect(page.get_by_test_id("timeline")).to_contain_text("status open → solved")
    assert page.errors == []


def test_bulk_change_of_status(
    page: Any, live_server: str, make_staff: Callable[..., Any], seed: Callable[..., Any]
) -> None:
    agent = make_staff("agent", email="e2e-bulk@example.com")
    customer = seed("customer")
    for i in range(4):
        seed("ticket", customer_id=customer, title=f"Bulk candidate {i}")
    login(page, live_server, agent.email)
    confirms: list[str] = []
    page.on("dialog", lambda d: (confirms.append(d.message), d.accept()))
    page.goto(f"{live_server}/tickets?sort=number")
    boxes = page.locator("#ticket-table .row-check")
    boxes.nth(0).check()
    boxes.nth(1).check()
    boxes.nth(2).check()
    page.get_by_test_id("bulk-action").select_option("status:pending")
    page.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("success-message")).to_contain_text("3 tickets changed")
    assert confirms == ["Set status to pending — apply to 3 tickets?"]
    expect(page.locator("#ticket-table .status-pending")).to_have_count(3)
    expect(page.locator("#ticket-table .status-open")).to_have_count(1)

    page.get_by_test_id("filter-status").select_option("pending")
    expect(page.get_by_test_id("ticket-row")).to_have_count(3)
    assert "status=pending" in page.url  # the URL holds the view
    page.get_by_test_id("ticket-search").fill("candidate 2")
    expect(page.get_by_test_id("ticket-row")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=candidate"))
    page.reload()
    expect(page.get_by_test_id("ticket-row")).to_have_count(1)
    expect(page.get_by_test_id("ticket-search")).to_have_value("candidate 2")
    assert page.errors == []


def test_two_agents_edit_the_same_ticket_and_the_second_sees_the_conflict(
    page: Any, browser: Any, live_server: str, make_staff: Callable[..., Any], seed: Callable[..., Any]
) -> None:
    first = make_staff("agent", email="e2e-first@example.com", name="First Agent")
    second = make_staff("agent", email="e2e-second@example.com", name="Second Agent")
    ticket = seed("ticket", title="Contested ticket")
    other_ctx = browser.new_context()
    other = other_ctx.new_page()
    try:
        login(page, live_server, first.email)
        login(other, live_server, second.email)
        page.goto(f"{live_server}/tickets/{ticket}")
        other.goto(f"{live_server}/tickets/{ticket}")
        page.reload()
        expect(page.get_by_test_id("presence")).to_contain_text("Second Agent")

        page.get_by_test_id("field-status").select_option("pending")
        expect(page.get_by_test_id("timeline")).to_contain_text("status open → pending")
        other.get_by_test_id("field-priority").select_option("urgent")
        conflict = other.get_by_test_id("conflict-message")
        expect(conflict).to_contain_text("e2e-first@example.com changed status from open to pending")
        expect(other.get_by_test_id("conflict-reapply")).to_be_visible()

        other.get_by_test_id("conflict-reload").click()
        expect(other.get_by_test_id("field-status")).to_have_value("pending")
        expect(other.get_by_test_id("field-priority")).to_have_value("medium")
    finally:
        other_ctx.close()


def test_a_hostile_title_shows_as_text(
    page: Any, live_server: str, make_staff: Callable[..., Any], seed: Callable[..., Any]
) -> None:
    agent = make_staff("agent", email="e2e-xss@example.com")
    ticket = seed("ticket", title=XSS)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, live_server, agent.email)
    page.goto(f"{live_server}/tickets")
    expect(page.get_by_test_id("ticket-link").first).to_have_text(XSS)
    page.goto(f"{live_server}/tickets/{ticket}")
    expect(page.get_by_test_id("ticket-title-heading")).to_contain_text(XSS)
    page.goto(f"{live_server}/tickets?q=img")
    page.wait_for_timeout(300)
    assert dialogs == [] and page.locator("img[src=x]").count() == 0


def test_export_shows_progress_then_downloads(
    app: Flask, page: Any, live_server: str, make_staff: Callable[..., Any], seed: Callable[..., Any],
    run_jobs: Callable[[], int], tmp_path: Any,
) -> None:
    agent = make_staff("agent", email="e2e-export@example.com")
    customer = seed("customer", company_name="Export Co")
    for i in range(3):
        seed("ticket", customer_id=customer, title=f"Exported {i}", priority="high")
    app.config["EXPORT_FOLDER"] = str(tmp_path)
    try:
        login(page, live_server, agent.email)
        page.goto(f"{live_server}/tickets?priority=high")
        page.get_by_test_id("export-btn").click()
        expect(page.get_by_test_id("export-progress")).to_be_visible()
        with app.app_context():
            run_jobs()
        link = page.get_by_test_id("export-download")
        expect(link).to_be_visible(timeout=5000)
        with page.expect_download() as info:
            link.click()
        content = open(info.value.path(), encoding="utf-8").read()
        assert content.startswith("number,title") and content.count("Exported") == 3
    finally:
        app.config.pop("EXPORT_FOLDER", None)
    assert page.errors == []
