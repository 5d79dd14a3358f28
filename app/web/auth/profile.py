"""/profile: your own account — password, recent sign-ins, other sessions."""

from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.auth.permissions import login_only
from app.extensions import db_session
from app.services import accounts
from app.services.digests import digest
from app.services.errors import Invalid
from app.services.users_queries import recent_sign_ins
from app.web.auth import bp
from app.web.context import current_actor, current_user_model
from app.web.htmx import render

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"), ("curl/", "curl"), ("python", "Script"))
_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("Mac OS X", "macOS"),
            ("Linux", "Linux"))


def browser_label(user_agent: str | None) -> str:
    """'Chrome 120 on Linux' from a user agent string; 'Unknown' when we cannot tell."""
    ua = user_agent or ""
    name = next((label for key, label in _BROWSERS if key in ua), "Unknown browser")
    version = re.search(r"(?:Edg|OPR|Firefox|Chrome|Version)/(\d+)", ua)
    system = next((label for key, label in _SYSTEMS if key in ua), "")
    text = f"{name} {version.group(1)}" if version and name != "Unknown browser" else name
    return f"{text} on {system}" if system else text


def profile_context(**extra: Any) -> dict[str, Any]:
    rows = recent_sign_ins(db_session(), current_user)
    token = current_user.current_session_id or ""
    return {"user": current_user, "sign_ins": rows, "browser_label": browser_label,
            "current_digest": digest(token), "errors": {}, **extra}


@bp.get("/profile")
@login_only
def profile() -> Any:
    return render("auth/profile.html", block="sign_ins", **profile_context())


@bp.post("/profile/password")
@login_only
def change_password() -> Any:
    form = request.form
    try:
        ended = accounts.change_password(db_session(), current_actor(), current_user_model(), form.get("current", ""),
                                         form.get("password", ""), form.get("confirm", ""),
                                         current_user.current_session_id)
    except Invalid as exc:
        return render("auth/profile.html", status=422, **profile_context(errors=exc.details))
    flash(f"Password changed. {ended} other session(s) signed out.", "success")
    return redirect(url_for("auth.profile"), code=303)


@bp.post("/profile/sessions/end-others")
@login_only
def end_other_sessions() -> Any:
    ended = accounts.end_other_sessions(db_session(), current_actor(), current_user_model(),
                                        current_user.current_session_id)
    flash(f"{ended} other session(s) signed out.", "success")
    return redirect(url_for("auth.profile"), code=303)
