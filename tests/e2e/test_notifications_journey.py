from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from app.services import notifications
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_the_bell_leads_to_notifications_that_can_be_marked_read(
    page: Any, live_server: str, make_staff: Callable[..., Any], app: Flask
) -> None:
    from app.extensions import db

    agent = make_staff("agent", email="e2e-bell@example.com")
    with app.app_context():
        for i in (1, 2):
            notifications.notify(db.session, agent.id, "ticket.assigned", f"Ticket #{i} was assigned to you.",
                                 f"/tickets/t{i}")
        db.session.commit()
    login(page, live_server, agent.email)
    expect(page.get_by_test_id("notification-count")).to_have_text("2")
    page.get_by_test_id("notification-bell").click()
    page.wait_for_url(f"{live_server}/notifications")
    expect(page.get_by_test_id("notification")).to_have_count(2)
    expect(page.get_by_test_id("notification-link").first).to_have_attribute("href", "/tickets/t2")
    page.get_by_test_id("mark-read").first.click()
    expect(page.get_by_test_id("notification-count")).to_have_text("1")  # the bell, swapped out of band
    page.get_by_test_id("mark-all-read").click()
    expect(page.get_by_test_id("notification-count")).to_have_count(0)
    expect(page.get_by_test_id("success-message").last).to_contain_text("Marked 1 as read")
    page.get_by_label("A ticket was assigned to me: by email").select_option("daily")
    page.get_by_label("My time zone").select_option("Europe/Lisbon")
    page.get_by_label("Hold emails during quiet hours").check()
    page.get_by_test_id("save-preferences").click()
    expect(page.get_by_test_id("success-message").last).to_contain_text("Notification settings saved")
    page.reload()
    expect(page.get_by_label("A ticket was assigned to me: by email")).to_have_value("daily")
    expect(page.get_by_label("My time zone")).to_have_value("Europe/Lisbon")
    expect(page.get_by_label("Hold emails during quiet hours")).to_be_checked()
    assert page.errors == []
