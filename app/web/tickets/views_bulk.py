"""A bulk change's report: a result per ticket, progress while a job runs it, and undo."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.models import TicketBulkRun
from app.models.base import utcnow
from app.services import tickets_bulk, tickets_bulk_undo
from app.services.errors import Invalid
from app.web.context import current_actor
from app.web.htmx import is_htmx, render, toast
from app.web.tickets import bp

TEMPLATE = "tickets/bulk.html"


def parse_moment(raw: str | None) -> datetime | None:
    """An ISO moment with its offset, in UTC; None when missing, malformed, without offset or out of range."""
    try:
        moment = datetime.fromisoformat(raw or "")
        return moment.astimezone(UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):  # year 1 or 9999 pushed past the calendar by its offset
        return None


def report_context(run: TicketBulkRun | None, oob: bool = False) -> dict[str, Any]:
    if run is None:
        return {"run": None, "oob": oob}
    return {"run": run, "result": tickets_bulk.result_of(run), "active": run.state in ("queued", "running"),
            "undoable": tickets_bulk_undo.can_undo(run, utcnow()), "oob": oob,
            "action_label": tickets_bulk.ACTIONS.get(run.action, run.action)}


@bp.get("/tickets/bulk/<run_id>")
@require("tickets:bulk")
def bulk_report(run_id: str) -> Any:
    run = tickets_bulk_undo.get_run_for(db_session(), current_actor(), run_id)
    return render(TEMPLATE, block="bulk_report", **report_context(run))


@bp.post("/tickets/bulk/<run_id>/undo")
@require("tickets:bulk")
def bulk_undo(run_id: str) -> Any:
    try:
        results = tickets_bulk_undo.undo_bulk(db_session(), current_actor(), run_id)
    except Invalid as exc:
        run = tickets_bulk_undo.get_run_for(db_session(), current_actor(), run_id)
        return toast(render(TEMPLATE, block="bulk_report", status=409, **report_context(run)), exc.message, "danger")
    restored = sum(1 for r in results if r["outcome"] == "restored")
    message = f"Undone: {restored} restored, {len(results) - restored} not." if results else "Nothing to undo."
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("tickets.bulk_report", run_id=run_id), code=303)
    run = tickets_bulk_undo.get_run_for(db_session(), current_actor(), run_id)
    return toast(render(TEMPLATE, block="bulk_report", **report_context(run)), message)
