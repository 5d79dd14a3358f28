"""An @mention in an internal note reaches the colleague: in the bell, and by email."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_ticket

pytestmark = pytest.mark.e2e


def test_an_agent_mentions_a_colleague_who_sees_it_and_gets_the_email(
    page: Any, live_server: str, make_staff: Callable[..., Any], app: Flask, mail_sink: list[Any],
    run_jobs: Callable[[], int],
) -> None:
    from app.extensions import db

    alma = make_staff("agent", email="e2e-alma@example.com", name="Alma Agent")
    bruno = make_staff("agent", email="e2e-bruno@example.com", name="Bruno Backup")
    with app.app_context():
        ticket = make_ticket(db.session, title="Invoices will not export")
        db.session.commit()
        ticket_id, number = ticket.id, ticket.number
    login(page, live_server, alma.email)
    page.goto(f"{live_server}/tickets/{ticket_id}")
    page.get_by_test_id("comment-body").fill("@Bruno Backup can you call them? <b>not bold</b>")
    page.get_by_test_id("add-note").click()
    note = page.get_by_test_id("internal-note")
    expect(note.get_by_test_id("mention")).to_have_text("@Bruno Backup")
    expect(note).to_contain_text("<b>not bold</b>")  # shown as text, never as markup
    with app.app_context():
        run_jobs()  # the note's event: the notification, and the email queued
        run_jobs()  # the email itself

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url(f"{live_server}/login")
    login(page, live_server, bruno.email)
    expect(page.get_by_test_id("notification-count")).to_have_text("1")
    page.get_by_test_id("notification-bell").click()
    page.wait_for_url(f"{live_server}/notifications")
    expect(page.get_by_test_id("notification")).to_have_count(1)
    expect(page.get_by_test_id("notification")).to_contain_text(
        f"Alma Agent mentioned you in a note on #{number} Invoices will not export")
    page.get_by_test_id("notification-link").click()
    page.wait_for_url(f"{live_server}/tickets/{ticket_id}")
    expect(page.get_by_test_id("mention")).to_have_text("@Bruno Backup")

    mails = [m for m in mail_sink if m["To"] == bruno.email]
    assert len(mails) == 1 and "mentioned you" in mails[0]["Subject"]
    assert f"/tickets/{ticket_id}" in mails[0].get_body(("plain",)).get_content()
    assert page.errors == []
