from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from app.auth.permissions import login_only, public
from app.extensions import db_session, limiter
from app.models import User
from app.services import auth
from app.web.auth import bp, two_factor
from app.web.auth.forms import LoginForm
from app.web.context import client_ip, current_actor
from app.web.htmx import render


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.index")


def _device_cookie() -> str:
    """This browser signed in before: the right password from it lifts a lockout."""
    return "__Host-backoffice_device" if current_app.config["SESSION_COOKIE_SECURE"] else "backoffice_device"


def _remember_device(resp: Response, user: User) -> None:
    resp.set_cookie(_device_cookie(), auth.device_token(user), max_age=auth.DEVICE_MAX_AGE, path="/",
                    secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        policy = auth.LoginPolicy(current_app.config["LOGIN_MAX_FAILURES"], current_app.config["LOGIN_LOCK_MINUTES"])
        try:
            user = auth.authenticate(db_session(), current_actor(), form.email.data, form.password.data, policy,
                                     device=request.cookies.get(_device_cookie()))
        except auth.LoginFailed as exc:
            error = exc.message
        else:
            return two_factor.challenge(user, request.args.get("next")) or finish_login(user, request.args.get("next"))
    status = 401 if error else (422 if form.errors else 200)
    return render("auth/login.html", form=form, error=error, status=status)


def finish_login(user: Any, next_url: str | None) -> Any:
    session.clear()  # a fresh session on sign-in: no fixation
    user.current_session_id = auth.start_session(db_session(), user, client_ip(), request.user_agent.string)
    login_user(user)
    # The new session's CSRF token now, in the cookie this answer sets: otherwise the first page
    # adds it, and a client that keeps the sign-in cookie would have it re-signed on every page.
    g.pop("csrf_token", None)  # a token signed for the session just cleared
    generate_csrf()
    resp = redirect(_safe_next(next_url), code=303)
    _remember_device(resp, user)
    return resp


@bp.post("/logout")
@login_only
def logout() -> Any:
    token = current_user.current_session_id
    logout_user()
    session.clear()
    if token:
        auth.end_session(db_session(), token)
    flash("You have been signed out.", "success")
    return redirect(url_for("auth.login"), code=303)
