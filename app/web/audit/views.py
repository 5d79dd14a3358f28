from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from flask import Response, make_response, redirect, request, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.services import audit_log, audit_view
from app.services.audit_log import AuditFilters
from app.web import list_view, listing
from app.web.audit import bp, rows
from app.web.context import current_actor
from app.web.htmx import is_htmx, render

FREE = ("actor", "action", "target_type", "target_id")
DATES = ("date_from", "date_to")
PER_PAGE = 50


def _context() -> dict[str, Any]:
    params = listing.parse(request.args, ["chain_index"], "-chain_index", free=FREE, dates=DATES)
    before = request.args.get("before", "")
    # ASCII digits only, and short: str.isdigit() accepts "²", which int() refuses.
    cursor = int(before) if re.fullmatch(r"[0-9]{1,18}", before) else None
    if before and cursor is None:
        params.notes.append("Ignored “before”: it must be a record number.")
    f, actor = AuditFilters.from_mapping(params.filters), current_actor()
    page = audit_log.list_record_rows(db_session(), actor, audit_log.list_query(f, cursor, PER_PAGE))
    query, base = urlencode(f.as_dict()), url_for("audit.index")
    next_before = page.next.after[0] if page.next and page.next.after else None
    return {
        "filters": f, "lines": rows.lines(audit_view.entries(db_session(), page.rows)),
        "notes": params.notes, "cursor": cursor,
        "estimate": page.estimate, "query": query,
        "next_before": next_before,
        "newest_href": f"{base}?{query}",
        "older_href": f"{base}?{query}{'&' if query else ''}before={next_before or ''}",
        "allowed": list_view.allowed(actor, ["audit:export"]),
    }


@bp.get("/audit")
@require("audit:read")
def index() -> Any:
    return render("audit/index.html", block="audit_results", **_context())


@bp.post("/audit/export")
@require("audit:export")
def export() -> Any:
    f = AuditFilters.from_mapping(listing.parse(request.form, [], "", free=FREE, dates=DATES).filters)
    job_id = audit_log.start_export(db_session(), current_actor(), f)
    if not is_htmx():
        return redirect(url_for("audit.export_status", job_id=job_id), 303)
    export = audit_log.export_status(current_actor(), job_id)
    return render("audit/export.html", block="export_status", export=export)


@bp.get("/audit/exports/<job_id>")
@require("audit:export")
def export_status(job_id: str) -> Any:
    export = audit_log.export_status(current_actor(), job_id)
    resp = render("audit/export.html", block="export_status", export=export)
    if export.done and is_htmx():
        resp.status_code = 286  # htmx: stop polling
    return resp


@bp.get("/audit/exports/<job_id>/download")
@require("audit:export")
def export_download(job_id: str) -> Response:
    body = audit_log.export_file(current_actor(), job_id)
    resp = make_response(body)
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{job_id}.csv"'
    return resp
