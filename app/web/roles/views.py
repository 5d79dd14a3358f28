"""/roles: roles with member counts, the permission grid, custom roles."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, request, url_for

from app.auth.permissions import CATALOG, require
from app.extensions import db_session
from app.services import explain as explainer
from app.services import roles
from app.services.errors import Invalid
from app.web.context import current_actor
from app.web.htmx import render
from app.web.roles import bp


def index_context(**extra: Any) -> dict[str, Any]:
    return {"roles": roles.list_roles(db_session(), current_actor()), "errors": {}, "values": {},
            "permissions": explainer.PERMISSIONS, "question": {}, "answers": [], **extra}


def show_context(role_id: uuid.UUID, **extra: Any) -> dict[str, Any]:
    role = roles.get_role_for(db_session(), current_actor(), role_id)
    scoped = [g for g in role.permissions if g.count(":") == 2]
    return {"role": role, "catalog": CATALOG, "granted": set(role.permissions), "scoped": scoped,
            "members": roles.member_count(db_session(), role), "errors": {}, **extra}


@bp.get("/roles")
@require("roles:read")
def index() -> Any:
    return render("roles/index.html", block="role_list", **index_context())


@bp.get("/roles/explain")
@require("roles:read")
def explain() -> Any:
    question = {"permission": request.args.get("permission", ""), "resource": request.args.get("resource", "")}
    try:
        answers = explainer.explain_roles(db_session(), current_actor(), question["permission"], question["resource"])
    except Invalid as exc:
        ctx = index_context(question={**question, "errors": exc.details})
        return render("roles/index.html", block="explain_result", status=422, **ctx)
    return render("roles/index.html", block="explain_result", **index_context(question=question, answers=answers))


@bp.post("/roles")
@require("roles:manage")
def create() -> Any:
    values = {"name": request.form.get("name", ""), "description": request.form.get("description", "")}
    try:
        role = roles.create_role(db_session(), current_actor(), values["name"], values["description"], [])
    except Invalid as exc:
        return render("roles/index.html", status=422, **index_context(errors=exc.details, values=values))
    flash(f"Role {role.name} created; choose its permissions.", "success")
    return redirect(url_for("roles.show", role_id=role.id), code=303)


@bp.get("/roles/<uuid:role_id>")
@require("roles:read")
def show(role_id: uuid.UUID) -> Any:
    return render("roles/show.html", block="permission_grid", **show_context(role_id))


@bp.post("/roles/<uuid:role_id>")
@require("roles:manage")
def update(role_id: uuid.UUID) -> Any:
    perms = request.form.getlist("perms")
    try:
        two_factor = request.form.get("requires_two_factor") == "1" if "two_factor_shown" in request.form else None
        roles.update_role(db_session(), current_actor(), role_id, perms, request.form.get("description"), two_factor)
    except Invalid as exc:
        ctx = show_context(role_id, errors=exc.details or {"permissions": [exc.message]}, granted=set(perms))
        return render("roles/show.html", status=422, **ctx)
    flash("Permissions saved. Members get them on their next request.", "success")
    return redirect(url_for("roles.show", role_id=role_id), code=303)


@bp.post("/roles/<uuid:role_id>/delete")
@require("roles:manage")
def delete(role_id: uuid.UUID) -> Any:
    roles.delete_role(db_session(), current_actor(), role_id)
    flash("Role deleted.", "success")
    return redirect(url_for("roles.index"), code=303)
