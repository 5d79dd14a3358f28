"""Satisfaction: the customer's public, rate-limited rating page, and the scores for the team."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from app.auth.permissions import public, require
from app.extensions import db_session, limiter
from app.services import csat
from app.services.errors import Invalid
from app.web.context import current_actor
from app.web.csat import bp
from app.web.htmx import render


def _limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])  # the same budget as the other public links


@bp.route("/csat/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit)
def rate(token: str) -> Any:
    survey = None
    try:
        survey = csat.survey_for(db_session(), token)
        if request.method == "POST":
            survey = csat.rate(db_session(), token, request.form.get("score", ""), request.form.get("comment", ""))
    except Invalid as exc:
        kept = survey if exc.details else None  # a rating left out keeps the form; a bad or used link does not
        return render("csat/rate.html", survey=kept, error=exc.message, token=token, scores=csat.SCORES,
                      status=422 if exc.details else 400)
    return render("csat/rate.html", survey=survey, error=None, token=token, scores=csat.SCORES)


@bp.get("/satisfaction")
@require("analytics:read")
def report() -> Any:
    return render("csat/report.html", block="csat_report", r=csat.report(db_session(), current_actor()))
