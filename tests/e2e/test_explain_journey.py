"""A refused action's 403 page names the missing grant; an admin asks the explainer why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import login


def test_the_403_page_names_the_missing_grant(page: Any, live_server: str, make_staff: Callable[..., Any]) -> None:
    agent = make_staff("agent", email="e2e-refused-agent@example.com")
    login(page, live_server, agent.email)
    resp = page.goto(f"{live_server}/users")
    assert resp.status == 403
    expect(page.get_by_test_id("missing-grant")).to_contain_text("You need users:read for this; ask an admin")
    assert page.errors == []


def test_an_admin_asks_why_a_user_cannot(page: Any, live_server: str, make_staff: Callable[..., Any]) -> None:
    admin = make_staff("admin", email="e2e-explain-admin@example.com")
    agent = make_staff("agent", email="e2e-explain-agent@example.com")
    login(page, live_server, admin.email)
    page.goto(f"{live_server}/users/{agent.id}")
    page.get_by_test_id("explain-form").get_by_label("Action").select_option("users:suspend")
    page.get_by_role("button", name="Explain").click()
    result = page.get_by_test_id("explain-result")
    expect(result.get_by_test_id("explain-verdict")).to_have_text("refused")
    expect(result).to_contain_text("Roles that allow it: admin.")
    page.get_by_test_id("explain-form").get_by_label("Action").select_option("tickets:assign")
    page.get_by_role("button", name="Explain").click()
    expect(result.get_by_test_id("explain-verdict")).to_have_text("allowed")
    expect(result.get_by_test_id("explain-matched")).to_have_text("tickets:assign")
    assert page.errors == []
