"""Related tickets and merging, on the ticket page; a merged ticket's page sends you on to the other."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, request, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.services import tickets, tickets_merge
from app.services.errors import Invalid
from app.web.context import current_actor
from app.web.htmx import is_htmx, redirect_htmx, render
from app.web.tickets import bp
from app.web.tickets.views_detail import fragment_ticket

PARTIAL = "tickets/_links.html"


def _block(ticket_id: str, status: int = 200, error: str | None = None) -> Any:
    ticket = tickets.get_ticket_for(db_session(), current_actor(), ticket_id)
    rel = tickets_merge.related(db_session(), current_actor(), ticket)
    return render(PARTIAL, block="ticket_links", status=status, t=ticket, rel=rel, error=error)


def _refused(ticket_id: str, exc: Invalid) -> Any:
    if is_htmx():
        return _block(ticket_id, 422, exc.message)
    flash(exc.message, "danger")
    return redirect(url_for("tickets.show", ticket_id=ticket_id), code=303)


@bp.get("/tickets/<ticket_id>/links")
@require("tickets:read")
def links(ticket_id: str) -> Any:
    fragment_ticket(ticket_id)
    return _block(ticket_id)


@bp.post("/tickets/<ticket_id>/links")
@require("tickets:update")
def link(ticket_id: str) -> Any:
    actor = current_actor()
    try:
        other = tickets_merge.find_by_number(db_session(), actor, request.form.get("other", "")[:20], "other_id")
        tickets_merge.link_tickets(db_session(), actor, ticket_id, other, unlink=request.form.get("action") == "unlink")
    except Invalid as exc:
        return _refused(ticket_id, exc)
    return _block(ticket_id) if is_htmx() else redirect(url_for("tickets.show", ticket_id=ticket_id), code=303)


@bp.post("/tickets/<ticket_id>/merge")
@require("tickets:update")
def merge(ticket_id: str) -> Any:
    actor = current_actor()
    try:
        into = tickets_merge.find_by_number(db_session(), actor, request.form.get("into", "")[:20], "into")
        target = tickets_merge.merge_tickets(db_session(), actor, into, ticket_id)
    except Invalid as exc:
        return _refused(ticket_id, exc)
    flash(f"Merged into #{target.number}.", "success")
    url = url_for("tickets.show", ticket_id=target.id)
    return redirect_htmx(make_response("", 204), url) if is_htmx() else redirect(url, code=303)
