"""GET /api/v1/users/<id>/explain: the permission check's answer, and who may ask."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_user
from tests.integration.api.conftest import Auth, assert_envelope


def test_it_explains_an_allowed_and_a_refused_action(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    headers = make_token("admin").headers
    agent = make_user(db_session, role_name="agent", permissions=["customers:update:9"])
    ok = api.get(f"/api/v1/users/{agent.id}/explain?permission=tickets:assign", headers=headers)
    assert ok.status_code == 200, ok.get_json()
    data = ok.get_json()["data"]
    assert data["allowed"] is True and data["matched"] == "tickets:assign" and data["kind"] == "exact"
    assert data["source"] == "role agent" and data["nearest"] == []
    scoped = api.get(f"/api/v1/users/{agent.id}/explain?permission=customers:update&resource=9",
                     headers=headers).get_json()["data"]
    assert scoped["allowed"] and scoped["kind"] == "resource" and scoped["source"] == "extra grant"
    no = api.get(f"/api/v1/users/{agent.id}/explain?permission=users:suspend", headers=headers).get_json()["data"]
    assert no["allowed"] is False and no["nearest"] == ["users:suspend", "users:*"]
    assert "admin" in no["granting_roles"] and "agent" not in no["granting_roles"] and "admin" in no["granters"]


def test_the_permission_matrix(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    target = make_user(db_session, role_name="viewer")
    url = f"/api/v1/users/{target.id}/explain?permission=tickets:read"
    assert api.get(url, headers=make_token("admin").headers).status_code == 200
    assert api.get(url, headers=make_token("manager").headers).status_code == 200
    refused = assert_envelope(api.get(url, headers=make_token("agent").headers), 403)
    assert refused["details"] == {"missing": ["users:read"]}
    assert_envelope(api.get(url), 401)


def test_bad_questions_are_422_and_unknown_users_404(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    headers = make_token("admin").headers
    me = make_token("viewer").user.id
    assert_envelope(api.get(f"/api/v1/users/{me}/explain?permission=tickets:fly", headers=headers), 422)
    assert_envelope(api.get(f"/api/v1/users/{me}/explain", headers=headers), 422)
    assert_envelope(api.get(f"/api/v1/users/{me}/explain?permission=tickets:read&resource=a:b",
                            headers=headers), 422)
    assert_envelope(api.get(f"/api/v1/users/{uuid.uuid4()}/explain?permission=tickets:read", headers=headers), 404)


def test_it_is_in_the_openapi_document(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    doc = api.get("/api/v1/openapi.json", headers=make_token("admin").headers).get_json()
    op = doc["paths"]["/users/{user_id}/explain"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"user_id", "permission", "resource"} <= names
