from __future__ import annotations

from typing import Any

from app.auth.permissions import require
from app.extensions import db
from app.observability import readiness
from app.services import dashboard
from app.web.dashboard import bp
from app.web.htmx import render


def _context() -> dict[str, Any]:
    checks = readiness()
    health = round(100 * sum(v == "ok" for v in checks.values()) / len(checks))
    return {
        "stats": dashboard.stats(db.session),
        "health": health,
        "checks": checks,
        "recent": dashboard.recent_tickets(db.session),
    }


@bp.get("/")
@require("dashboard:read")
def index() -> Any:
    return render("dashboard/index.html", block="stats", **_context())
