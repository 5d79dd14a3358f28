"""D1: the route inventory. Every endpoint declares who may use it, and it holds."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from app.models import Role

PUBLIC = {"public"}


def _rules(app: Flask) -> Iterator[Rule]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            yield rule


def _url(rule: Rule) -> str:
    values = {arg: str(uuid.uuid4()) for arg in rule.arguments}
    for arg, conv in rule._converters.items():  # noqa: SLF001
        if type(conv).__name__ in ("IntegerConverter",):
            values[arg] = "999999"
    return rule.build(values, append_unknown=False)[1]


def _method(rule: Rule) -> str:
    methods = rule.methods or {"GET"}
    return "GET" if "GET" in methods else sorted(methods - {"HEAD", "OPTIONS"})[0]


def test_every_endpoint_declares_a_permission(app: Flask) -> None:
    undeclared = [
        rule.endpoint for rule in _rules(app)
        if not getattr(app.view_functions[rule.endpoint], "required_permission", None)
    ]
    assert undeclared == []


def test_anonymous_users_are_sent_to_login_or_get_401(app: Flask, client: FlaskClient) -> None:
    for rule in _rules(app):
        if app.view_functions[rule.endpoint].required_permission in PUBLIC:
            continue
        url, method = _url(rule), _method(rule)
        resp = client.open(url, method=method)
        if url.startswith("/api/"):
            assert resp.status_code == 401, (rule.endpoint, resp.status_code)
            assert resp.is_json and "error" in resp.get_json()
        else:
            assert resp.status_code in (302, 303), (rule.endpoint, resp.status_code)
            assert "/login" in resp.headers["Location"], rule.endpoint


def test_a_user_without_the_permission_gets_403(
    app: Flask, db_session: object, make_client: Callable[..., FlaskClient]
) -> None:
    db_session.add(Role(name="nobody", description="no permissions", permissions=[]))  # type: ignore[attr-defined]
    db_session.flush()  # type: ignore[attr-defined]
    client = make_client("nobody")
    checked = 0
    for rule in _rules(app):
        perm = app.view_functions[rule.endpoint].required_permission
        if perm in PUBLIC or perm == "authenticated" or rule.endpoint.startswith("api"):
            continue
        resp = client.open(_url(rule), method=_method(rule))
        assert resp.status_code == 403, (rule.endpoint, resp.status_code)
        checked += 1
    assert checked >= 8


def test_every_unsafe_route_refuses_a_missing_or_wrong_csrf_token(
    app: Flask, admin_client: FlaskClient
) -> None:
    checked = 0
    for rule in _rules(app):
        unsafe = (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
        if not unsafe or rule.rule.startswith("/api/"):
            continue
        for method in unsafe:
            missing = admin_client.open(_url(rule), method=method, csrf=False)
            assert missing.status_code == 400, (rule.endpoint, missing.status_code)
            wrong = admin_client.open(_url(rule), method=method, csrf=False, headers={"X-CSRFToken": "forged"})
            assert wrong.status_code == 400, (rule.endpoint, wrong.status_code)
            checked += 1
    assert checked >= 1


@pytest.mark.parametrize("path", ["/", "/login"])
def test_pages_carry_the_security_headers(admin_client: FlaskClient, path: str) -> None:
    resp = admin_client.get(path, follow_redirects=False)
    csp = resp.headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "charset=utf-8" in resp.headers["Content-Type"]


def test_signed_in_pages_are_not_cached(admin_client: FlaskClient) -> None:
    assert admin_client.get("/").headers["Cache-Control"] == "no-store"
