"""Invitation acceptance and password reset through signed, single-use links."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for

from app.auth.permissions import public
from app.extensions import db_session, limiter
from app.services import accounts
from app.services.errors import Invalid
from app.web.auth import bp
from app.web.auth.forms import ForgotForm
from app.web.context import current_actor
from app.web.htmx import render

SENT = "If an active account uses this address, we have sent it a link to reset the password."


def _limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _set_password(purpose: str, token: str, template: str, done: str) -> Any:
    """GET shows the form for a live link; POST sets the password (errors in place, 422)."""
    try:
        user = accounts.user_for_token(db_session(), token, purpose)
    except accounts.LinkInvalid as exc:
        return render("auth/link_invalid.html", message=exc.message, status=400)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        op = accounts.accept_invitation if purpose == "invite" else accounts.reset_password
        try:
            op(db_session(), current_actor(), token, request.form.get("password", ""), request.form.get("confirm", ""))
        except Invalid as exc:
            errors = exc.details
        else:
            flash(done, "success")
            return redirect(url_for("auth.login"), code=303)
    return render(template, user=user, errors=errors, status=422 if errors else 200)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
def accept_invitation(token: str) -> Any:
    return _set_password("invite", token, "auth/invitation.html", "Your password is set. Sign in to continue.")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
def reset_password(token: str) -> Any:
    return _set_password("reset", token, "auth/reset.html", "Your password has been changed. Sign in again.")


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
def forgot_password() -> Any:
    form = ForgotForm()
    if form.validate_on_submit():
        accounts.queue_reset_request(db_session(), current_actor(), form.email.data or "")
        flash(SENT, "info")
        return redirect(url_for("auth.login"), code=303)
    return render("auth/forgot.html", form=form, status=422 if form.errors else 200)
