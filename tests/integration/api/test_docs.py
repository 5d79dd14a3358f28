"""The OpenAPI document and the staff docs page."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.api.endpoint import OPERATIONS
from tests.integration.api.conftest import Auth, assert_envelope


def test_the_document_lists_every_api_route(app: Flask, api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    doc = api.get("/api/v1/openapi.json", headers=make_token("viewer").headers).get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    routed = {
        (method, rule.rule.removeprefix("/api/v1").replace("<uuid:", "{").replace("<", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_json"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert routed == documented
    assert len(OPERATIONS) == len(documented)


def test_request_schemas_come_from_the_validating_models(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    doc = api.get("/api/v1/openapi.json", headers=make_token("viewer").headers).get_json()
    login = doc["components"]["schemas"]["LoginIn"]
    assert login["required"] == ["email", "password"]
    assert login["additionalProperties"] is False


def test_the_document_needs_a_token(api: FlaskClient) -> None:
    assert_envelope(api.get("/api/v1/openapi.json"), 401)


def test_staff_with_api_docs_see_the_docs_page(make_client: Callable[..., FlaskClient]) -> None:
    resp = make_client("admin").get("/docs/api")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<html" in html and "/auth/refresh" in html and "<script>" not in html


def test_the_docs_page_fragment_for_htmx(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/docs/api", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert "<html" not in resp.get_data(as_text=True)
    assert 'id="api-operations"' in resp.get_data(as_text=True)
    assert "HX-Request" in resp.headers["Vary"]


def test_the_docs_page_needs_the_permission(agent_client: FlaskClient, client: FlaskClient) -> None:
    assert agent_client.get("/docs/api").status_code == 403
    anonymous = client.get("/docs/api")
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]


def test_the_document_is_valid_openapi(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    doc = api.get("/api/v1/openapi.json", headers=make_token("viewer").headers).get_json()
    try:
        validate(doc)
    except OpenAPIValidationError as exc:
        raise AssertionError(f"{exc.message} at {'/'.join(map(str, exc.absolute_path))}") from None
