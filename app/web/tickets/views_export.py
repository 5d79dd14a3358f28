"""Export the current ticket view as CSV: start, poll progress, download."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import Response, redirect, request, stream_with_context, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.services import tickets_export
from app.web.context import current_actor
from app.web.htmx import is_partial, render
from app.web.tickets import bp
from app.web.tickets.views import list_filter

TEMPLATE = "tickets/export.html"


@bp.post("/tickets/export")
@require("tickets:export")
def export() -> Any:
    _, tf = list_filter(dict(parse_qsl(request.form.get("query", ""))[:50]))
    status = tickets_export.start_export(db_session(), current_actor(), tf)
    if not is_partial():
        return redirect(url_for("tickets.export_progress", export_id=status.id), code=303)
    return render(TEMPLATE, block="export_status", status=202, export=status)


@bp.get("/tickets/exports/<export_id>")
@require("tickets:export")
def export_progress(export_id: str) -> Any:
    export = tickets_export.export_status(current_actor(), export_id)
    # 286 tells htmx to stop polling: the job is done.
    done = export.finished and is_partial()
    return render(TEMPLATE, block="export_status", status=286 if done else 200, export=export)


@bp.get("/tickets/exports/<export_id>/download")
@require("tickets:export")
def export_download(export_id: str) -> Any:
    parts = tickets_export.export_file(db_session(), current_actor(), export_id)
    return Response(stream_with_context(parts), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="tickets.csv"'})
