"""Creating a ticket, and its page: fields under optimistic locking, conversation, presence."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user

from app.auth.permissions import require
from app.extensions import db_session
from app.models.base import utcnow
from app.models.ticket import PRIORITIES, STATUSES
from app.services import presence, sla, tickets, tickets_query
from app.services.errors import Conflict, Invalid
from app.web.context import current_actor
from app.web.htmx import is_htmx, is_partial, redirect_htmx, render, render_regions, toast
from app.web.tickets import bp
from app.web.tickets.forms import CommentForm, NewTicketForm

TEMPLATE = "tickets/detail.html"


def _redis() -> Any:
    return current_app.extensions["redis"]


def detail_context(ticket_id: str, **extra: Any) -> dict[str, Any]:
    detail = tickets_query.get_detail(db_session(), current_actor(), ticket_id)
    presence.touch(_redis(), detail.ticket.id, current_user.id, current_user.name)
    names = tickets_query.user_names(db_session(), [v or "" for r in detail.timeline
                                                  for v in (r.changes.get("assignee_id") or [])])
    return {"d": detail, "t": detail.ticket, "statuses": STATUSES, "priorities": PRIORITIES, "now": utcnow(),
            "sla_text": sla.describe, "viewers": presence.viewers(_redis(), detail.ticket.id, current_user.id),
            "form": extra.pop("form", None) or CommentForm(formdata=None), "names": names,
            "conflict": None, "error": None, **extra}


@bp.route("/tickets/new", methods=["GET", "POST"])
@require("tickets:create")
def new() -> Any:
    form = NewTicketForm(customer_id=request.args.get("customer", ""))
    chosen = form.customer_id.data or ""
    pickable = tickets_query.customers_for_picker(db_session(), current_actor(), limit=100, keep=chosen)
    form.customer_id.choices = [("", "Choose a customer…")] + [(str(c.id), c.company_name) for c in pickable]
    if form.validate_on_submit():
        try:
            ticket = tickets.create_ticket(db_session(), current_actor(), form.customer_id.data, form.title.data,
                                           form.description.data, form.priority.data, form.tags.data or "")
        except Invalid as exc:
            for name, messages in exc.details.items():
                getattr(form, name, form.title).errors = list(messages)
        else:
            flash(f"Ticket #{ticket.number} created.", "success")
            url = url_for("tickets.show", ticket_id=ticket.id)
            return redirect_htmx(make_response("", 204), url) if is_htmx() else redirect(url, code=303)
    status = 422 if form.errors else 200
    return render("tickets/new.html", block="ticket_form", status=status, form=form)


@bp.get("/tickets/<ticket_id>")
@require("tickets:read")
def show(ticket_id: str) -> Any:
    return render(TEMPLATE, block="presence", **detail_context(ticket_id))


@bp.post("/tickets/<ticket_id>/fields")
@require("tickets:update")
def update_fields(ticket_id: str) -> Any:
    changes = {k: request.form[k] for k in tickets.FIELDS if k in request.form}
    version = request.form.get("version")
    try:
        tickets.update_ticket(db_session(), current_actor(), ticket_id, version, changes)
    except (Conflict, Invalid) as exc:
        extra = {"conflict": {"message": exc.message, "attempt": changes}} if isinstance(exc, Conflict) \
            else {"error": " ".join(m for ms in exc.details.values() for m in ms) or exc.message}
        ctx = detail_context(ticket_id, **extra)
        return render_regions(TEMPLATE, ["ticket_fields"], status=exc.status, **ctx) if is_htmx() \
            else render(TEMPLATE, status=exc.status, **ctx)
    if not is_htmx():
        flash("Saved.", "success")
        return redirect(url_for("tickets.show", ticket_id=ticket_id), code=303)
    return toast(render_regions(TEMPLATE, ["ticket_fields", "timeline"], **detail_context(ticket_id)), "Saved")


@bp.post("/tickets/<ticket_id>/comments")
@require("tickets:comment")
def comment(ticket_id: str) -> Any:
    form = CommentForm()
    internal = form.kind.data == "note"
    if form.validate_on_submit():
        try:
            tickets.add_comment(db_session(), current_actor(), ticket_id, form.body.data, internal)
        except Invalid as exc:
            form.body.errors = list(exc.details.get("body") or [exc.message])
        else:
            if not is_htmx():
                flash("Note added." if internal else "Reply sent.", "success")
                return redirect(url_for("tickets.show", ticket_id=ticket_id), code=303)
            resp = render_regions(TEMPLATE, ["conversation", "timeline"], **detail_context(ticket_id))
            return toast(resp, "Note added" if internal else "Reply sent")
    ctx = detail_context(ticket_id, form=form)
    return render_regions(TEMPLATE, ["conversation"], status=422, **ctx) if is_htmx() \
        else render(TEMPLATE, status=422, **ctx)


@bp.get("/tickets/<ticket_id>/presence")
@require("tickets:read")
def viewers(ticket_id: str) -> Any:
    ticket = tickets.get_ticket_for(db_session(), current_actor(), ticket_id)
    if not is_partial():  # a fragment endpoint opened as a page: show the ticket
        return redirect(url_for("tickets.show", ticket_id=ticket.id))
    presence.touch(_redis(), ticket.id, current_user.id, current_user.name)
    names = presence.viewers(_redis(), ticket.id, current_user.id)
    return render(TEMPLATE, block="presence", t=ticket, viewers=names)


@bp.get("/tickets/<ticket_id>/assignees")
@require("tickets:assign")
def assignees(ticket_id: str) -> Any:
    ticket = tickets.get_ticket_for(db_session(), current_actor(), ticket_id)
    if not is_partial():
        return redirect(url_for("tickets.show", ticket_id=ticket.id))
    found = tickets_query.agents(db_session(), request.args.get("q", ""))
    return render(TEMPLATE, block="assignee_results", t=ticket, agents=found, version=ticket.version)


@bp.get("/tickets/new/customers")
@require("tickets:create")
def customer_options() -> Any:
    if not is_partial():
        return redirect(url_for("tickets.new"))
    found = tickets_query.customers_for_picker(db_session(), current_actor(), request.args.get("customer_q", ""),
                                               limit=100)
    return render("tickets/new.html", block="customer_options", customers=found, form=None)
