"""Creating a user through the UI, and the invited user setting a password from the email."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import login


def _create_user(page: Any, base: str, email: str, name: str, role: str) -> None:
    page.get_by_test_id("nav-users").click()
    page.wait_for_url(f"{base}/users")
    page.evaluate("window.__noReload = true")
    page.get_by_test_id("create-user-btn").click()
    form = page.get_by_test_id("create-user-form")
    form.wait_for(state="visible")
    page.get_by_test_id("user-email").fill(email)
    page.get_by_test_id("user-name").fill(name)
    page.get_by_test_id("user-role").select_option(role)
    page.get_by_test_id("submit-user").click()
    page.get_by_test_id("success-message").wait_for(state="visible")


def test_create_a_new_user_through_the_ui(page: Any, live_server: str, make_staff: Callable[..., Any]) -> None:
    admin = make_staff("admin", email="e2e-users-admin@example.com")
    login(page, live_server, admin.email)
    _create_user(page, live_server, "new.colleague@example.com", "New Colleague", "agent")
    assert "Invitation sent to new.colleague@example.com" in page.get_by_test_id("success-message").inner_text()
    table = page.get_by_test_id("users-table")
    row = table.locator("tr", has_text="new.colleague@example.com")
    row.wait_for(state="visible")
    assert "agent" in row.inner_text() and "invited" in row.inner_text()
    assert page.evaluate("window.__noReload === true")  # the row arrived without a full reload
    assert page.get_by_test_id("user-email").input_value() == ""
    # A duplicate is refused next to the field, with what was typed kept.
    page.get_by_test_id("user-email").fill("New.Colleague@example.com")
    page.get_by_test_id("user-name").fill("Someone Else")
    page.get_by_test_id("user-role").select_option("viewer")
    page.get_by_test_id("submit-user").click()
    page.get_by_text("A user with this email already exists.").wait_for(state="visible")
    assert page.get_by_test_id("user-name").input_value() == "Someone Else"
    assert page.errors == []


def test_active_search_keeps_the_view_in_the_url(
    page: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    admin = make_staff("admin", email="e2e-search-admin@example.com")
    make_staff("viewer", email="findable-person@example.com", name="Findable Person")
    login(page, live_server, admin.email)
    page.goto(f"{live_server}/users")
    page.get_by_label("Search name or email").fill("findable")
    page.wait_for_url(re.compile(r".*/users\?q=findable(&|$)"))
    rows = page.get_by_test_id("users-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    assert "findable-person@example.com" in rows.first.inner_text()
    page.go_back()
    page.wait_for_url(f"{live_server}/users")
    expect(page.get_by_test_id("users-table").locator("tbody tr")).to_have_count(2)
    assert page.errors == []


def test_an_invited_user_sets_a_password_from_the_email_and_signs_in(
    page: Any, app: Flask, live_server: str, make_staff: Callable[..., Any], mail_sink: list[Any],
    run_jobs: Callable[[], int],
) -> None:
    admin = make_staff("admin", email="e2e-invite-admin@example.com")
    previous = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server
    try:
        login(page, live_server, admin.email)
        _create_user(page, live_server, "invitee.e2e@example.com", "Ina Invitee", "viewer")
        with app.app_context():
            run_jobs()
    finally:
        app.config["PUBLIC_URL"] = previous
    mails = [m for m in mail_sink if m["To"] == "invitee.e2e@example.com"]
    assert len(mails) == 1
    text = mails[0].get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http://\S+/invitations/\S+)", text).group(1)  # type: ignore[union-attr]
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url(f"{live_server}/login")
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("viewer passphrase long enough")
    page.get_by_label("Repeat the new password").fill("viewer passphrase long enough")
    page.get_by_test_id("set-password").click()
    page.wait_for_url(f"{live_server}/login")
    login(page, live_server, "invitee.e2e@example.com", "viewer passphrase long enough")
    page.get_by_test_id("user-menu").click()
    assert "invitee.e2e@example.com" in page.get_by_text("invitee.e2e@example.com · viewer").inner_text()
    page.goto(link)
    assert page.get_by_test_id("link-invalid").is_visible()
    assert page.errors == []
