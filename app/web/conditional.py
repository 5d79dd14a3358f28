"""Conditional GETs for auto-refreshing partials: ETag out, If-None-Match in, 304 when unchanged.

The tag is the data's digest (taken by the service when the value was computed) plus what else
shapes the markup: the view's parameters and a digest of the templates, so a deploy that changes
the markup is not answered with 304. static/js/conditional.js sends If-None-Match for elements
marked `data-conditional` and, on 304, keeps the content and updates its "as of" text from
X-Freshness.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Response, make_response, request

from app.config import ROOT
from app.services import freshness

FRESHNESS_HEADER = "X-Freshness"


@cache
def templates_digest(folder: str) -> str:
    h = hashlib.blake2b(digest_size=4)
    for path in sorted(Path(ROOT / "templates" / folder).glob("*.html")):
        h.update(path.read_bytes())
    return h.hexdigest()


def etag(data_digest: str, folder: str, *context: object) -> str:
    shape = hashlib.blake2b(repr(context).encode(), digest_size=4).hexdigest()
    return freshness.weak_etag(data_digest, shape, templates_digest(folder))


def not_modified(tag: str) -> bool:
    return freshness.matches(request.headers.get("If-None-Match"), tag)


def answer_304(tag: str, stamp: freshness.Stamp) -> Response:
    resp = make_response("", 304)
    return mark(resp, tag, stamp)


def mark(resp: Response, tag: str, stamp: freshness.Stamp) -> Response:
    resp.headers["ETag"] = tag
    resp.headers[FRESHNESS_HEADER] = stamp.text()
    resp.vary.add("HX-Request")
    return resp
