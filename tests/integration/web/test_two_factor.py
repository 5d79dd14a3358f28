"""Two-factor sign-in: enrolment, the code step, recovery codes, remembered devices, admin reset."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, RecoveryCode, RememberedDevice, TwoFactor, User
from app.models.base import utcnow
from app.services import two_factor
from app.services.actor import Actor
from tests.factories import PASSWORD, make_user


def _csrf(client: FlaskClient, url: str) -> str:
    page = client.get(url)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def _login(client: FlaskClient, email: str) -> object:
    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": _csrf(client, "/login")})


def _code_step(client: FlaskClient, code: str, remember: bool = False) -> object:
    data = {"code": code, "csrf_token": _csrf(client, "/login/two-factor")}
    if remember:
        data["remember"] = "1"
    return client.post("/login/two-factor", data=data)


def enrol(session: Session, user: User) -> tuple[str, list[str]]:
    """Through the service, as the set-up page does; returns the secret and the recovery codes."""
    secret = two_factor.begin_enrolment(session, user).secret
    codes = two_factor.confirm_enrolment(session, Actor.system(), user, pyotp.TOTP(secret).at(time.time() - 30))
    return secret, codes


@pytest.fixture()
def enforce(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "TWO_FACTOR_ENFORCE", True)


def test_an_admin_without_two_factor_is_sent_to_enrol_first(
    enforce: None, make_client: Callable[..., FlaskClient]
) -> None:
    admin = make_client("admin")
    for url in ("/", "/users", "/profile"):
        resp = admin.get(url)
        assert resp.status_code == 303 and resp.headers["Location"] == "/two-factor/setup", url
    page = admin.get("/two-factor/setup").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page and 'data-testid="two-factor-secret"' in page
    assert make_client("agent").get("/").status_code == 200  # agents' role does not require it


def test_enrolment_shows_recovery_codes_once_and_stores_them_hashed(
    enforce: None, make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    admin = make_client("admin")
    page = admin.get("/two-factor/setup").get_data(as_text=True)
    secret = re.search(r'data-testid="two-factor-secret">([A-Z2-7]+)<', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    wrong = admin.post("/two-factor/setup", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    ok = admin.post("/two-factor/setup", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    body = ok.get_data(as_text=True)
    codes = re.findall(r"<li>([0-9a-f]{8}-[0-9a-f]{8})</li>", body)
    assert ok.status_code == 200 and len(codes) == 10
    user = admin.user  # type: ignore[attr-defined]
    stored = set(db_session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert len(stored) == 10 and not any(c in stored or c.replace("-", "") in stored for c in codes)
    assert db_session.get(TwoFactor, user.id).enabled_at is not None
    assert admin.get("/").status_code == 200
    assert admin.get("/two-factor/setup").status_code == 303  # never shown again
    actions = db_session.scalars(select(AuditRecord.action).where(AuditRecord.target_id == str(user.id)))
    assert "user.two_factor_enabled" in list(actions)


def test_sign_in_asks_for_the_code_and_a_code_works_once(client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session, role_name="admin")
    secret, _ = enrol(db_session, user)
    resp = _login(client, user.email)
    assert resp.status_code == 303 and resp.headers["Location"] == "/login/two-factor"
    assert client.get("/").status_code == 302  # not signed in yet
    assert _code_step(client, "123456").status_code == 401
    code = pyotp.TOTP(secret).now()
    done = _code_step(client, code)
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/logout")
    _login(client, user.email)
    assert _code_step(client, code).status_code == 401  # the same code again: refused


def test_a_recovery_code_signs_in_once(client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session, role_name="admin")
    _, codes = enrol(db_session, user)
    _login(client, user.email)
    assert _code_step(client, codes[0].upper()).status_code == 303
    assert two_factor.unused_recovery_codes(db_session, user) == 9
    client.post("/logout")
    _login(client, user.email)
    assert _code_step(client, codes[0]).status_code == 401


def test_a_remembered_device_skips_the_code_for_30_days(app: Flask, client: FlaskClient,
                                                         db_session: Session) -> None:
    user = make_user(db_session, role_name="admin")
    secret, _ = enrol(db_session, user)
    _login(client, user.email)
    assert _code_step(client, pyotp.TOTP(secret).now(), remember=True).status_code == 303
    cookie = client.get_cookie("backoffice_2fa_device")
    assert cookie is not None and cookie.max_age == 30 * 86400 and cookie.http_only
    device = db_session.scalar(select(RememberedDevice).where(RememberedDevice.user_id == user.id))
    assert device is not None and (device.expires_at - device.created_at).days == 30
    token = two_factor.remember_device(db_session, user, "pytest")
    assert two_factor.is_remembered(db_session, user, token, device.created_at + timedelta(days=29))
    assert not two_factor.is_remembered(db_session, user, token, utcnow() + timedelta(days=31))
    client.post("/logout")
    again = _login(client, user.email)
    assert again.status_code == 303 and again.headers["Location"] == "/"
    # A forged cookie is worth nothing.
    other = app.test_client()
    other.set_cookie("backoffice_2fa_device", cookie.value[:-2] + "xx")
    assert _login(other, user.email).headers["Location"] == "/login/two-factor"


def test_another_admin_resets_two_factor_and_it_is_audited(
    make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    target = make_user(db_session, role_name="admin")
    enrol(db_session, target)
    admin = make_client("admin")
    assert "Reset" in admin.get(f"/users/{target.id}").get_data(as_text=True)
    assert make_client("agent").post(f"/users/{target.id}/two-factor/reset").status_code == 403
    resp = admin.post(f"/users/{target.id}/two-factor/reset")
    assert resp.status_code == 303
    assert db_session.get(TwoFactor, target.id) is None
    assert not db_session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == target.id)).all()
    record = db_session.scalar(select(AuditRecord).where(AuditRecord.action == "user.two_factor_reset"))
    assert record is not None and record.target_id == str(target.id)


def test_nobody_resets_their_own_two_factor(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    admin = make_client("admin")
    enrol(db_session, admin.user)  # type: ignore[attr-defined]
    assert admin.post(f"/users/{admin.user.id}/two-factor/reset").status_code == 403  # type: ignore[attr-defined]
    assert db_session.get(TwoFactor, admin.user.id) is not None  # type: ignore[attr-defined]


def test_api_login_needs_the_code_when_the_user_has_two_factor(app: Flask, db_session: Session) -> None:
    api = FlaskClient(app, app.response_class, use_cookies=False)
    user = make_user(db_session, role_name="admin")
    secret, _ = enrol(db_session, user)
    body = {"email": user.email, "password": PASSWORD}
    missing = api.post("/api/v1/auth/login", json=body)
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "two_factor_required"
    assert api.post("/api/v1/auth/login", json={**body, "otp": "000000"}).status_code == 401
    ok = api.post("/api/v1/auth/login", json={**body, "otp": pyotp.TOTP(secret).now()})
    assert ok.status_code == 200 and "access_token" in ok.get_json()
    plain = make_user(db_session, role_name="agent")
    assert api.post("/api/v1/auth/login", json={"email": plain.email, "password": PASSWORD}).status_code == 200


def test_an_admin_marks_a_role_as_requiring_two_factor(
    enforce: None, make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    from app.models import Role

    admin = make_client("admin")
    enrol(db_session, admin.user)  # type: ignore[attr-defined]
    role = db_session.scalar(select(Role).where(Role.name == "agent"))
    assert role.requires_two_factor is False
    data = {"perms": list(role.permissions), "description": role.description, "two_factor_shown": "1",
            "requires_two_factor": "1"}
    assert admin.post(f"/roles/{role.id}", data=data).status_code == 303
    db_session.refresh(role)
    assert role.requires_two_factor is True
    assert make_client("agent").get("/tickets").headers["Location"] == "/two-factor/setup"
