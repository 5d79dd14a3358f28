"""The OpenAPI document (for any token holder) and the browsable docs page (staff with api:docs)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from app.api import bp
from app.api.openapi import document
from app.api.security import api_require
from app.auth.permissions import require
from app.web.htmx import render

docs_bp = Blueprint("api_docs", __name__)


@bp.get("/openapi.json")
@api_require("authenticated")
def openapi_json() -> Any:
    return jsonify(document())


@docs_bp.get("/docs/api")
@require("api:docs")
def page() -> Any:
    doc = document()
    operations = [
        {"method": method.upper(), "path": path, **spec}
        for path, methods in doc["paths"].items()
        for method, spec in methods.items()
    ]
    return render("api/docs.html", block="api_operations", doc=doc, operations=operations)
