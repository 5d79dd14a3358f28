from __future__ import annotations

from typing import Any

from app.auth.permissions import require
from app.web.htmx import render
from app.web.users import bp


@bp.get("/users")
@require("users:read")
def index() -> Any:
    return render("users/index.html")
