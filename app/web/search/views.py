from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from markupsafe import Markup, escape

from app.auth.permissions import login_only
from app.extensions import db_session
from app.search import query
from app.search.types import MARK, UNMARK, Hit
from app.services import search
from app.web.context import current_actor
from app.web.htmx import render
from app.web.search import bp, commands

SHOW = {"tickets": ("tickets.show", "ticket_id"), "customers": ("customers.show", "customer_id"),
        "users": ("users.show", "user_id")}
ICONS = {"tickets": "bi-ticket-detailed", "customers": "bi-building", "users": "bi-person"}


def hit_url(hit: Hit) -> str:
    endpoint, arg = SHOW[hit.kind]
    values: dict[str, Any] = {arg: str(hit.id)}
    return url_for(endpoint, **values)


def marked(text: str, q: str) -> Markup:
    """The text, escaped, with the backend's highlights (or the typed words) in <mark>."""
    if MARK not in text:
        text = _mark_words(text, q)
    return escape(text).replace(MARK, Markup("<mark>")).replace(UNMARK, Markup("</mark>"))


def _mark_words(text: str, q: str) -> str:
    words = {w.lower() for w in query.WORD.findall(q) if len(w) > 1}
    if not words:
        return text
    out = []
    for token in text.split(" "):
        bare = token.lower().lstrip("#(\"'")
        out.append(f"{MARK}{token}{UNMARK}" if any(bare.startswith(w) for w in words) else token)
    return " ".join(out)


def _context() -> dict[str, Any]:
    q = query.clean(request.args.get("q", ""))
    results = search.global_search(db_session(), current_actor(), q)
    return {"q": q, "results": results, "commands": commands.matching(q), "hit_url": hit_url, "marked": marked,
            "icons": ICONS}


@bp.get("/search")
@login_only
def index() -> Any:
    ctx = _context()
    results = ctx["results"]
    # Enter on a ticket number in the palette submits here: open the ticket straight away.
    tickets = [h for g in results.groups if g.kind == "tickets" for h in g.hits]
    if request.args.get("go") == "1" and query.NUMBER.fullmatch(ctx["q"]) and len(tickets) == 1:
        return redirect(hit_url(tickets[0]), 303)
    return render("search/index.html", block="search_results", **ctx)
