"""Helpers for the agent-workspace browser tests: seeded tickets, sized pages, screenshots."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from tests.e2e.conftest import ARTIFACTS, login
from tests.factories import make_customer, make_ticket

SCREENS = ARTIFACTS / "screens"
DESKTOP = {"width": 1440, "height": 900}
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def seed_tickets(app: Flask, count: int, **fields: Any) -> list[str]:
    """`count` committed tickets of one customer, returned as ids (oldest first)."""
    from app.extensions import db

    with app.app_context():
        customer = make_customer(db.session, company_name="Initech International Holdings and Subsidiaries",
                                 contact_name="Peter Gibbons")
        ids = [str(make_ticket(db.session, customer_id=customer.id, title=f"Printer on floor {i} jams on every "
                               f"second page of long reports", **fields).id) for i in range(count)]
        db.session.commit()
    return ids


@contextmanager
def signed_in(browser: Any, base: str, email: str, viewport: dict[str, int], theme: str = "light") -> Iterator[Any]:
    """A fresh browser context of that size and theme, signed in as `email`."""
    context = browser.new_context(viewport=viewport, color_scheme=theme)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.errors = errors
    try:
        login(page, base, email)
        yield page
    finally:
        context.close()


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def screenshot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"))


def dialogs_of(page: Any) -> list[str]:
    """Every dialog the page opens, accepted, in order."""
    seen: list[str] = []
    page.on("dialog", lambda d: (seen.append(d.message), d.accept()))
    return seen


Seeder = Callable[..., list[str]]
