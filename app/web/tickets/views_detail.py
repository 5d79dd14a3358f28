"""Creating a ticket, and its page: fields under optimistic locking, conversation, presence."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user

from app.auth.permissions import require
from app.extensions import db_session
from app.models import Ticket
from app.models.base import utcnow
from app.models.ticket import PRIORITIES, STATUSES
from app.services import presence, sla, tickets, tickets_query
from app.services.errors import Conflict, Invalid
from app.web.context import current_actor
from app.web.htmx import is_htmx, is_partial, redirect_htmx, render, render_regions, toast
from app.web.tickets import bp
from app.web.tickets.forms import BLANK_COMMENT, CommentForm, NewTicketForm

TEMPLATE = "tickets/detail.html"
# The page's controls, each shown to those who hold the permission (checked once per page).
DETAIL_PERMISSIONS = ("tickets:update", "tickets:comment", "tickets:assign", "macros:use")
POLL_SECONDS = 5  # another agent's reply, note or field change shows within this (plus a request)


def _redis() -> Any:
    return current_app.extensions["redis"]


def fragment_ticket(ticket_id: str) -> Ticket:
    """The ticket a fragment endpoint serves; opened as a page (not htmx), the request goes to the ticket."""
    ticket = tickets.get_ticket_for(db_session(), current_actor(), ticket_id)
    if not is_partial():
        abort(redirect(url_for("tickets.show", ticket_id=ticket.id)))
    return ticket


def detail_context(ticket_id: str, detail: tickets_query.TicketDetail | None = None, **extra: Any) -> dict[str, Any]:
    actor = current_actor()
    detail = detail or tickets_query.get_detail(db_session(), actor, ticket_id)
    changed = [v or "" for r in detail.timeline for v in ((r["changes"] or {}).get("assignee_id") or [])]
    names = tickets_query.user_names(db_session(), changed) if changed else {}
    customer = detail.customer
    requester = (customer.contact_name or customer.contact_email) if customer else detail.company_name
    return {"d": detail, "t": detail.ticket, "statuses": STATUSES, "priorities": PRIORITIES, "now": utcnow(),
            "sla_text": sla.describe, "names": names, "form": extra.pop("form", None) or BLANK_COMMENT,
            "viewers": presence.visit(_redis(), detail.ticket.id, current_user.id, current_user.name),
            "requester": requester, "then_statuses": tickets.THEN_STATUSES, "poll_seconds": POLL_SECONDS,
            "etag": tickets_query.activity_tag(detail.ticket), "conflict": None, "error": None, "arrived": 0,
            "rating": detail.rating, "may": {p: actor.can(p) for p in DETAIL_PERMISSIONS},
            **extra}


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
    detail = tickets_query.get_detail(db_session(), current_actor(), ticket_id)
    if detail.merged_into is not None:  # a merged ticket lives on in the one it was merged into
        target_id, number = detail.merged_into
        flash(f"This ticket was merged into #{number}.", "info")
        return redirect(url_for("tickets.show", ticket_id=target_id))
    return render(TEMPLATE, block="presence", **detail_context(ticket_id, detail))


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
    then = "" if internal else form.then_status.data or ""
    if form.validate_on_submit():
        arrived = tickets_query.comments_since(db_session(), current_actor(), ticket_id, form.seen.data)
        if arrived:  # someone wrote while this was typed: show it first, keep the draft
            return _conversation(ticket_id, 409, form=form, arrived=arrived)
        try:
            if then:
                tickets.reply_and_set_status(db_session(), current_actor(), ticket_id, form.body.data, then)
            else:
                tickets.add_comment(db_session(), current_actor(), ticket_id, form.body.data, internal)
        except (Invalid, Conflict) as exc:
            form.body.errors = list(exc.details.get("body") or [exc.message])
        else:
            message = "Note added" if internal else f"Reply sent, status {then}" if then else "Reply sent"
            if not is_htmx():
                flash(message + ".", "success")
                return redirect(url_for("tickets.show", ticket_id=ticket_id), code=303)
            regions = ["conversation", "timeline"] + (["ticket_fields"] if then else [])
            ctx = detail_context(ticket_id, fields_oob=True)
            return toast(render_regions(TEMPLATE, regions, **ctx), message)
    return _conversation(ticket_id, 422, form=form)


def _conversation(ticket_id: str, status: int, **extra: Any) -> Any:
    ctx = detail_context(ticket_id, **extra)
    return render_regions(TEMPLATE, ["conversation", "timeline"], status=status, **ctx) if is_htmx() \
        else render(TEMPLATE, status=status, **ctx)


@bp.get("/tickets/<ticket_id>/live")
@require("tickets:read")
def live(ticket_id: str) -> Any:
    """The poll of an open ticket: 304 while nothing changed, else the thread, fields and timeline."""
    ticket = fragment_ticket(ticket_id)
    tag = tickets_query.activity_tag(ticket)
    if request.if_none_match.contains(tag):
        return make_response("", 304)
    resp = render_regions(TEMPLATE, ["thread", "ticket_fields", "timeline"], **detail_context(ticket_id, live=True))
    resp.set_etag(tag)
    return resp


@bp.get("/tickets/<ticket_id>/presence")
@require("tickets:read")
def viewers(ticket_id: str) -> Any:
    ticket = fragment_ticket(ticket_id)
    names = presence.visit(_redis(), ticket.id, current_user.id, current_user.name)
    return render(TEMPLATE, block="presence", t=ticket, viewers=names)


@bp.get("/tickets/<ticket_id>/assignees")
@require("tickets:assign")
def assignees(ticket_id: str) -> Any:
    ticket = fragment_ticket(ticket_id)
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
