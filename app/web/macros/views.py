"""Macros and canned replies: the list, creating, changing and deleting them."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.models import Macro
from app.services import macros, tickets_query
from app.services.errors import Invalid
from app.web.context import current_actor
from app.web.htmx import render
from app.web.macros import bp
from app.web.macros.forms import MacroForm


def form_context(form: MacroForm, macro: Macro | None) -> dict[str, Any]:
    form.assignee_id.choices = [("", "Leave as is")] + [(str(a.id), a.name)
                                                        for a in tickets_query.agents(db_session(), limit=100)]
    return {"form": form, "macro": macro, "placeholders": macros.placeholder_list()}


def _save(macro: Macro | None) -> Any:
    form = MacroForm()
    if form.validate_on_submit():
        try:
            saved = macros.save_macro(db_session(), current_actor(), macro.id if macro else None, form.name.data or "",
                                      form.body.data or "", form.internal.data, form.shared.data, form.actions())
        except Invalid as exc:
            for name, messages in exc.details.items():
                getattr(form, name, form.name).errors = list(messages)
        else:
            flash(f"Macro “{saved.name}” saved.", "success")
            return redirect(url_for("macros.index"), code=303)
    return render("macros/form.html", block="macro_form", status=422, **form_context(form, macro))


@bp.get("/macros")
@require("macros:use")
def index() -> Any:
    found = macros.list_macros(db_session(), current_actor(), request.args.get("q", "")[:100])
    return render("macros/index.html", block="macro_table", macros=found, q=request.args.get("q", "")[:100])


@bp.route("/macros/new", methods=["GET", "POST"])
@require("macros:create")
def new() -> Any:
    if request.method == "POST":
        return _save(None)
    return render("macros/form.html", block="macro_form", **form_context(MacroForm(formdata=None), None))


@bp.route("/macros/<macro_id>", methods=["GET", "POST"])
@require("macros:create")
def edit(macro_id: str) -> Any:
    macro = macros.get_macro_for(db_session(), current_actor(), macro_id, edit=True)
    if request.method == "POST":
        return _save(macro)
    form = MacroForm(formdata=None, obj=macro, shared=macro.shared, **{k: v for k, v in macro.actions.items()
                                                                        if k != "add_tags"},
                     add_tags=" ".join(macro.actions.get("add_tags", [])))
    return render("macros/form.html", block="macro_form", **form_context(form, macro))


@bp.post("/macros/<macro_id>/delete")
@require("macros:create")
def delete(macro_id: str) -> Any:
    macros.delete_macro(db_session(), current_actor(), macro_id)
    flash("Macro deleted.", "success")
    return redirect(url_for("macros.index"), code=303)
