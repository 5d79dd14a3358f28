"""The ticket list: saved views, filters, search, sorting, bulk actions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.auth.permissions import require
from app.extensions import db_session
from app.models.base import utcnow
from app.models.ticket import PRIORITIES, STATUSES
from app.services import tickets_bulk, tickets_bulk_undo, tickets_query
from app.services.errors import Invalid
from app.services.tickets_query import CHOICES, DATES, FREE, SORTS, VIEWS, TicketFilter
from app.web import listing
from app.web.context import current_actor
from app.web.htmx import is_htmx, is_partial, render, render_regions, toast
from app.web.tickets import bp, rows, views_bulk


def list_params(args: Mapping[str, str]) -> listing.ListParams:
    return listing.parse(args, SORTS, "-updated_at", choices=CHOICES, free=FREE, dates=DATES)


def list_filter(args: Mapping[str, str]) -> tuple[listing.ListParams, TicketFilter]:
    params = list_params(args)
    return params, TicketFilter(params.filters, params.q, current_user.id)


LIST_POLL_SECONDS = 10


def _moment(name: str, default: datetime) -> datetime:
    """A poll's moment: absent is `default`; anything but a time with its offset is refused."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise Invalid(f"`{name}` must be a time with its offset.", details={name: ["not a time with an offset"]})
    return when


def _live_url(params: listing.ListParams, since: datetime) -> str:
    # `after` (the last poll's time) is added by the page (static/js/live.js) from X-Polled-At.
    return url_for("tickets.live_list") + "?" + params.query(since=since.isoformat())


def list_context(args: Mapping[str, str]) -> dict[str, Any]:
    """The list page's context; a partial (the table alone) skips what only the page around it shows."""
    params = list_params(args)
    now = utcnow()
    actor = current_actor()
    result = tickets_query.list_tickets(db_session(), actor, params.list_query())
    params.notes.extend(result.notes)
    page = listing.page_of(result, params)
    page.rows = rows.present_all(page.rows, now)
    whole = not is_partial()
    return {"page": page, "params": params, "views": VIEWS, "statuses": STATUSES, "priorities": PRIORITIES,
            "now": now, "live_url": _live_url(params, now), "poll_seconds": LIST_POLL_SECONDS,
            "agents": [rows.Agent(str(a.id), a.name) for a in tickets_query.agents(db_session(), limit=30)] if whole
            else [],
            "may": {p: actor.can(f"tickets:{p}") for p in ("create", "bulk", "export")},
            "actions": tickets_bulk.ACTIONS, "bulk_cap": tickets_bulk.BULK_CAP, "run": None,
            "view_counts": tickets_query.view_counts(db_session(), actor) if whole else {}}


@bp.get("/tickets")
@require("tickets:read")
def index() -> Any:
    return render("tickets/index.html", block="ticket_table", **list_context(request.args))


@bp.get("/tickets/live")
@require("tickets:read")
def live_list() -> Any:
    """The poll of an open list: changed rows of its page out of band, and "N new — show"."""
    params = list_params(request.args)
    if not is_partial():
        return redirect(url_for("tickets.index") + "?" + params.query())
    now = utcnow()
    since, after = _moment("since", now), _moment("after", now)
    changed, fresh = tickets_query.list_changes(db_session(), current_actor(), params.list_query(False), since, after)
    resp = render_regions("tickets/index.html", ["list_live"], changed=rows.present_all(changed, now), fresh=fresh,
                          params=params, now=now)
    resp.headers["X-Polled-At"] = now.isoformat()
    return resp


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
    loaded_at = views_bulk.parse_moment(request.form.get("loaded_at"))
    try:
        result = tickets_bulk.bulk_update(db_session(), current_actor(), action, value, ids=ids, tf=tf,
                                          loaded_at=loaded_at, background=True)
    except Invalid as exc:
        resp = render("tickets/index.html", block="ticket_table", status=422, **list_context(view_args))
        return toast(resp, exc.message, "danger")
    if not is_htmx():
        flash(result.summary, "success")
        return redirect(url_for("tickets.bulk_report", run_id=result.run_id), code=303)
    run = tickets_bulk_undo.get_run_for(db_session(), current_actor(), result.run_id)
    ctx = {**list_context(view_args), **views_bulk.report_context(run, oob=True)}
    resp = render_regions("tickets/index.html", ["ticket_table", "bulk_report"], **ctx)
    return toast(resp, result.summary)
