"""API fixtures: a cookie-less client and bearer tokens per role."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app.models import User
from tests.factories import make_user

# The roles that work tickets (200) and those that may only look or not at all (403), for permission matrices.
AGENT_WORK = [("admin", 200), ("manager", 200), ("agent", 200), ("viewer", 403), ("nobody", 403)]


@dataclass
class Auth:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture()
def api(app: Flask) -> FlaskClient:
    """A client with no cookies: the API must work (and refuse) on the bearer token alone."""
    return FlaskClient(app, app.response_class, use_cookies=False)


@pytest.fixture()
def make_token(app: Flask, db_session: Session) -> Callable[..., Auth]:
    """make_token(role, **user_fields) -> Auth for a new user of that role (access token only)."""
    from app.api.security import token_settings
    from app.services import tokens

    def factory(role: str = "admin", **fields: Any) -> Auth:
        user = make_user(db_session, role_name=role, **fields)
        with app.test_request_context():
            token = tokens.issue_access(user, uuid.uuid4(), token_settings())
        return Auth(user, token)

    return factory


def assert_envelope(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    assert resp.is_json, resp.headers.get("Content-Type")
    error = resp.get_json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert "Traceback" not in resp.get_data(as_text=True)
    return error


@pytest.fixture()
def live_api(app: Flask, committed_db: Session) -> Iterator[str]:
    """The app on a real threaded HTTP server (real commits): for concurrency and schemathesis."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def http(method: str, url: str, body: dict[str, Any] | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """One plain HTTP request; (status, JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,  # noqa: S310 - loopback test server
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
