"""The precomputed security headers are the ones Flask-Talisman sets with the same settings."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_talisman import Talisman

from app import security_headers

NAMES = ("Permissions-Policy", "X-Frame-Options", "X-Content-Type-Options", "Content-Security-Policy",
         "Referrer-Policy", "Strict-Transport-Security", "X-XSS-Protection")


def _talisman_app(production: bool) -> Flask:
    app = Flask("talisman")
    Talisman(app, force_https=False, strict_transport_security=production,
             strict_transport_security_max_age=31536000, strict_transport_security_include_subdomains=True,
             session_cookie_secure=production, content_security_policy=security_headers.CSP,
             frame_options="DENY", referrer_policy="strict-origin-when-cross-origin",
             permissions_policy=security_headers.PERMISSIONS_POLICY)
    app.add_url_rule("/", "index", lambda: "ok")
    return app


def _ours(production: bool) -> Flask:
    app = Flask("ours")
    app.config["ENV"] = "production" if production else "test"
    security_headers.init_app(app)
    app.add_url_rule("/", "index", lambda: "ok")
    return app


@pytest.mark.parametrize("production", [True, False])
@pytest.mark.parametrize("base_url,forwarded", [("http://localhost", None), ("https://localhost", None),
                                                ("http://localhost", "https")])
def test_every_header_is_the_one_talisman_sets(production: bool, base_url: str, forwarded: str | None) -> None:
    headers = {"X-Forwarded-Proto": forwarded} if forwarded else {}
    theirs = _talisman_app(production).test_client().get("/", base_url=base_url, headers=headers).headers
    ours = _ours(production).test_client().get("/", base_url=base_url, headers=headers).headers
    assert {n: ours.get(n) for n in NAMES} == {n: theirs.get(n) for n in NAMES}
    assert ours.get("Content-Security-Policy")


def test_production_session_cookies_are_secure_http_only_and_lax() -> None:
    app = _ours(True)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
