"""An admin without two-factor is sent to enrol first; the QR code shows under the CSP; codes then sign in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.factories import PASSWORD


@pytest.fixture()
def enforce(app: Flask) -> Iterator[None]:
    app.config["TWO_FACTOR_ENFORCE"] = True
    yield
    app.config["TWO_FACTOR_ENFORCE"] = False


def test_an_admin_enrols_before_anything_else(page: Any, live_server: str, make_staff: Callable[..., Any],
                                              enforce: None) -> None:
    admin = make_staff("admin", email="e2e-2fa-admin@example.com")
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/two-factor/setup")
    qr = page.get_by_test_id("two-factor-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("el => el.naturalWidth > 0", qr.element_handle())  # the data: SVG was allowed to load
    secret = page.get_by_test_id("two-factor-secret").inner_text()
    page.get_by_label("The 6-digit code the app shows").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.goto(f"{live_server}/users")
    expect(page.get_by_test_id("users-table")).to_be_visible()
    assert page.errors == []
