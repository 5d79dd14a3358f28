from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.services import system
from app.web.context import current_actor
from app.web.htmx import is_htmx, render, toast
from app.web.system import bp


def _context() -> dict[str, Any]:
    return {"overview": system.overview(db_session(), current_actor(), current_app.config["RQ_QUEUES"])}


def _after_change(message: str) -> Any:
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("system.index"), 303)
    return toast(render("system/index.html", block="system_status", **_context()), message)


@bp.get("/system")
@require("system:manage")
def index() -> Any:
    return render("system/index.html", block="system_status", **_context())


@bp.post("/system/jobs/<job_id>/retry")
@require("system:manage")
def retry_job(job_id: str) -> Any:
    system.retry_job(db_session(), current_actor(), job_id, current_app.config["RQ_QUEUES"])
    return _after_change("Job queued again")


@bp.post("/system/jobs/<job_id>/delete")
@require("system:manage")
def delete_job(job_id: str) -> Any:
    system.delete_job(db_session(), current_actor(), job_id, current_app.config["RQ_QUEUES"])
    return _after_change("Job deleted")


@bp.post("/system/outbox/relay")
@require("system:manage")
def relay() -> Any:
    sent = system.relay_now(db_session(), current_actor())
    return _after_change(f"Dispatched {sent} events")


@bp.post("/system/events/<event_id>/retry")
@require("system:manage")
def retry_event(event_id: str) -> Any:
    system.retry_event(db_session(), current_actor(), event_id)
    return _after_change("Event sent again")


@bp.post("/system/events/<event_id>/discard")
@require("system:manage")
def discard_event(event_id: str) -> Any:
    system.discard_event(db_session(), current_actor(), event_id)
    return _after_change("Event discarded")
