"""The SLA policy editor: targets by priority and tier, applied to new and (by choice) open tickets."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.models.customer import TIERS
from app.models.ticket import PRIORITIES
from app.services import sla_policies
from app.services.errors import Invalid
from app.web.context import current_actor
from app.web.htmx import render
from app.web.sla import bp


def _context(targets: dict[tuple[str, str], tuple[Any, Any]], errors: dict[str, list[str]] | None = None,
             ) -> dict[str, Any]:
    return {"targets": targets, "priorities": PRIORITIES, "tiers": TIERS, "errors": errors or {}}


@bp.get("/sla")
@require("sla:manage")
def index() -> Any:
    targets = sla_policies.list_policies(db_session(), current_actor())
    return render("sla/index.html", block="sla_form", **_context(targets))


@bp.post("/sla")
@require("sla:manage")
def update() -> Any:
    raw = {(p, t): (request.form.get(f"first-{p}-{t}", ""), request.form.get(f"resolution-{p}-{t}", ""))
           for p in PRIORITIES for t in TIERS}
    try:
        retimed = sla_policies.save_targets(db_session(), current_actor(), raw, request.form.get("apply_open") == "y")
    except Invalid as exc:
        return render("sla/index.html", block="sla_form", status=422, **_context(raw, exc.details))
    flash(f"SLA targets saved; {retimed} open ticket{'s' if retimed != 1 else ''} re-timed.", "success")
    return redirect(url_for("sla.index"), code=303)
