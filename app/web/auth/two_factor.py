"""Two-factor sign-in pages: the code step after the password, enrolment, the forced redirect, admin reset."""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from app.auth.permissions import login_only, public, require
from app.extensions import db_session, limiter
from app.models import User
from app.services import two_factor
from app.services.errors import Invalid
from app.web.auth import bp
from app.web.context import current_actor
from app.web.htmx import render

PENDING = "two_factor_pending"
PENDING_SECONDS = 300  # the code step must follow the password within 5 minutes
DEVICE_COOKIE = "backoffice_2fa_device"
# Pages a user who must enrol may still reach.
OPEN_ENDPOINTS = {"auth.two_factor_setup", "auth.two_factor_confirm", "auth.logout", "static"}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="two-factor-device")


def _device_token(user: User) -> str | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        uid, token = _serializer().loads(raw, max_age=two_factor.REMEMBER_DAYS * 86400)
    except (BadSignature, ValueError):
        return None
    return token if uid == str(user.id) else None


def challenge(user: User, next_url: str | None) -> Response | None:
    """Called by the login view after the password: None when no code is needed, else the code step."""
    if not two_factor.is_enrolled(db_session(), user):
        return None
    if two_factor.is_remembered(db_session(), user, _device_token(user)):
        return None
    session.clear()
    session[PENDING] = {"user_id": str(user.id), "next": next_url or "", "at": time.time()}
    return redirect(url_for("auth.two_factor_code"), code=303)


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return db_session().get(User, uuid.UUID(pending["user_id"]))


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login/two-factor", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def two_factor_code() -> Any:
    from app.web.auth.views import finish_login

    user = _pending_user()
    if user is None or user.status != "active":
        flash("Sign in again.", "info")
        return redirect(url_for("auth.login"), code=303)
    if request.method == "GET":
        return render("auth/two_factor_code.html", error=None)
    if not two_factor.verify(db_session(), current_actor(), user, request.form.get("code", "")):
        return render("auth/two_factor_code.html", error="That code does not work. Try the next one.", status=401)
    next_url = session.get(PENDING, {}).get("next")
    resp = finish_login(user, next_url)
    if request.form.get("remember") == "1":
        token = two_factor.remember_device(db_session(), user, request.user_agent.string)
        resp.set_cookie(DEVICE_COOKIE, _serializer().dumps([str(user.id), token]),
                        max_age=two_factor.REMEMBER_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return resp


@bp.get("/two-factor/setup")
@login_only
def two_factor_setup() -> Any:
    if two_factor.is_enrolled(db_session(), current_user):
        flash("Two-factor sign-in is already on.", "info")
        return redirect(url_for("auth.profile"), code=303)
    return render("auth/two_factor_setup.html", enrolment=two_factor.begin_enrolment(db_session(), current_user),
                  error=None, codes=None)


@bp.post("/two-factor/setup")
@login_only
def two_factor_confirm() -> Any:
    try:
        codes = two_factor.confirm_enrolment(db_session(), current_actor(), current_user, request.form.get("code", ""))
    except Invalid as exc:
        row = two_factor.state(db_session(), current_user)
        enrolment = two_factor.enrolment(row, current_user) if row and row.enabled_at is None else None
        if enrolment is None:
            return redirect(url_for("auth.two_factor_setup"), code=303)
        return render("auth/two_factor_setup.html", enrolment=enrolment, error=exc.message, codes=None, status=422)
    return render("auth/two_factor_setup.html", enrolment=None, error=None, codes=codes)


@bp.post("/users/<uuid:user_id>/two-factor/reset")
@require("users:update")
def reset_two_factor(user_id: uuid.UUID) -> Any:
    user = two_factor.reset(db_session(), current_actor(), user_id)
    flash(f"Two-factor sign-in reset for {user.email}; they set it up again at their next sign-in.", "success")
    return redirect(url_for("users.show", user_id=user_id), code=303)


@bp.before_app_request
def _enrol_first() -> Any:
    """A member of a role that requires two-factor and has none set up is sent to enrol before anything else."""
    if not current_app.config["TWO_FACTOR_ENFORCE"] or request.path.startswith("/api/"):
        return None
    if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None or not current_user.is_authenticated:
        return None
    if g.get("two_factor_checked"):
        return None
    g.two_factor_checked = True
    if two_factor.is_required(current_user) and not _enrolled(current_user):
        flash("Your role requires two-factor sign-in. Set it up to continue.", "warning")
        return redirect(url_for("auth.two_factor_setup"), code=303)
    return None


def _enrolled(user: Any) -> bool:
    # The session loader read it with the session (Principal.two_factor_enabled): no query here.
    known = getattr(user, "two_factor_enabled", None)
    return known if isinstance(known, bool) else two_factor.is_enrolled(db_session(), user)
