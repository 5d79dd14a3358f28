"""Compressed responses and fingerprinted static files kept for a year."""

from __future__ import annotations

import hashlib
import re

from flask.testing import FlaskClient

from app.config import ROOT


def test_static_addresses_carry_a_digest_and_are_immutable(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    url = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', html)
    assert url, "the stylesheet address carries the file's digest"
    content = (ROOT / "static" / "css" / "app.css").read_bytes()
    assert url.group(2) == hashlib.sha256(content).hexdigest()[:12]  # the content's digest: it changes with the file
    resp = client.get(url.group(1))
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    bare = client.get("/static/css/app.css")  # no digest: the browser must check again
    assert "immutable" not in bare.headers.get("Cache-Control", "")


def test_pages_and_static_files_are_compressed(client: FlaskClient) -> None:
    page = client.get("/login", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br" and "Accept-Encoding" in page.headers["Vary"]
    css = client.get("/static/vendor/bootstrap-5.3.9.min.css", headers={"Accept-Encoding": "gzip, br"})
    assert css.headers["Content-Encoding"] == "br" and len(css.get_data()) < 40_000  # of 232 KB
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
