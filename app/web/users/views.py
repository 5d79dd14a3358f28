"""The users list: active search, filters, sorting, paging, create, bulk actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from flask import flash, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from app.auth.permissions import require
from app.extensions import db_session
from app.services import users
from app.services.errors import Invalid
from app.services.users_queries import DEFAULT_SORT, SORTS, filter_choices, list_user_rows, role_names
from app.web import list_view, listing
from app.web.context import current_actor
from app.web.htmx import is_htmx, is_partial, push_url, render, render_regions, toast
from app.web.users import bp
from app.web.users.forms import UserForm, show_errors
from app.web.users.rows import user_row

COLUMNS = (("name", "Name"), ("email", "Email"), ("role", "Role"))
LATER_COLUMNS = (("last_login_at", "Last sign-in"), ("created_at", "Created"))
PERMISSIONS = ("users:create", "users:set_role", "users:suspend")


def _user_form(data: Any = None, roles: list[str] | None = None) -> UserForm:
    form = UserForm(formdata=data)
    form.role.choices = [("", "Choose a role…"), *((r, r) for r in (roles or role_names(db_session())))]
    return form


def list_context(args: Mapping[str, str], form: UserForm | None = None, **extra: Any) -> dict[str, Any]:
    """Everything the list screen and each of its blocks needs (one builder for both paths)."""
    actor, base = current_actor(), url_for("users.index")
    allowed = list_view.allowed(actor, PERMISSIONS)
    choices = filter_choices(db_session())
    params = listing.parse(args, SORTS, DEFAULT_SORT, choices=choices, dates=["created_after"])
    page = listing.page_of(list_user_rows(db_session(), actor, params.list_query()), params)
    page.rows = [user_row(r, base) for r in page.rows]
    if form is None and allowed["users:create"]:  # no form for a viewer who may not invite
        form = _user_form(roles=choices["role"])
    return {"page": page, "params": params, "choices": choices, "form": form, "bulk": None, "oob": False,
            "allowed": allowed, "view_query": params.query(),
            "headers": list_view.headers(params, base, COLUMNS),
            "later_headers": list_view.headers(params, base, LATER_COLUMNS),
            "pager": list_view.pager(page, base, "users"), **extra}


def _view_args() -> MultiDict[str, str]:
    """The list view the page was showing (a hidden field), so a refreshed table keeps it."""
    return MultiDict(parse_qsl(request.form.get("view", ""))[:20])


@bp.get("/users")
@require("users:read")
def index() -> Any:
    ctx = list_context(request.args)
    resp = render("users/index.html", block="user_table", **ctx)
    if is_partial():
        # The address bar shows the canonical view (no empty filters), so it can be bookmarked.
        query = ctx["view_query"]
        push_url(resp, url_for("users.index") + (f"?{query}" if query else ""))
    return resp


@bp.get("/users/new")
@require("users:create")
def new() -> Any:
    return render("users/new.html", form=_user_form())


@bp.post("/users")
@require("users:create")
def create() -> Any:
    form = _user_form(request.form)
    try:
        user = users.create_user(db_session(), current_actor(), form.email.data or "", form.name.data or "",
                                 form.role.data or "")
    except Invalid as exc:
        show_errors(form, exc)
        if is_htmx():
            return render_regions("users/index.html", ["create_user_form"], 422, form=form)
        return render("users/new.html", form=form, status=422)
    message = f"Invitation sent to {user.email}."
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("users.index"), code=303)
    ctx = list_context(_view_args(), oob=True)
    return toast(render_regions("users/index.html", ["create_user_form", "user_table"], **ctx), message)


@bp.post("/users/bulk")
@require("users:read")
def bulk() -> Any:
    action, role = request.form.get("action", ""), request.form.get("role") or None
    result: users.BulkResult | None = None
    error: str | None = None
    try:
        result = users.bulk_update(db_session(), current_actor(), request.form.getlist("ids"), action, role)
        message = result.summary
    except Invalid as exc:
        message = error = exc.message
    if not is_htmx():
        flash(message, "danger" if error else "success")
        view: dict[str, Any] = _view_args().to_dict()  # the first value of each parameter, as before
        return redirect(url_for("users.index", **view), code=303)
    ctx = list_context(_view_args(), bulk=result, bulk_error=error, oob=True)
    resp = render_regions("users/index.html", ["bulk_result", "user_table"], 422 if error else 200, **ctx)
    return toast(resp, message, "danger" if error else "success")
