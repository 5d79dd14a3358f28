"""The browsable API docs page (staff with api:docs), built from the API's own OpenAPI document."""

from __future__ import annotations

from typing import Any

from app.api.openapi import document
from app.auth.permissions import require
from app.web.api_docs import bp
from app.web.htmx import render


@bp.get("/docs/api")
@require("api:docs")
def page() -> Any:
    doc = document()
    operations = [
        {"method": method.upper(), "path": path, **spec}
        for path, methods in doc["paths"].items()
        for method, spec in methods.items()
    ]
    return render("api/docs.html", block="api_operations", doc=doc, operations=operations)
