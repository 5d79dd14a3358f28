from __future__ import annotations

from typing import Any

from app.auth.permissions import require
from app.web.htmx import render
from app.web.system import bp


@bp.get("/system")
@require("system:manage")
def index() -> Any:
    return render("system/index.html")
