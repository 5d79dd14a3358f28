"""The SLA policy editor: targets by priority and tier and the business calendar they count in, applied to
new and (by choice) open tickets."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.models.customer import TIERS
from app.models.ticket import PRIORITIES
from app.services import sla_policies
from app.services.errors import Invalid
from app.services.sla_policies import WEEKDAYS, CalendarForm
from app.web.context import current_actor
from app.web.htmx import render
from app.web.sla import bp


def _context(targets: dict[tuple[str, str], tuple[Any, Any]] | None = None,
             calendar: CalendarForm | None = None, errors: dict[str, list[str]] | None = None,
             calendar_errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    session, actor = db_session(), current_actor()
    return {"targets": targets if targets is not None else sla_policies.list_policies(session, actor),
            "calendar": calendar or sla_policies.get_calendar(session, actor), "weekdays": WEEKDAYS,
            "priorities": PRIORITIES, "tiers": TIERS, "errors": errors or {},
            "calendar_errors": calendar_errors or {}}


def _retimed(what: str, retimed: int) -> None:
    flash(f"{what} saved; {retimed} open ticket{'s' if retimed != 1 else ''} re-timed.", "success")


@bp.get("/sla")
@require("sla:manage")
def index() -> Any:
    return render("sla/index.html", block="sla_form", **_context())


@bp.post("/sla")
@require("sla:manage")
def update() -> Any:
    raw = {(p, t): (request.form.get(f"first-{p}-{t}", ""), request.form.get(f"resolution-{p}-{t}", ""))
           for p in PRIORITIES for t in TIERS}
    try:
        retimed = sla_policies.save_targets(db_session(), current_actor(), raw, request.form.get("apply_open") == "y")
    except Invalid as exc:
        return render("sla/index.html", block="sla_form", status=422, **_context(raw, errors=exc.details))
    _retimed("SLA targets", retimed)
    return redirect(url_for("sla.index"), code=303)


@bp.post("/sla/calendar")
@require("sla:manage")
def update_calendar() -> Any:
    form = CalendarForm(
        enabled=request.form.get("enabled") == "y", tz=request.form.get("tz", ""),
        hours={d: (request.form.get(f"opens-{d}", ""), request.form.get(f"closes-{d}", "")) for d in range(7)},
        holidays=tuple(request.form.get("holidays", "").replace(",", " ").split()))
    try:
        retimed = sla_policies.save_calendar(db_session(), current_actor(), form,
                                             request.form.get("apply_open") == "y")
    except Invalid as exc:
        return render("sla/index.html", block="calendar_form", status=422,
                      **_context(calendar=form, calendar_errors=exc.details))
    _retimed("Business calendar", retimed)
    return redirect(url_for("sla.index"), code=303)
