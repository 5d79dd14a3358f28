"""Lean pages: compressed responses, and static files addressed by their content.

Every `url_for('static', ...)` carries `?v=<digest of the file>`, so a changed file has a new
address and a browser may keep each address for a year without asking again (`immutable`).
Responses are compressed (zstd, brotli or gzip, as the browser accepts) by Flask-Compress.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask, request
from flask_compress import Compress

YEAR = 365 * 24 * 3600
compress = Compress()


def _digests(folder: str) -> Any:
    cache: dict[tuple[str, float], str] = {}

    def digest(filename: str) -> str | None:
        path = os.path.join(folder, filename)
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            return None
        key = (filename, mtime)
        if key not in cache:
            with open(path, "rb") as fh:
                cache[key] = hashlib.sha256(fh.read()).hexdigest()[:12]
        return cache[key]

    return digest


def init_app(app: Flask) -> None:
    compress.init_app(app)
    digest = _digests(str(app.static_folder))

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            found = digest(values["filename"])
            if found:
                values["v"] = found

    @app.after_request
    def _immutable(resp: Any) -> Any:
        if request.endpoint == "static" and request.args.get("v") and resp.status_code in (200, 304):
            resp.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return resp
