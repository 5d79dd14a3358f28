from __future__ import annotations

from typing import Any

from app.auth.permissions import require
from app.web.htmx import render
from app.web.tickets import bp


@bp.get("/tickets")
@require("tickets:read")
def index() -> Any:
    return render("tickets/index.html")
