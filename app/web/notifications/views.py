from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.auth.permissions import require
from app.extensions import db_session
from app.services import notification_settings as ns
from app.services import notifications
from app.services.errors import Invalid
from app.web import listing
from app.web.context import current_actor
from app.web.htmx import is_htmx, render, render_regions, toast
from app.web.notifications import bp
from app.web.notifications.forms import parse_preferences, parse_settings

PER_PAGE = 25


def _context() -> dict[str, Any]:
    params = listing.parse(request.args, ["created_at"], "-created_at", choices={"show": ["unread", "all"]})
    unread_only = params.filters.get("show") == "unread"
    params.per_page = PER_PAGE
    result = notifications.list_for(db_session(), current_actor(), params.list_query(with_count=False))
    return {"page": listing.page_of(result, params), "params": params, "unread_only": unread_only,
            "unread": notifications.unread_count(db_session(), current_user.id),
            **_settings_context()}


def _settings_context(errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"preferences": notifications.preferences_of(current_user), "settings": ns.settings_of(current_user),
            "time_zones": ns.time_zones(), "email_modes": ns.EMAIL_MODES, "urgent_options": ns.URGENT,
            "errors": errors or {}}


def _after_change(message: str) -> Any:
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("notifications.index"), 303)
    return toast(render_regions("notifications/index.html", ["notification_list", "bell_oob"], **_context()), message)


@bp.get("/notifications")
@require("notifications:read")
def index() -> Any:
    return render("notifications/index.html", block="notification_list", **_context())


@bp.get("/notifications/bell")
@require("notifications:read")
def bell() -> Any:
    return render("components/bell.html", unread=notifications.unread_count(db_session(), current_user.id))


@bp.post("/notifications/<uuid:notification_id>/read")
@require("notifications:read")
def mark_read(notification_id: uuid.UUID) -> Any:
    notifications.mark_read(db_session(), current_actor(), notification_id)
    return _after_change("Marked as read")


@bp.post("/notifications/read-all")
@require("notifications:read")
def mark_all_read() -> Any:
    count = notifications.mark_all_read(db_session(), current_actor())
    return _after_change(f"Marked {count} as read")


@bp.post("/notifications/preferences")
@require("notifications:read")
def preferences() -> Any:
    try:
        notifications.set_preferences(db_session(), current_actor(), parse_preferences(request.form),
                                      parse_settings(request.form))
    except Invalid as exc:
        ctx = {**_context(), **_settings_context(exc.details)}
        return render("notifications/index.html", block="preferences_form", **ctx), 422
    if not is_htmx():
        flash("Notification settings saved", "success")
        return redirect(url_for("notifications.index"), 303)
    resp = render("notifications/index.html", block="preferences_form", **_context())
    return toast(resp, "Notification settings saved")
