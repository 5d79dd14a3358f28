from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, current_app, request
from markupsafe import Markup
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from app.auth.permissions import require
from app.extensions import db_session
from app.services import dashboard
from app.web import conditional
from app.web.context import current_actor
from app.web.dashboard import bp
from app.web.htmx import is_partial, render
from app.web.layout import layout


def _context() -> dict[str, Any]:
    """One context for the page and every widget block: the range, the refresh interval, the widgets."""
    actor = current_actor()
    rng = dashboard.parse_range(request.args, datetime.now(UTC).date())
    default = current_app.config["DASHBOARD_REFRESH_SECONDS"]
    refresh = dashboard.parse_refresh(request.args.get("refresh"), default)
    params = {"range": rng.key, "refresh": refresh}
    if rng.key == "custom":
        params.update({"from": rng.start.isoformat(), "to": rng.end.isoformat()})
    widgets = dashboard.widgets_for(actor)
    return {"actor": actor, "rng": rng, "refresh": refresh, "params": params, "ranges": dashboard.RANGES,
            "refresh_choices": dashboard.REFRESH_CHOICES, "widgets": widgets,
            "full": actor.can("analytics:read"), "data": None, "stale": None, "stamp": None,
            "waiting": layout().macro("dashboard/macros.html", "loading"),
            "frames": _frames(widgets, params, refresh)}


def _frames(widgets: tuple[str, ...], params: dict[str, Any], refresh: int) -> dict[str, Markup]:
    """Each widget's frame attributes (its self-loading hx-get), rendered once per range and refresh."""
    def build() -> dict[str, Markup]:
        frame = layout().macro
        return {name: frame("dashboard/macros.html", "frame", name, params, refresh) for name in widgets}

    frames: dict[str, Markup] = layout().cached(("dashboard-frames", widgets, tuple(params.items()), refresh), build)
    return frames


def _load(name: str, ctx: dict[str, Any]) -> None:
    """The widget's data; when its query fails, the last good value and a stale marker instead."""
    ctx["widget"] = name
    cache = current_app.config["DASHBOARD_CACHE_SECONDS"]
    max_age = min(cache, ctx["refresh"]) if ctx["refresh"] else cache
    try:
        loaded = dashboard.widget_data(db_session(), ctx["actor"], name, ctx["rng"], max_age)
        ctx["data"], ctx["stamp"] = loaded.data, loaded.stamp
        ctx["etag"] = conditional.etag(loaded.digest, "dashboard", name, ctx["full"], sorted(ctx["params"].items()))
    except (SQLAlchemyError, RedisError, OSError):
        db_session().rollback()
        current_app.logger.exception("dashboard widget failed", extra={"widget": name})
        last = dashboard.last_good(name, "all" if ctx["full"] else str(ctx["actor"].id), ctx["rng"])
        ctx["data"] = last["data"] if last else None
        ctx["stale"] = datetime.fromtimestamp(last["at"], UTC) if last else "never"


@bp.get("/")
@require("dashboard:read")
def index() -> Any:
    return render("dashboard/index.html", **_context())


@bp.get("/dashboard/widgets/<name>")
@require("dashboard:read")
def widget(name: str) -> Any:
    ctx = _context()
    if name not in dashboard.FULL_WIDGETS + dashboard.AGENT_WIDGETS:
        abort(404)
    if not is_partial():  # opened in a tab: the whole dashboard, each widget loading itself
        return render("dashboard/index.html", **ctx)
    _load(name, ctx)
    if ctx["stamp"] is None:  # the stale value: no tag, so the next refresh tries again
        return render("dashboard/index.html", block=f"widget_{name}", **ctx)
    if conditional.not_modified(ctx["etag"]):
        return conditional.answer_304(ctx["etag"], ctx["stamp"])
    return conditional.mark(render("dashboard/index.html", block=f"widget_{name}", **ctx), ctx["etag"], ctx["stamp"])
