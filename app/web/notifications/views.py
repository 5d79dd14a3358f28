from __future__ import annotations

from typing import Any

from app.auth.permissions import require
from app.web.htmx import render
from app.web.notifications import bp


@bp.get("/notifications")
@require("notifications:read")
def index() -> Any:
    return render("notifications/index.html")
