"""API fixtures: a cookie-less client and bearer tokens per role."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import User
from tests.factories import make_user


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
