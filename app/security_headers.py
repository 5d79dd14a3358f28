"""Security headers and the Content Security Policy, built once when the app starts.

The same headers Flask-Talisman set (the values are identical; tests/unit/test_security_headers.py
compares them with Talisman's), without its per-request work: Talisman re-parsed the policy and
looked up per-view options on every response. No view has options of its own and no nonce is used
(the CSP allows no inline script at all), so one precomputed list serves every response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Flask, Response, request

CSP: dict[str, str | list[str]] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {"geolocation": "()", "camera": "()", "microphone": "()"}
HSTS = "max-age=31536000; includeSubDomains"
REFERRER_POLICY = "strict-origin-when-cross-origin"


def csp_value(policy: Mapping[str, str | Sequence[str]]) -> str:
    return "; ".join(f"{name} {value if isinstance(value, str) else ' '.join(value)}"
                     for name, value in policy.items())


def headers() -> list[tuple[str, str]]:
    """The headers every response carries, in the order Talisman set them."""
    return [
        ("Permissions-Policy", ", ".join(f"{k}={v}" for k, v in PERMISSIONS_POLICY.items())),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", csp_value(CSP)),
        ("Referrer-Policy", REFERRER_POLICY),
    ]


def init_app(app: Flask) -> None:
    production = app.config["ENV"] == "production"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if production and not app.debug:
        app.config["SESSION_COOKIE_SECURE"] = True
    fixed = headers()

    @app.after_request
    def _security_headers(resp: Response) -> Response:
        target = resp.headers
        for name, value in fixed:
            target[name] = value
        # HSTS only over https (TLS ends at the proxy, which says so in X-Forwarded-Proto).
        if production and (request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"):
            target["Strict-Transport-Security"] = HSTS
        return resp

    app.extensions["security_headers"] = fixed

