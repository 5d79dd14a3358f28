"""Editing a ticket's title and description, under the same optimistic locking as its other fields."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.models import Ticket
from app.services import tickets
from app.services.errors import Conflict, Invalid
from app.web.context import current_actor
from app.web.htmx import render
from app.web.tickets import bp
from app.web.tickets.forms import EditTicketForm

TEMPLATE = "tickets/edit.html"


def edit_context(ticket: Ticket, form: EditTicketForm, conflict: str | None = None) -> dict[str, Any]:
    return {"t": ticket, "form": form, "conflict": conflict, "title_max": tickets.TITLE_MAX,
            "body_max": tickets.BODY_MAX}


@bp.get("/tickets/<ticket_id>/edit")
@require("tickets:update")
def edit(ticket_id: str) -> Any:
    ticket = tickets.get_ticket_for(db_session(), current_actor(), ticket_id, "update")
    form = EditTicketForm(formdata=None, title=ticket.title, description=ticket.description, version=ticket.version)
    return render(TEMPLATE, block="ticket_edit_form", **edit_context(ticket, form))


@bp.post("/tickets/<ticket_id>/edit")
@require("tickets:update")
def update(ticket_id: str) -> Any:
    ticket = tickets.get_ticket_for(db_session(), current_actor(), ticket_id, "update")
    form = EditTicketForm()
    if not form.validate_on_submit():
        return render(TEMPLATE, block="ticket_edit_form", status=400, **edit_context(ticket, form))
    changes = {"title": form.title.data or "", "description": form.description.data or ""}
    try:
        tickets.update_ticket(db_session(), current_actor(), ticket.id, form.version.data, changes)
    except Conflict as exc:
        db_session().refresh(ticket)
        form.version.data = str(ticket.version)  # saving again now applies this text over theirs, knowingly
        return render(TEMPLATE, block="ticket_edit_form", status=409, **edit_context(ticket, form, exc.message))
    except Invalid as exc:
        for name, messages in exc.details.items():
            getattr(form, name, form.title).errors = list(messages)
        return render(TEMPLATE, block="ticket_edit_form", status=422, **edit_context(ticket, form))
    flash("Saved.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket.id), code=303)
