"""Browser tests: a live server in a thread and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import truncate_all
from tests.factories import PASSWORD, make_user

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Chromium not found: install Debian's chromium or set CHROMIUM_PATH")
    return path


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    app.config["RATELIMIT_ENABLED"] = False
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture()
def page(browser: Any, request: pytest.FixtureRequest, e2e_db: None) -> Iterator[Any]:
    # Depends on e2e_db so the browser (and its polling) is gone before the tables are emptied.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    pg.errors = errors
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(autouse=True)
def _sign_ins_unlimited(app: Flask) -> Iterator[None]:
    """Journeys sign in from 127.0.0.1 many times a minute: the per-address sign-in limit (read per
    request from LOGIN_RATE_LIMIT; RATELIMIT_ENABLED only counts at start) is lifted while one runs."""
    before = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"
    yield
    app.config["LOGIN_RATE_LIMIT"] = before


@pytest.fixture()
def e2e_db(app: Flask) -> Iterator[None]:
    yield
    truncate_all(app)


@pytest.fixture()
def make_staff(app: Flask, e2e_db: None) -> Callable[..., Any]:
    """make_staff(role="admin", **fields) -> a committed user whose password is PASSWORD."""
    from app.extensions import db

    def factory(role: str = "admin", **fields: Any) -> Any:
        with app.app_context():
            user = make_user(db.session, role_name=role, **fields)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


def login(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
