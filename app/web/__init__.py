"""HTML blueprints, error pages and template helpers."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from flask import Flask, Response, flash, jsonify, make_response, redirect, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException

from app.auth.permissions import Refused, can
from app.models.health import BAND_LABELS
from app.outage import STORE_ERRORS, is_store_outage
from app.services import mentions
from app.services.errors import DomainError
from app.web import layout
from app.web.formatting import age, count_label, sla_due
from app.web.htmx import is_htmx, toast

# Each area is a package under app/web with a `bp` blueprint.
AREAS = ("auth", "dashboard", "users", "roles", "customers", "tickets", "audit", "notifications", "system",
         "reports", "api_docs", "search", "macros", "csat", "sla")

ERROR_TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Check the form",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}


def register_web(app: Flask) -> None:
    for area in AREAS:
        module = import_module(f"app.web.{area}")
        app.register_blueprint(module.bp)
    _register_errors(app)
    layout.init_app(app)
    app.jinja_env.globals["health_bands"] = BAND_LABELS  # also seen by imported macros

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {"can": lambda perm, obj=None: can(current_user, perm, obj), "csrf_token": generate_csrf,
                "note_html": mentions.render, "age": age, "count_label": count_label, "sla_due": sla_due}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json" and not is_htmx()
    )


def error_response(status: int, message: str, code: str | None = None, details: dict[str, Any] | None = None,
                   **page: Any) -> Response:
    """The one error answer: JSON envelope for the API, a toast for htmx, else a styled page."""
    if _wants_json():
        body = {"error": {"code": code or ERROR_TITLES.get(status, "error").lower().replace(" ", "_"),
                          "message": message, "details": details or {}}}
        return make_response(jsonify(body), status)
    if is_htmx():
        return toast(make_response("", status), message, "danger")  # keep the page; say it in a toast
    html = render_template("errors/error.html", status=status, title=ERROR_TITLES.get(status, "Error"),
                           message=message, **page)
    return make_response(html, status)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Any:
        return error_response(exc.status, exc.message, exc.code, exc.details)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return error_response(400, "Your form expired or was not sent from this site. Reload and try again.",
                              "csrf_failed")

    @app.errorhandler(Refused)
    def _refused(exc: Refused) -> Any:
        answer = exc.explanation
        message = f"You need `{answer.missing}` for this; ask an admin to grant it."
        return error_response(403, message, "forbidden", {"missing": [answer.missing]}, explanation=answer)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        if status == 401 and not _wants_json():
            flash("Please sign in to continue.", "info")
            return redirect("/login")
        messages = {
            403: "You do not have permission to see this page.",
            404: "There is nothing at this address.",
            429: "Too many requests. Wait a moment and try again.",
        }
        resp = error_response(status, messages.get(status, exc.description or ""))
        if status == 429:
            resp.headers["Retry-After"] = str(getattr(exc, "retry_after", None) or 60)
        return resp

    def _store_down(exc: Exception) -> Any:
        # PostgreSQL or Redis unreachable (restarting, failing over): a 503 to retry, never a 500.
        if not is_store_outage(exc):
            return _unexpected(exc)  # a driver error of another kind (a constraint, a bad value)
        app.logger.warning("store unavailable: %s", type(exc).__name__)
        from flask import g

        from app.extensions import db_session, login_manager

        db_session().rollback()
        # Answer as nobody: the signed-in chrome (the sidebar's permissions, the user that the
        # rollback expired) would read the store again and fail inside this handler, a 500.
        g._login_user = login_manager.anonymous_user()
        resp = error_response(503, "The service is briefly unavailable. Try again in a few seconds.", "unavailable")
        resp.headers["Retry-After"] = "5"
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        app.logger.exception("unhandled error")
        return error_response(500, "Something went wrong on our side. It has been logged.")

    for error in STORE_ERRORS:
        app.register_error_handler(error, _store_down)
