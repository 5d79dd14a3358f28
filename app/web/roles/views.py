from __future__ import annotations

from typing import Any

from app.auth.permissions import require
from app.web.htmx import render
from app.web.roles import bp


@bp.get("/roles")
@require("roles:read")
def index() -> Any:
    return render("roles/index.html")
