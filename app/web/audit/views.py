from __future__ import annotations

from typing import Any

from app.auth.permissions import require
from app.web.audit import bp
from app.web.htmx import render


@bp.get("/audit")
@require("audit:read")
def index() -> Any:
    return render("audit/index.html")
