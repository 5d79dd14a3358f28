"""The composer's macro picker on a ticket, and applying a macro in one request."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, request, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.services import macros, macros_apply
from app.services.errors import Conflict, Invalid
from app.web.context import current_actor
from app.web.htmx import is_htmx, redirect_htmx, render, toast
from app.web.tickets import bp
from app.web.tickets.views_detail import fragment_ticket

PICKER = "tickets/_macro_picker.html"


@bp.get("/tickets/<ticket_id>/macros")
@require("macros:use")
def macro_options(ticket_id: str) -> Any:
    ticket = fragment_ticket(ticket_id)
    found = macros.list_macros(db_session(), current_actor(), request.args.get("q", "")[:100])
    return render(PICKER, block="macro_options", t=ticket, macro_list=found,
                  version=request.args.get("version", "")[:12] or ticket.version)


@bp.post("/tickets/<ticket_id>/macros/<macro_id>/apply")
@require("macros:use")
def apply_macro(ticket_id: str, macro_id: str) -> Any:
    url = url_for("tickets.show", ticket_id=ticket_id)
    try:
        macros_apply.apply_macro(db_session(), current_actor(), ticket_id, macro_id, request.form.get("version"))
    except (Conflict, Invalid) as exc:
        if not is_htmx():
            flash(exc.message, "danger")
            return redirect(url, code=303)
        return toast(make_response("", exc.status), exc.message, "danger")
    flash("Macro applied.", "success")
    return redirect_htmx(make_response("", 204), url) if is_htmx() else redirect(url, code=303)
