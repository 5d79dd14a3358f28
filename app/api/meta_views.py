"""The OpenAPI document, for any token holder (the browsable page is app/web/api_docs)."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp
from app.api.openapi import document
from app.api.security import api_require


@bp.get("/openapi.json")
@api_require("authenticated")
def openapi_json() -> Any:
    return jsonify(document())
