"""Customer satisfaction: a survey per solved ticket, a signed one-time link (itsdangerous) to rate it
1–5 with an optional comment, and the scores by agent, tier and week."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from app.models import CsatSurvey, Customer, Ticket, User
from app.models.base import utcnow
from app.services import audit
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.uow import transaction

MAX_AGE = 30 * 24 * 3600  # a link works for 30 days
COMMENT_MAX = 2000
SCORES = (1, 2, 3, 4, 5)
TREND_WEEKS = 8


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="backoffice-csat")


def open_survey(session: Session, ticket_id: uuid.UUID) -> str | None:
    """A survey for a just-solved ticket and its link token (inside the caller's transaction); None when
    the ticket was rated already (one rating per ticket)."""
    row = session.execute(select(Ticket.customer_id, Ticket.assignee_id, Customer.subscription_tier)
                          .join(Customer, Customer.id == Ticket.customer_id).where(Ticket.id == ticket_id)).first()
    if row is None:
        return None
    survey = session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket_id).with_for_update())
    if survey is not None and survey.rated_at is not None:
        return None
    if survey is None:
        survey = CsatSurvey(id=uuid.uuid4(), ticket_id=ticket_id, customer_id=row.customer_id,
                            agent_id=row.assignee_id, tier=row.subscription_tier or "free", sent_at=utcnow())
        session.add(survey)
    survey.agent_id, survey.sent_at = row.assignee_id, utcnow()
    session.flush()
    return str(_serializer().dumps(str(survey.id)))


def survey_for(session: Session, token: str) -> CsatSurvey:
    try:
        raw = _serializer().loads(token, max_age=MAX_AGE)
        survey = session.get(CsatSurvey, uuid.UUID(str(raw)))
    except (BadSignature, ValueError):
        survey = None
    if survey is None:
        raise Invalid("This link is not valid or has expired.", {})
    return survey


def rate(session: Session, token: str, score: object, comment: str = "") -> CsatSurvey:
    """Record the customer's rating; the link works once."""
    survey = survey_for(session, token)
    try:
        value = int(str(score))
    except ValueError:
        value = 0
    if value not in SCORES:
        raise Invalid("Choose a rating from 1 to 5.", {"score": ["Choose a rating from 1 to 5."]})
    text_ = (comment or "").replace("\x00", "").strip()[:COMMENT_MAX]
    with transaction(session):
        done = session.execute(update(CsatSurvey).where(CsatSurvey.id == survey.id, CsatSurvey.rated_at.is_(None))
                               .values(score=value, comment=text_ or None, rated_at=utcnow())
                               .returning(CsatSurvey.id)).all()
        if not done:
            raise Invalid("This ticket has been rated already: thank you.", {})
        audit.record(session, Actor(None, "customer"), "ticket.rated", "ticket", survey.ticket_id,
                     {"score": [None, value], "comment": [None, text_ or None]})
    session.refresh(survey)
    return survey


@dataclass(frozen=True)
class Score:
    label: str
    average: float | None
    count: int


def _scores(session: Session, key: Any, label: Any, since: datetime) -> list[Score]:
    rows = session.execute(select(label, func.avg(CsatSurvey.score), func.count())
                           .select_from(CsatSurvey).outerjoin(User, User.id == CsatSurvey.agent_id)
                           .where(CsatSurvey.rated_at.is_not(None), CsatSurvey.rated_at >= since)
                           .group_by(key, label).order_by(func.count().desc()).limit(50)).all()
    return [Score(str(r[0] or "Unassigned"), round(float(r[1]), 2) if r[1] is not None else None, r[2]) for r in rows]


def report(session: Session, actor: Actor, days: int = 90) -> dict[str, list[Score]]:
    """Scores over `days`: overall, by agent, by tier, and by week (oldest first)."""
    actor.require("analytics:read")
    since = utcnow() - timedelta(days=days)
    week = func.date_trunc("week", CsatSurvey.rated_at)
    weeks = session.execute(select(week, func.avg(CsatSurvey.score), func.count()).where(
        CsatSurvey.rated_at >= utcnow() - timedelta(weeks=TREND_WEEKS)).group_by(week).order_by(week)).all()
    overall = session.execute(select(func.avg(CsatSurvey.score), func.count(CsatSurvey.score)).where(
        CsatSurvey.rated_at >= since)).one()
    return {"overall": [Score("All", round(float(overall[0]), 2) if overall[0] is not None else None, overall[1])],
            "agents": _scores(session, CsatSurvey.agent_id, User.name, since),
            "tiers": _scores(session, CsatSurvey.tier, CsatSurvey.tier, since),
            "weeks": [Score(w[0].date().isoformat(), round(float(w[1]), 2), w[2]) for w in weeks]}


def rating_of(session: Session, ticket_id: uuid.UUID) -> CsatSurvey | None:
    return session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket_id))


def customer_score(session: Session, customer_id: uuid.UUID) -> Score:
    avg, count = session.execute(select(func.avg(CsatSurvey.score), func.count(CsatSurvey.score))
                                 .where(CsatSurvey.customer_id == customer_id)).one()
    return Score("Customer", round(float(avg), 2) if avg is not None else None, count)


DASHBOARD_ROWS = 8


def _avg(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


def _trend_rows(session: Session, key: Any, label: Any, start: datetime, end: datetime,
                limit: int | None) -> list[dict[str, Any]]:
    """Average score and count in [start, end), with the change from the period of the same length before."""
    before = start - (end - start)
    now_ = CsatSurvey.rated_at >= start
    was = CsatSurvey.rated_at < start
    query = (select(label, func.avg(CsatSurvey.score).filter(now_), func.count().filter(now_),
                    func.avg(CsatSurvey.score).filter(was))
             .select_from(CsatSurvey).outerjoin(User, User.id == CsatSurvey.agent_id)
             .where(CsatSurvey.rated_at.is_not(None), CsatSurvey.rated_at >= before, CsatSurvey.rated_at < end)
             .having(func.count().filter(now_) > 0))
    if key is not None:
        query = query.group_by(key, label).order_by(func.count().filter(now_).desc(), label).limit(limit)
    rows = []
    for name, average, count, previous in session.execute(query).all():
        avg, prev = _avg(average), _avg(previous)
        rows.append({"label": str(name or "Unassigned"), "average": avg, "count": count, "previous": prev,
                     "change": round(avg - prev, 2) if avg is not None and prev is not None else None})
    return rows


def dashboard_scores(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """The dashboard's satisfaction widget: the score over [start, end) and its change from the period before,
    by agent (the most rated first) and by tier."""
    overall = _trend_rows(session, None, literal("All"), start, end, None)
    return {"overall": overall[0] if overall else None,
            "agents": _trend_rows(session, CsatSurvey.agent_id, User.name, start, end, DASHBOARD_ROWS),
            "tiers": _trend_rows(session, CsatSurvey.tier, CsatSurvey.tier, start, end, None)}
