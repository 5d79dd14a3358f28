from __future__ import annotations

from typing import Any

from app.auth.permissions import require
from app.web.customers import bp
from app.web.htmx import render


@bp.get("/customers")
@require("customers:read")
def index() -> Any:
    return render("customers/index.html")
