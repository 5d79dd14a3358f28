"""One user: the detail page, editing, role, suspension, invitation."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.models import User
from app.services import explain as explainer
from app.services import two_factor, users
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.users_queries import recent_activity, role_names
from app.web.context import current_actor
from app.web.htmx import render
from app.web.users import bp
from app.web.users.forms import EditUserForm, RoleForm, show_errors


def _role_form(user: User) -> RoleForm:
    form = RoleForm(formdata=None, role=user.role_name)
    form.role.choices = [(r, r) for r in role_names(db_session())]
    return form


def show_context(user_id: uuid.UUID, **extra: Any) -> dict[str, Any]:
    user = users.get_user_for(db_session(), current_actor(), user_id)
    return {"user": user, "activity": recent_activity(db_session(), user), "role_form": _role_form(user),
            "error": None, "two_factor_on": two_factor.is_enrolled(db_session(), user),
            "permissions": explainer.PERMISSIONS, "question": {}, "answer": None, **extra}


@bp.get("/users/<uuid:user_id>")
@require("users:read")
def show(user_id: uuid.UUID) -> Any:
    return render("users/show.html", block="user_detail", **show_context(user_id))


@bp.get("/users/<uuid:user_id>/explain")
@require("users:read")
def explain(user_id: uuid.UUID) -> Any:
    question = {"permission": request.args.get("permission", ""), "resource": request.args.get("resource", "")}
    try:
        answer = explainer.explain_for(db_session(), current_actor(), user_id, question["permission"],
                                       question["resource"])
    except Invalid as exc:
        ctx = show_context(user_id, question={**question, "errors": exc.details})
        return render("users/show.html", block="explain_result", status=422, **ctx)
    return render("users/show.html", block="explain_result", **show_context(user_id, question=question,
                                                                             answer=answer))


@bp.get("/users/<uuid:user_id>/edit")
@require("users:update")
def edit(user_id: uuid.UUID) -> Any:
    user = users.get_user_for(db_session(), current_actor(), user_id)
    users.check_may_act_on(current_actor(), user)  # no edit form for a user one may not change
    form = EditUserForm(formdata=None, email=user.email, name=user.name, permissions="\n".join(user.permissions))
    return render("users/edit.html", user=user, form=form)


@bp.post("/users/<uuid:user_id>")
@require("users:update")
def update(user_id: uuid.UUID) -> Any:
    user = users.get_user_for(db_session(), current_actor(), user_id)
    form = EditUserForm(request.form)
    grants = (form.permissions.data or "").replace(",", "\n").splitlines()
    try:
        users.update_user(db_session(), current_actor(), user_id, form.email.data or "", form.name.data or "", grants)
    except Invalid as exc:
        show_errors(form, exc)
        return render("users/edit.html", user=user, form=form, status=422)
    flash("Saved.", "success")
    return redirect(url_for("users.show", user_id=user_id), code=303)


def _act(user_id: uuid.UUID, op: Callable[[Any, Actor, uuid.UUID], Any], done: str) -> Any:
    """Run one action on the user; success flashes, a refused rule shows on the page (422)."""
    try:
        op(db_session(), current_actor(), user_id)
    except Invalid as exc:
        return render("users/show.html", status=422, **show_context(user_id, error=exc.message))
    flash(done, "success")
    return redirect(url_for("users.show", user_id=user_id), code=303)


@bp.post("/users/<uuid:user_id>/role")
@require("users:set_role")
def set_role(user_id: uuid.UUID) -> Any:
    role = request.form.get("role", "")
    return _act(user_id, lambda s, a, i: users.set_role(s, a, i, role), f"Role changed to {role}.")


@bp.post("/users/<uuid:user_id>/suspend")
@require("users:suspend")
def suspend(user_id: uuid.UUID) -> Any:
    return _act(user_id, users.suspend_user, "User suspended; their sessions have ended.")


@bp.post("/users/<uuid:user_id>/reactivate")
@require("users:suspend")
def reactivate(user_id: uuid.UUID) -> Any:
    return _act(user_id, users.reactivate_user, "User reactivated.")


@bp.post("/users/<uuid:user_id>/invitation")
@require("users:create")
def resend_invitation(user_id: uuid.UUID) -> Any:
    return _act(user_id, users.resend_invitation, "A new invitation is on its way.")


@bp.post("/users/<uuid:user_id>/sessions/end")
@require("users:suspend")
def end_sessions(user_id: uuid.UUID) -> Any:
    return _act(user_id, users.end_sessions, "Their sessions and API tokens have ended.")
