from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, request, stream_with_context

from app.auth.permissions import require
from app.extensions import db_session
from app.services import analytics, dashboard
from app.web.context import current_actor
from app.web.htmx import render
from app.web.reports import bp


def _context() -> dict[str, Any]:
    rng = dashboard.parse_range(request.args, datetime.now(UTC).date())
    type_ = request.args.get("type") or ""
    report = analytics.daily_counts(db_session(), current_actor(), rng, type_ or None)
    params = {"range": rng.key, "type": type_ if type_ in analytics.TYPES else ""}
    if rng.key == "custom":
        params.update({"from": rng.start.isoformat(), "to": rng.end.isoformat()})
    return {"rng": rng, "report": report, "params": params, "ranges": dashboard.RANGES, "types": analytics.TYPES}


@bp.get("/reports")
@require("analytics:read")
def index() -> Any:
    return render("reports/index.html", block="report", **_context())


@bp.get("/reports/export.csv")
@require("analytics:read")
def export() -> Any:
    ctx = _context()
    name = f"analytics-{ctx['rng'].start}-{ctx['rng'].end}.csv"
    return Response(stream_with_context(analytics.csv_rows(ctx["report"])), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
