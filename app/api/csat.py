"""/support/csat: customer satisfaction results (app.services.csat)."""

from __future__ import annotations

from typing import Any

from app.api import bp
from app.api.endpoint import operation, respond
from app.api.schemas import Output
from app.api.security import api_actor
from app.extensions import db_session
from app.services import csat


class ScoreOut(Output):
    label: str
    average: float | None
    count: int


class CsatOut(Output):
    overall: ScoreOut
    agents: list[ScoreOut]
    tiers: list[ScoreOut]
    weeks: list[ScoreOut]


@operation(bp, "GET", "/support/csat", permission="analytics:read", tag="csat", response=CsatOut,
           summary="Satisfaction over 90 days: the score, by agent and by tier, and the weekly trend")
def csat_results() -> Any:
    r = csat.report(db_session(), api_actor())
    return respond(CsatOut(overall=ScoreOut.model_validate(r["overall"][0]),
                           **{k: [ScoreOut.model_validate(s) for s in r[k]] for k in ("agents", "tiers", "weeks")}))
