"""The ticket list: saved views, filters, search, sorting, bulk actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.auth.permissions import require
from app.extensions import db
from app.models.base import utcnow
from app.models.ticket import PRIORITIES, STATUSES
from app.services import sla, tickets_bulk, tickets_query
from app.services.errors import Invalid
from app.services.tickets_query import CHOICES, DATES, FREE, SORTS, VIEWS, TicketFilter
from app.web import listing
from app.web.context import current_actor
from app.web.htmx import is_htmx, is_partial, render, toast
from app.web.tickets import bp


def list_params(args: Mapping[str, str]) -> listing.ListParams:
    return listing.parse(args, SORTS, "-updated_at", choices=CHOICES, free=FREE, dates=DATES)


def list_filter(args: Mapping[str, str]) -> tuple[listing.ListParams, TicketFilter]:
    params = list_params(args)
    return params, TicketFilter(params.filters, params.q, current_user.id)


def list_context(args: Mapping[str, str]) -> dict[str, Any]:
    params = list_params(args)
    result = tickets_query.list_tickets(db.session, current_actor(), params.list_query())
    params.notes.extend(result.notes)
    page = listing.page_of(result, params)
    return {"page": page, "params": params, "views": VIEWS, "statuses": STATUSES, "priorities": PRIORITIES,
            "now": utcnow(), "sla_text": sla.describe, "agents": tickets_query.agents(db.session, limit=30),
            "actions": tickets_bulk.ACTIONS, "bulk_cap": tickets_bulk.BULK_CAP,
            "view_counts": {} if is_partial() else tickets_query.view_counts(db.session, current_actor())}


@bp.get("/tickets")
@require("tickets:read")
def index() -> Any:
    return render("tickets/index.html", block="ticket_table", **list_context(request.args))


@bp.post("/tickets/bulk")
@require("tickets:bulk")
def bulk() -> Any:
    view_args = dict(parse_qsl(request.form.get("query", ""))[:50])
    action, _, value = request.form.get("action", "").partition(":")
    if action in ("add_tag", "remove_tag"):
        value = request.form.get("tag", "")
    scope_all = request.form.get("scope") == "all"
    ids = request.form.getlist("ids") if not scope_all else None
    tf = list_filter(view_args)[1] if scope_all else None
    try:
        result = tickets_bulk.bulk_update(db.session, current_actor(), action, value, ids=ids, tf=tf)
    except Invalid as exc:
        resp = render("tickets/index.html", block="ticket_table", status=422, **list_context(view_args))
        return toast(resp, exc.message, "danger")
    if not is_htmx():
        flash(result.summary, "success")
        return redirect(url_for("tickets.index") + "?" + urlencode(view_args), code=303)
    return toast(render("tickets/index.html", block="ticket_table", **list_context(view_args)), result.summary)
