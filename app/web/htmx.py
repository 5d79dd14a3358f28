"""The only code that reads or writes HX-* headers, and the one render helper."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block, render_blocks


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """An htmx request that wants a region, not a whole page (boosted links and history restores want pages)."""
    return (
        is_htmx()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str | None = None, status: int = 200, **ctx: Any) -> Response:
    """The full page, or only `block` of the same template for an htmx request."""
    if block and is_partial():
        body = render_block(template, block, **ctx)
    else:
        body = render_template(template, **ctx)
    resp = make_response(body, status)
    if request.method == "GET":
        resp.vary.add("HX-Request")
    return resp


def render_regions(template: str, blocks: list[str], status: int = 200, **ctx: Any) -> Response:
    """Several blocks at once: the target plus hx-swap-oob regions."""
    return make_response(render_blocks(template, blocks, **ctx), status)


def toast(resp: Response, message: str, level: str = "success") -> Response:
    """Ask the page to show a toast after the swap."""
    triggers = json.loads(resp.headers.get("HX-Trigger", "{}") or "{}")
    triggers["toast"] = {"message": message, "level": level}
    resp.headers["HX-Trigger"] = json.dumps(triggers)
    return resp


def redirect_htmx(resp: Response, url: str) -> Response:
    resp.headers["HX-Redirect"] = url
    return resp


def push_url(resp: Response, url: str) -> Response:
    resp.headers["HX-Push-Url"] = url
    return resp
