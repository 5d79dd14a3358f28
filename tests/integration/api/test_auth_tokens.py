"""API authentication: access tokens checked strictly, refresh tokens rotated with reuse detection."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import AuditRecord, RefreshToken
from app.services import tokens
from app.services.digests import digest
from tests.factories import PASSWORD, make_user
from tests.integration.api.conftest import Auth, assert_envelope


def _login(api: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return api.post("/api/v1/auth/login", json={"email": email, "password": password})


def _refresh(api: FlaskClient, token: str) -> Any:
    return api.post("/api/v1/auth/refresh", json={"refresh_token": token})


def _me(api: FlaskClient, token: str) -> Any:
    return api.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"})


def _settings(app: Flask) -> tokens.TokenSettings:
    from app.api.security import token_settings

    with app.test_request_context():
        return token_settings()


def _claims(user: Any, settings: tokens.TokenSettings, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": str(user.id), "email": user.email, "role": user.role_name, "permissions": ["*"],
              "iss": settings.issuer, "aud": settings.audience, "typ": "access", "iat": now, "exp": now + 600,
              "jti": uuid.uuid4().hex, "sv": user.session_version, "fid": str(uuid.uuid4())}
    claims.update(changes)
    return claims


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def test_it_logs_in_and_the_access_token_works(api: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session, role_name="agent")
    resp = _login(api, user.email)
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) >= {"access_token", "refresh_token", "expires_in"}
    assert body["expires_in"] == 900
    assert _me(api, body["access_token"]).status_code == 200
    stored = db_session.scalars(select(RefreshToken).where(RefreshToken.user_id == user.id)).all()
    assert [row.token_hash for row in stored] == [digest(body["refresh_token"])]
    assert body["refresh_token"] not in {row.token_hash for row in stored}


def test_it_refuses_a_wrong_password_with_the_envelope(api: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    error = assert_envelope(_login(api, user.email, "not the password"), 401)
    assert error["code"] == "invalid_credentials"


def test_it_throttles_like_the_sign_in_page_with_the_same_answer(api: FlaskClient, db_session: Session) -> None:
    from app.services import auth, login_throttle

    user = make_user(db_session)
    first = assert_envelope(_login(api, user.email, "wrong"), 401)["message"]
    for _ in range(login_throttle.FREE_ATTEMPTS - 1):
        _login(api, user.email, "wrong")
    # The right password too soon after the failures from this address: refused, and said the same way.
    assert assert_envelope(_login(api, user.email), 401)["message"] == first == auth.GENERIC_FAILURE


def _forge_none(user: Any, settings: tokens.TokenSettings) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(user, settings))}."


def _forge_hs512(user: Any, settings: tokens.TokenSettings) -> str:
    return jwt.encode(_claims(user, settings), settings.secret, algorithm="HS512")


def _forge_rs256_header(user: Any, settings: tokens.TokenSettings) -> str:
    good = jwt.encode(_claims(user, settings), settings.secret, algorithm="HS256")
    _, payload, signature = good.split(".")
    return f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{payload}.{signature}"


def _forge_bad_signature(user: Any, settings: tokens.TokenSettings) -> str:
    return jwt.encode(_claims(user, settings), "another-secret-that-is-long-enough-for-hs256", algorithm="HS256")


def _forge_expired(user: Any, settings: tokens.TokenSettings) -> str:
    past = int(time.time()) - 3600
    return jwt.encode(_claims(user, settings, iat=past - 900, exp=past), settings.secret, algorithm="HS256")


def _forge_wrong_audience(user: Any, settings: tokens.TokenSettings) -> str:
    return jwt.encode(_claims(user, settings, aud="someone-else"), settings.secret, algorithm="HS256")


def _forge_wrong_issuer(user: Any, settings: tokens.TokenSettings) -> str:
    return jwt.encode(_claims(user, settings, iss="https://evil.example"), settings.secret, algorithm="HS256")


def _forge_refresh_type(user: Any, settings: tokens.TokenSettings) -> str:
    return jwt.encode(_claims(user, settings, typ="refresh"), settings.secret, algorithm="HS256")


def _forge_not_yet_valid(user: Any, settings: tokens.TokenSettings) -> str:
    later = int(time.time()) + 3600
    return jwt.encode(_claims(user, settings, nbf=later), settings.secret, algorithm="HS256")


def _garbage(user: Any, settings: tokens.TokenSettings) -> str:
    return "not-a-jwt"


@pytest.mark.parametrize(
    "forge",
    [_forge_none, _forge_hs512, _forge_rs256_header, _forge_bad_signature, _forge_expired, _forge_wrong_audience,
     _forge_wrong_issuer, _forge_refresh_type, _forge_not_yet_valid, _garbage],
)
def test_it_refuses_forged_or_stale_access_tokens(
    api: FlaskClient, app: Flask, db_session: Session, forge: Callable[..., str]
) -> None:
    user = make_user(db_session, role_name="admin")
    settings = _settings(app)
    good = jwt.encode(_claims(user, settings), settings.secret, algorithm="HS256")
    assert _me(api, good).status_code == 200  # the same claims, properly signed, pass
    error = assert_envelope(_me(api, forge(user, settings)), 401)
    assert error["code"] == "invalid_token"


def test_a_refresh_token_is_not_an_access_token(api: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    body = _login(api, user.email).get_json()
    assert_envelope(_me(api, body["refresh_token"]), 401)


def test_no_token_gets_401_with_the_envelope(api: FlaskClient) -> None:
    resp = api.get("/api/v1/openapi.json")
    error = assert_envelope(resp, 401)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert error["code"] == "invalid_token"


def test_the_session_cookie_is_ignored(admin_client: FlaskClient) -> None:
    assert_envelope(admin_client.get("/api/v1/openapi.json"), 401)


def test_it_rotates_and_a_replayed_token_kills_the_family(api: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    r1 = _login(api, user.email).get_json()["refresh_token"]
    second = _refresh(api, r1)
    assert second.status_code == 200
    r2 = second.get_json()["refresh_token"]
    third = _refresh(api, r2)
    assert third.status_code == 200
    r3, access3 = third.get_json()["refresh_token"], third.get_json()["access_token"]
    assert len({r1, r2, r3}) == 3
    assert _me(api, access3).status_code == 200

    assert_envelope(_refresh(api, r1), 401)  # replay of R1
    assert_envelope(_refresh(api, r3), 401)  # the live successor died with its family
    assert_envelope(_me(api, access3), 401)  # and so did the family's access token
    actions = db_session.scalars(select(AuditRecord.action).where(AuditRecord.target_id == str(user.id))).all()
    assert "auth.refresh_reuse" in actions


def test_logout_revokes_the_family(api: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    body = _login(api, user.email).get_json()
    assert api.post("/api/v1/auth/logout", json={"refresh_token": body["refresh_token"]}).status_code == 204
    assert_envelope(_refresh(api, body["refresh_token"]), 401)
    assert_envelope(_me(api, body["access_token"]), 401)


def test_suspension_and_logout_everywhere_kill_tokens(api: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    body = _login(api, user.email).get_json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert api.post("/api/v1/auth/logout-everywhere", headers=headers).status_code == 204
    assert_envelope(_me(api, body["access_token"]), 401)
    assert_envelope(_refresh(api, body["refresh_token"]), 401)

    again = _login(api, user.email).get_json()
    user.status = "suspended"
    db_session.flush()
    assert_envelope(_me(api, again["access_token"]), 401)
    assert_envelope(_refresh(api, again["refresh_token"]), 401)


def test_an_expired_refresh_token_is_refused(api: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    raw = _login(api, user.email).get_json()["refresh_token"]
    row = db_session.get(RefreshToken, digest(raw))
    row.expires_at = row.issued_at
    db_session.flush()
    assert_envelope(_refresh(api, raw), 401)


def test_malformed_json_gets_400_and_missing_fields_422(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    bad = api.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert assert_envelope(bad, 400)["code"] == "malformed_json"
    missing = api.post("/api/v1/auth/login", json={"email": "a@example.com"})
    assert "password" in assert_envelope(missing, 422)["details"]
    wrong_type = api.post("/api/v1/auth/login", data="email=x", content_type="application/x-www-form-urlencoded")
    assert_envelope(wrong_type, 415)


def test_unknown_routes_and_methods_answer_in_json(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    assert_envelope(api.get("/api/v1/nothing-here"), 404)
    assert_envelope(api.get("/api/v1/auth/login"), 405)


def test_login_is_rate_limited_with_retry_after(api: FlaskClient, app: Flask) -> None:
    app.config["API_LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [_login(api, "nobody@example.com", "x").status_code for _ in range(4)]
        resp = _login(api, "nobody@example.com", "x")
    finally:
        app.config["API_LOGIN_RATE_LIMIT"] = "20 per minute"
    assert statuses[:3] == [401, 401, 401]
    assert_envelope(resp, 429)
    assert int(resp.headers["Retry-After"]) > 0


def test_requests_are_rate_limited_per_token(
    api: FlaskClient, app: Flask, make_token: Callable[..., Auth]
) -> None:
    first, second = make_token("admin"), make_token("admin")
    app.config["API_RATE_LIMIT"] = "2 per minute"
    try:
        assert [api.get("/api/v1/openapi.json", headers=first.headers).status_code for _ in range(2)] == [200, 200]
        limited = api.get("/api/v1/openapi.json", headers=first.headers)
        other = api.get("/api/v1/openapi.json", headers=second.headers)
    finally:
        app.config["API_RATE_LIMIT"] = "300 per minute"
    assert_envelope(limited, 429)
    assert "Retry-After" in limited.headers
    assert other.status_code == 200


def test_a_large_body_gets_413(api: FlaskClient, app: Flask) -> None:
    resp = api.post("/api/v1/auth/login", data=b"{" + b" " * (300 * 1024) + b"}", content_type="application/json")
    assert_envelope(resp, 413)


def test_no_raw_refresh_token_is_stored(api: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    raws = [_login(api, user.email).get_json()["refresh_token"] for _ in range(2)]
    raws.append(_refresh(api, raws[0]).get_json()["refresh_token"])
    dump = " ".join(str(row) for row in db_session.execute(text("SELECT * FROM refresh_tokens")).all())
    assert all(raw not in dump for raw in raws)
    assert all(digest(raw) in dump for raw in raws)


def test_the_family_expires_even_when_refreshed_every_day(api: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False) as clock:
        raw = _login(api, user.email).get_json()["refresh_token"]
        for _ in range(13):
            clock.shift(86400)
            resp = _refresh(api, raw)
            assert resp.status_code == 200
            raw = resp.get_json()["refresh_token"]
        clock.shift(86400 + 60)  # 14 days and a minute after the login
        assert_envelope(_refresh(api, raw), 401)


def test_an_idle_refresh_token_expires(api: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False) as clock:
        raw = _login(api, user.email).get_json()["refresh_token"]
        clock.shift(7 * 86400 + 60)
        assert_envelope(_refresh(api, raw), 401)


def test_requests_are_rate_limited_per_address(
    api: FlaskClient, app: Flask, make_token: Callable[..., Auth]
) -> None:
    tokens_ = [make_token("admin") for _ in range(3)]
    app.config["API_IP_RATE_LIMIT"] = "2 per minute"
    try:
        first = [api.get("/api/v1/openapi.json", headers=t.headers).status_code for t in tokens_[:2]]
        third = api.get("/api/v1/openapi.json", headers=tokens_[2].headers)
    finally:
        app.config["API_IP_RATE_LIMIT"] = "600 per minute"
    assert first == [200, 200]
    assert_envelope(third, 429)


def test_a_password_change_ends_api_tokens(api: FlaskClient, db_session: Session) -> None:
    from app.services import accounts
    from app.services.actor import Actor

    user = make_user(db_session)
    body = _login(api, user.email).get_json()
    new_password = "a completely different passphrase 42"
    accounts.change_password(db_session, Actor(id=user.id, label=user.email), user, PASSWORD, new_password,
                             new_password, keep_token="the-browser-session-that-stays")
    assert_envelope(_me(api, body["access_token"]), 401)
    assert_envelope(_refresh(api, body["refresh_token"]), 401)
    assert _login(api, user.email, new_password).status_code == 200
