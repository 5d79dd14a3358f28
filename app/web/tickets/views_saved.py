"""Saved views in the ticket list's side bar: list with counts, save the current list, order, delete."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.services import saved_views
from app.services.errors import Invalid
from app.web.context import current_actor
from app.web.htmx import is_htmx, is_partial, render
from app.web.tickets import bp

PARTIAL = "tickets/_saved_views.html"


def _block(status: int = 200, error: str | None = None) -> Any:
    rows = saved_views.list_views(db_session(), current_actor())
    return render(PARTIAL, block="saved_views", status=status, rows=rows, error=error,
                  roles=saved_views.role_names(db_session()))


def _done(error: str | None = None) -> Any:
    if is_htmx():
        return _block(422 if error else 200, error)
    if error:
        flash(error, "danger")
    return redirect(url_for("tickets.index"), code=303)


@bp.get("/tickets/views")
@require("tickets:read")
def saved_views_block() -> Any:
    if not is_partial():
        return redirect(url_for("tickets.index"))
    return _block()


@bp.post("/tickets/views")
@require("tickets:read")
def save_view() -> Any:
    try:
        saved_views.save_view(db_session(), current_actor(), request.form.get("name", ""),
                              request.form.get("query", "")[:2000], request.form.get("role_name") or None)
    except Invalid as exc:
        return _done(exc.message)
    return _done()


@bp.post("/tickets/views/<view_id>/move")
@require("tickets:read")
def move_view(view_id: str) -> Any:
    saved_views.move_view(db_session(), current_actor(), view_id, 1 if request.form.get("step") == "1" else -1)
    return _done()


@bp.post("/tickets/views/<view_id>/delete")
@require("tickets:read")
def delete_view(view_id: str) -> Any:
    saved_views.delete_view(db_session(), current_actor(), view_id)
    return _done()
