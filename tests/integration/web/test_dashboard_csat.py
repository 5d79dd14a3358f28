"""The dashboard's satisfaction widget: the score in the range and its change from the period before, by
agent and by tier, with the same freshness stamp and ETag as every widget."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import CsatSurvey
from app.models.base import utcnow
from app.services import csat
from tests.factories import make_customer, make_ticket, make_user

HX = {"HX-Request": "true"}


def _rate(db_session: Session, agent: object, tier: str, score: int, days_ago: float) -> None:
    customer = make_customer(db_session, subscription_tier=tier)
    ticket = make_ticket(db_session, customer_id=customer.id, status="solved")
    at = utcnow() - timedelta(days=days_ago)
    db_session.add(CsatSurvey(id=uuid.uuid4(), ticket_id=ticket.id, customer_id=customer.id, agent_id=agent,
                              tier=tier, sent_at=at, rated_at=at, score=score))
    db_session.flush()


def _seed(db_session: Session) -> None:
    ana = make_user(db_session, name="Ana Agent").id
    bo = make_user(db_session, name="Bo Agent").id
    _rate(db_session, ana, "enterprise", 5, 1)  # this week
    _rate(db_session, ana, "enterprise", 4, 2)
    _rate(db_session, bo, "free", 2, 3)
    _rate(db_session, ana, "enterprise", 3, 10)  # the week before
    _rate(db_session, bo, "free", 4, 10)
    _rate(db_session, bo, "free", 1, 40)  # outside both periods


def test_scores_and_their_change_by_agent_and_tier(db_session: Session) -> None:
    _seed(db_session)
    end = utcnow() + timedelta(minutes=1)
    scores = csat.dashboard_scores(db_session, end - timedelta(days=7), end)
    assert scores["overall"] == {"label": "All", "average": 3.67, "count": 3, "previous": 3.5, "change": 0.17}
    agents = {r["label"]: r for r in scores["agents"]}
    assert agents["Ana Agent"]["average"] == 4.5 and agents["Ana Agent"]["change"] == 1.5
    assert agents["Bo Agent"]["count"] == 1 and agents["Bo Agent"]["change"] == -2.0
    assert [r["label"] for r in scores["agents"]] == ["Ana Agent", "Bo Agent"]  # the most rated first
    tiers = {r["label"]: r for r in scores["tiers"]}
    assert tiers["free"]["previous"] == 4.0 and tiers["enterprise"]["count"] == 2


def test_the_widget_renders_with_freshness_and_etag(admin_client: FlaskClient, db_session: Session) -> None:
    _seed(db_session)
    resp = admin_client.get("/dashboard/widgets/csat?range=7d&refresh=30", headers=HX)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["ETag"].startswith('W/"')
    assert 'data-testid="csat-widget"' in body and 'data-testid="freshness"' in body and "<html" not in body
    assert 'data-testid="csat-score">3.67' in body and "Ana Agent" in body and "enterprise" in body
    assert "+1.50" in body and "-2.00" in body
    again = admin_client.get("/dashboard/widgets/csat?range=7d&refresh=30",
                             headers={**HX, "If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    assert 'id="widget-csat"' in admin_client.get("/").get_data(as_text=True)


def test_agents_do_not_get_it(make_client: Callable[..., FlaskClient]) -> None:
    agent = make_client("agent")
    assert agent.get("/dashboard/widgets/csat", headers=HX).status_code == 403
    assert 'id="widget-csat"' not in agent.get("/").get_data(as_text=True)
